import CodeSets
import Foundation
import Model

/// How a payer identifies itself on its 835s (1000A loop and TRN03).
public struct RemittancePayer: Equatable, Sendable {
    /// N1*PR N102.
    public var name: String
    /// TRN03: `1` followed by the payer's nine-digit tax id (EIN), ten characters.
    public var originatingCompanyId: String
    public var addressLine: String
    public var city: String
    public var state: String
    public var postalCode: String
    /// PER*BL: technical contact telephone.
    public var technicalContactPhone: String

    public init(name: String, originatingCompanyId: String, addressLine: String, city: String, state: String,
                postalCode: String, technicalContactPhone: String) {
        self.name = name; self.originatingCompanyId = originatingCompanyId; self.addressLine = addressLine
        self.city = city; self.state = state; self.postalCode = postalCode; self.technicalContactPhone = technicalContactPhone
    }
}

/// Envelope and payer settings for 835 output.
public struct RemittanceSettings: Sendable {
    /// ISA06 / GS02.
    public var senderId: String
    /// ISA08 / GS03.
    public var receiverId: String
    /// DTM*405, BPR16, ISA09, GS04.
    public var productionDate: LocalDate
    /// ISA15: `P` production, `T` test.
    public var usage: String
    /// How each medpolicy payer id appears on its 835s.
    public var payers: [String: RemittancePayer]
    public var delimiters: X12Delimiters
    public var lineBreaks: Bool

    public init(senderId: String, receiverId: String, productionDate: LocalDate, usage: String = "T",
                payers: [String: RemittancePayer], delimiters: X12Delimiters = .standard, lineBreaks: Bool = true) {
        self.senderId = senderId; self.receiverId = receiverId; self.productionDate = productionDate
        self.usage = usage; self.payers = payers; self.delimiters = delimiters; self.lineBreaks = lineBreaks
    }
}

/// A claim with the determination made on it.
public struct AdjudicatedClaim: Sendable {
    public var claim: ParsedClaim
    public var determination: Determination
    /// CLP07 for the claim; nil numbers it within the interchange (`MP<ISA13><counter>`). A claim
    /// history gives each claim a lasting number (``Remittance835Writer/payerClaimControlNumber(record:)``),
    /// which a later reversal repeats.
    public var payerClaimControlNumber: String?
    /// For a replacement or void: the claim it retires, as remitted before, when a claim history
    /// knows it. Its payment is reversed (CLP02 22) ahead of the replacement's own claim.
    public var reversal: RemittanceReversal?
    /// Stands only for the reversal: the claim itself is remitted by another payer's 835.
    var reversalOnly = false

    public init(claim: ParsedClaim, determination: Determination, payerClaimControlNumber: String? = nil,
                reversal: RemittanceReversal? = nil) {
        self.claim = claim; self.determination = determination
        self.payerClaimControlNumber = payerClaimControlNumber; self.reversal = reversal
    }

    /// The parts of this claim for each payer's 835 when it spans two: a reversal goes to the payer
    /// that made the payment it takes back, which is not this claim's payer when the replacement or
    /// void names another one. Nil when the whole claim goes to its own payer's 835.
    var partsForOtherPayers: [(payer: String, item: AdjudicatedClaim)]? {
        guard let reversal, reversal.notReversible == nil, reversal.determination.payer != determination.payer else {
            return nil
        }
        var reversing = self
        reversing.reversalOnly = true
        var claiming = self
        claiming.reversal = nil
        let isVoid = claim.encounter.effectiveFrequency == .void
        return [(reversal.determination.payer, reversing)] + (isVoid ? [] : [(determination.payer, claiming)])
    }
}

/// A claim adjudicated earlier whose payment a replacement or void takes back.
public struct RemittanceReversal: Sendable {
    /// The claim as adjudicated: its lines (with their charges) are echoed with negated amounts.
    public var encounter: Encounter
    public var determination: Determination
    /// CLP07 of its remittance, repeated on the reversal.
    public var payerClaimControlNumber: String

    public init(encounter: Encounter, determination: Determination, payerClaimControlNumber: String) {
        self.encounter = encounter; self.determination = determination
        self.payerClaimControlNumber = payerClaimControlNumber
    }

    /// Why nothing of it can be reversed, or nil.
    var notReversible: String? {
        if case .failure(let refusal) = restatement { return refusal.reason }
        return nil
    }

    /// Why a recorded claim cannot be restated.
    struct Unrestatable: Error { let reason: String }

    /// Its lines as its remittance echoed them, or why they cannot be restated: it was not
    /// remitted, or what was recorded (by `check --db` from JSON, or by another version) has a line
    /// without a charge or with one no 837 can carry, or a line its determination does not decide.
    var restatement: Result<[ParsedServiceLine], Unrestatable> {
        switch determination.outcome {
        case .pended: return .failure(Unrestatable(reason: "it was pended, so nothing was paid to reverse"))
        case .notApplicable: return .failure(Unrestatable(reason: "no policy adjudicated it, so nothing was remitted to reverse"))
        case .approved, .denied, .partial: break
        }
        var lines: [ParsedServiceLine] = []
        for (offset, line) in encounter.lines.enumerated() {
            let number = offset + 1
            // The 837 reader's bound on an amount (15 whole digits): beyond it, cents overflow.
            guard let charge = line.charge, charge.isFinite, charge >= 0, charge < 1e15 else {
                let what = line.charge.map { "the charge \($0)" } ?? "no charge"
                return .failure(Unrestatable(reason: "its recorded line \(number) has \(what), so its payment cannot be restated"))
            }
            guard let decided = determination.lines.first(where: { $0.index == number }),
                  [.approved, .denied, .notApplicable].contains(decided.outcome) else {
                return .failure(Unrestatable(reason: "its recorded determination does not decide line \(number), so its payment cannot be restated"))
            }
            lines.append(ParsedServiceLine(lineNumber: number, qualifier: "HC", code: line.code, modifiers: line.modifierList,
                                           chargeCents: Int((charge * 100).rounded()), unitBasis: "UN", units: line.effectiveUnits,
                                           diagnosisPointers: line.diagnosisPointers ?? [], serviceDate: encounter.dateOfService))
        }
        return .success(lines)
    }
}

/// One 835 interchange (ISA…IEA) for one payer.
public struct Remittance835: Sendable {
    /// medpolicy payer id.
    public var payer: String
    /// ISA13 / GS06 of this interchange.
    public var controlNumber: Int
    public var bytes: [UInt8]
    /// Claims (CLP) in it, reversals included.
    public var claimCount: Int
    /// Of those, reversals of earlier payments (CLP02 22).
    public var reversals: Int
    /// Sum of BPR02 over its transaction sets, in cents.
    public var paidCents: Int

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A claim left out of the 835s, and why.
public struct UnremittedClaim: Equatable, Sendable {
    public var claimId: String
    public var payer: String
    public var outcome: Outcome
    public var reason: String

    public init(claimId: String, payer: String, outcome: Outcome, reason: String) {
        self.claimId = claimId; self.payer = payer; self.outcome = outcome; self.reason = reason
    }
}

/// What the writer produced.
public struct RemittanceBatch: Sendable {
    /// One per payer, in order of first appearance.
    public var remittances: [Remittance835]
    /// Pended claims (a reviewer decides), claims no policy adjudicated, and voids.
    public var unremitted: [UnremittedClaim]
    /// The control number the next interchange should use.
    public var nextControlNumber: Int
}

/// A determination and claim that cannot be written as an 835 claim.
public struct RemittanceError: Error, Equatable, Sendable, CustomStringConvertible {
    public var claimId: String
    public var message: String
    /// The input asks for what an 835 cannot say (amounts past its largest), rather than the
    /// determinations contradicting the claims: the caller's to fix.
    public var isCallersToFix: Bool

    public init(claimId: String, message: String, isCallersToFix: Bool = false) {
        self.claimId = claimId; self.message = message; self.isCallersToFix = isCallersToFix
    }

    public var description: String { "claim \"\(claimId)\": \(message)" }
}

/// Writes X12 835 health care claim payment/advice (005010X221A1) from determinations.
///
/// One interchange per payer, one transaction set per payee (billing provider) within it.
/// Amounts: medpolicy decides coverage, not prices, so an approved line (or a line no policy
/// rule governs, `not_applicable`, on a claim that was adjudicated) is paid at its billed charge
/// as a stand-in for the allowed amount; a denied line is paid 0 with `CAS*<group>*<CARC>*<charge>`
/// (the first CARC of the line's reasons, else of the claim's reasons; the group is the one X12's
/// usage note prescribes for the CARC, OA for 18, else CO) and `LQ*HE` for each RARC.
/// `CLP02` is 4 (denied) for a denied claim on which nothing is paid, else 1, 2 or 3 as the payer
/// is primary, secondary or tertiary on the claim (SBR01).
///
/// Reversals (TR3 1.10.2.8): a void, and a replacement, whose retired claim a history knows
/// (``AdjudicatedClaim/reversal``) first restate that claim with `CLP02` 22, its CLP07, and every
/// amount negated (charges, payments, CAS); a replacement's own claim follows. A void with no known
/// remittance to reverse is not written. Totals balance: CLP03 = ΣSVC02, CLP04 = ΣSVC03,
/// SVC02 − SVC03 = ΣCAS, BPR02 = ΣCLP04 − ΣPLB04 (`BPR*I…CHK` when something is paid, `BPR*H…NON`
/// with 0 otherwise). BPR02 is never negative: when reversals outweigh payments, the difference
/// is forwarded to a later payment with `PLB…*FB:<TRN02>*<negative amount>`.
/// A reversal goes to the 835 of the payer whose payment it takes back, when a replacement or void
/// names another payer. Pended claims and claims with outcome `not_applicable` are not written; they come back in
/// `unremitted` (a pended replacement's reversal waits with it).
public struct Remittance835Writer {
    public let settings: RemittanceSettings

    public init(settings: RemittanceSettings) { self.settings = settings }

    /// Writes 835s in memory; interchange control numbers start at `firstControlNumber`.
    public func write(_ claims: [AdjudicatedClaim], firstControlNumber: Int) throws -> RemittanceBatch {
        let stream = Remittance835Stream(writer: self, firstControlNumber: firstControlNumber)
        let unremitted = try stream.add(claims)
        var remittances: [Remittance835] = []
        for payer in stream.payers {
            let output = X12Output()
            let totals = try stream.finish(payer: payer, into: output)
            remittances.append(Remittance835(payer: payer, controlNumber: totals.controlNumber, bytes: output.bytes,
                                             claimCount: totals.claimCount, reversals: totals.reversals,
                                             paidCents: totals.paidCents))
        }
        return RemittanceBatch(remittances: remittances, unremitted: unremitted, nextControlNumber: stream.nextControlNumber)
    }

    /// The claim is remitted, or why not (pended, not adjudicated, a void).
    func unremittedReason(_ item: AdjudicatedClaim) throws -> UnremittedClaim? {
        let determination = item.determination
        let claimId = item.claim.encounter.id
        guard determination.encounterId == claimId else {
            throw RemittanceError(claimId: claimId, message: "the determination is for encounter \"\(determination.encounterId)\"")
        }
        let payer = determination.payer
        let retired = item.claim.encounter.replaces ?? claimId
        if item.claim.encounter.effectiveFrequency == .void {
            let why = item.reversal.map(\.notReversible)
                ?? "its payment is not known without a claim history (--db), so no reversal is written"
            guard let why else { return nil }
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: determination.outcome,
                                   reason: "void of claim \(retired): \(why)")
        }
        // A replacement that is not remitted holds back the reversal of the claim it replaces.
        let waiting = item.reversal.map { $0.notReversible == nil ? " (the reversal of claim \(retired) waits with it)" : "" } ?? ""
        switch determination.outcome {
        case .pended:
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: .pended, reason: "pended for medical review" + waiting)
        case .notApplicable:
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: .notApplicable,
                                   reason: (determination.reasons.first?.message ?? "no policy adjudicated the claim") + waiting)
        case .approved, .denied, .partial:
            return nil
        }
    }

    /// CLP07 of a claim a history recorded as `record`: the same on the claim's remittance and on
    /// any later reversal of it.
    public static func payerClaimControlNumber(record: Int64) -> String {
        "MPH" + X12SegmentWriter.zeroPadded(Int(record), 10)
    }

    /// X12's CARC list, for the group code each CARC goes out under. Bundled with the binary, so
    /// it loads (a missing table would leave every CARC under CO).
    private static let remittanceCodes = try? CodeTables.loadBundled()

    static func groupCode(_ carc: String) -> String {
        remittanceCodes?.carcCode(carc)?.groupCode ?? "CO"
    }

    private struct LinePayment {
        var line: ParsedServiceLine
        /// SVC02 and SVC03, negated on a reversal.
        var chargeCents: Int
        var paidCents: Int
        var carc: String?
        var rarcs: [String]
    }

    /// One CLP loop to write: a claim, or the reversal of one.
    private struct ClaimPayment {
        var claimId: String
        var status: String
        /// CLP02 22: the restatement, negated, of a claim remitted before.
        var isReversal: Bool
        var lines: [LinePayment]
        var controlNumber: String?
        var facilityCode: String
        var frequencyCode: String
        var paidCents: Int { lines.reduce(0) { $0 + $1.paidCents } }
    }

    private func payments(claimId: String, lines: [ParsedServiceLine], determination: Determination, sign: Int) throws -> [LinePayment] {
        var result: [LinePayment] = []
        for line in lines {
            guard let decided = determination.lines.first(where: { $0.index == line.lineNumber }) else {
                throw RemittanceError(claimId: claimId, message: "the determination has no line \(line.lineNumber)")
            }
            switch decided.outcome {
            case .approved, .notApplicable:
                result.append(LinePayment(line: line, chargeCents: sign * line.chargeCents, paidCents: sign * line.chargeCents,
                                          carc: nil, rarcs: []))
            case .denied:
                let reasons = decided.reasons + determination.reasons
                guard let carc = reasons.first(where: { $0.carc != nil })?.carc else {
                    throw RemittanceError(claimId: claimId, message: "line \(line.lineNumber) is denied without a CARC")
                }
                var rarcs: [String] = []
                for rarc in reasons.flatMap(\.rarc) where !rarcs.contains(rarc) { rarcs.append(rarc) }
                result.append(LinePayment(line: line, chargeCents: sign * line.chargeCents, paidCents: 0, carc: carc, rarcs: rarcs))
            case .pended, .partial:
                throw RemittanceError(claimId: claimId, message: "line \(line.lineNumber) is \(decided.outcome.rawValue) on a claim that is \(determination.outcome.rawValue)")
            }
        }
        return result
    }

    /// The CLP loops of one adjudicated claim: the reversal of the claim it retires, if any, then
    /// the claim itself unless it is a void.
    private func claimPayments(for item: AdjudicatedClaim) throws -> [ClaimPayment] {
        var result: [ClaimPayment] = []
        let claim = item.claim
        if let reversal = item.reversal, case .success(let lines) = reversal.restatement {
            let original = reversal.encounter
            result.append(ClaimPayment(
                claimId: original.id, status: "22", isReversal: true,
                lines: try payments(claimId: original.id, lines: lines, determination: reversal.determination, sign: -1),
                controlNumber: reversal.payerClaimControlNumber, facilityCode: original.placeOfService ?? claim.facilityCode,
                frequencyCode: original.effectiveFrequency == .replacement ? "7" : "1"))
        }
        guard claim.encounter.effectiveFrequency != .void, !item.reversalOnly else { return result }
        let lines = try payments(claimId: claim.encounter.id, lines: claim.lines, determination: item.determination, sign: 1)
        // 4 (denied) only when nothing is paid: lines no policy rule governs (an E/M visit, a
        // drug) are paid on a claim whose governed lines are all denied.
        let paid = lines.reduce(0) { $0 + $1.paidCents }
        let status = item.determination.outcome == .denied && paid == 0 ? "4" : Self.processedStatus(claim.payerResponsibility)
        result.append(ClaimPayment(claimId: claim.encounter.id, status: status, isReversal: false, lines: lines,
                                   controlNumber: item.payerClaimControlNumber, facilityCode: claim.facilityCode,
                                   frequencyCode: claim.frequencyCode))
        return result
    }

    /// Loop 2100 NM1*QC (patient) and, when the patient is not the subscriber, NM1*IL (insured),
    /// as 005010X221A1 has them: the patient's id only when the payer gave the patient one (NM108
    /// and NM109 are left out otherwise), and the subscriber's name and member id in NM1*IL.
    private func writePatientAndInsured(_ writer: inout X12SegmentWriter, _ claim: ParsedClaim) {
        let patient = claim.patientName
        guard claim.patientIsDependent else {
            writer.segment("NM1", ["QC", "1", patient.last, patient.first, "", "", "", "MI", claim.subscriberMemberId])
            return
        }
        if let own = claim.patientMemberId {
            writer.segment("NM1", ["QC", "1", patient.last, patient.first, "", "", "", "MI", own])
        } else {
            writer.segment("NM1", ["QC", "1", patient.last, patient.first])
        }
        let insured = claim.subscriberName
        writer.segment("NM1", ["IL", "1", insured.last, insured.first, "", "", "", "MI", claim.subscriberMemberId])
    }

    /// CLP02 of a processed claim for the payer's place on it (SBR01): 1 primary, 2 secondary, 3 tertiary.
    static func processedStatus(_ responsibility: String) -> String {
        switch responsibility {
        case "S": return "2"
        case "T": return "3"
        default: return "1"
        }
    }

    /// The interchange and group headers (ISA, GS) of one payer's 835.
    func writeHeader(_ writer: inout X12SegmentWriter, control: Int) {
        let date = X12Values.dateText(settings.productionDate)
        writer.interchangeHeader(sender: settings.senderId, receiver: settings.receiverId, date: String(date.dropFirst(2)),
                                 time: "1200", controlNumber: control, usage: settings.usage)
        writer.segment("GS", ["HP", settings.senderId, settings.receiverId, date, "1200", String(control), "X", "005010X221A1"])
    }

    /// The group and interchange trailers (GE, IEA).
    func writeTrailer(_ writer: inout X12SegmentWriter, control: Int, transactions: Int) {
        writer.segment("GE", [String(transactions), String(control)])
        writer.segment("IEA", ["1", X12SegmentWriter.zeroPadded(control, 9)])
    }

    /// What one transaction set holds.
    struct TransactionTotals {
        /// BPR02, in cents.
        var paidCents = 0
        /// CLP loops with CLP02 22.
        var reversals = 0
        /// Claims of the input it accounts for: each with its own CLP, or (a void) the reversal it
        /// caused. A replacement's reversal written into another payer's 835 is not one of them.
        var remittedClaims = 0
    }

    /// One transaction set (ST…SE) for one payee's claims.
    func writeTransaction(_ writer: inout X12SegmentWriter, identity: RemittancePayer, payee: BillingProvider,
                          claims items: [AdjudicatedClaim], control: Int, transactionNumber: Int,
                          claimCounter: inout Int) throws -> TransactionTotals {
        let date = X12Values.dateText(settings.productionDate)
        let claims = try items.map { try claimPayments(for: $0) }
        // Summed with a bound: each CLP fits an amount, but enough of them add up past BPR02's
        // largest (and, further on, past Int).
        var total = 0
        for payment in claims.joined() {
            let (sum, overflow) = total.addingReportingOverflow(payment.paidCents)
            guard !overflow, abs(sum) <= X12Values.largestAmountCents else {
                throw RemittanceError(claimId: payment.claimId,
                                      message: "the payments of this transaction add up past \(X12Values.amount(X12Values.largestAmountCents)), the largest amount an 835 carries",
                                      isCallersToFix: true)
            }
            total = sum
        }
        // BPR02 may not be negative: reversals that outweigh payments are forwarded (PLB FB).
        let paid = max(total, 0)
        var totals = TransactionTotals(paidCents: paid)
        let stControl = X12SegmentWriter.zeroPadded(transactionNumber, 4)
        let trace = "MP\(control)-\(transactionNumber)"
        writer.startCount()
        writer.segment("ST", ["835", stControl])
        if paid > 0 {
            writer.segment("BPR", ["I", X12Values.amount(paid), "C", "CHK"] + Array(repeating: "", count: 11) + [date])
        } else {
            writer.segment("BPR", ["H", "0", "C", "NON"] + Array(repeating: "", count: 11) + [date])
        }
        writer.segment("TRN", ["1", trace, identity.originatingCompanyId])
        writer.segment("DTM", ["405", date])
        writer.segment("N1", ["PR", identity.name])
        writer.segment("N3", [identity.addressLine])
        writer.segment("N4", [identity.city, identity.state, identity.postalCode])
        writer.segment("PER", ["BL", "EDI SUPPORT", "TE", identity.technicalContactPhone])
        writer.segment("N1", ["PE", payee.name.isEmpty ? "UNKNOWN PROVIDER" : payee.name, "XX", payee.npi])
        writer.segment("LX", ["1"])
        for (item, payments) in zip(items, claims) {
            let claim = item.claim
            if !payments.isEmpty && (!item.reversalOnly || claim.encounter.effectiveFrequency == .void) {
                totals.remittedClaims += 1
            }
            for payment in payments {
                if payment.isReversal { totals.reversals += 1 }
                claimCounter += 1
                writer.segment("CLP", [payment.claimId, payment.status,
                                       X12Values.amount(payment.lines.reduce(0) { $0 + $1.chargeCents }),
                                       X12Values.amount(payment.paidCents), "",
                                       ClaimFilingIndicator.remittanceCode(claim.claimFilingIndicator),
                                       payment.controlNumber ?? "MP\(control)\(X12SegmentWriter.zeroPadded(claimCounter, 7))",
                                       payment.facilityCode, payment.frequencyCode])
                writePatientAndInsured(&writer, claim)
                for line in payment.lines {
                    let echo = line.line
                    writer.segment("SVC", [writer.composite([echo.qualifier, echo.code] + echo.modifiers),
                                           X12Values.amount(line.chargeCents), X12Values.amount(line.paidCents), "",
                                           echo.units == 1 ? "" : String(echo.units)])
                    writer.segment("DTM", ["472", X12Values.dateText(echo.serviceDate)])
                    if let carc = line.carc {
                        writer.segment("CAS", [Self.groupCode(carc), carc, X12Values.amount(line.chargeCents - line.paidCents)])
                    }
                    for rarc in line.rarcs { writer.segment("LQ", ["HE", rarc]) }
                }
            }
        }
        if total < 0 {
            let year = String(date.prefix(4))
            writer.segment("PLB", [payee.npi, year + "1231", writer.composite(["FB", trace]), X12Values.amount(total)])
        }
        writer.segment("SE", [String(writer.counted + 1), stControl])
        return totals
    }
}
