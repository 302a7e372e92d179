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

    public init(claim: ParsedClaim, determination: Determination) {
        self.claim = claim; self.determination = determination
    }
}

/// One 835 interchange (ISA…IEA) for one payer.
public struct Remittance835: Sendable {
    /// medpolicy payer id.
    public var payer: String
    /// ISA13 / GS06 of this interchange.
    public var controlNumber: Int
    public var bytes: [UInt8]
    /// Claims (CLP) in it.
    public var claimCount: Int
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

    public init(claimId: String, message: String) { self.claimId = claimId; self.message = message }

    public var description: String { "claim \"\(claimId)\": \(message)" }
}

/// Writes X12 835 health care claim payment/advice (005010X221A1) from determinations.
///
/// One interchange per payer, one transaction set per payee (billing provider) within it.
/// Amounts: medpolicy decides coverage, not prices, so an approved line (or a line no policy
/// rule governs, `not_applicable`, on a claim that was adjudicated) is paid at its billed charge
/// as a stand-in for the allowed amount; a denied line is paid 0 with `CAS*CO*<CARC>*<charge>`
/// (the first CARC of the line's reasons, else of the claim's reasons) and `LQ*HE` for each RARC.
/// `CLP02` is 4 (denied) for a denied claim on which nothing is paid, else 1 (processed as primary). Totals balance:
/// CLP03 = ΣSVC02, CLP04 = ΣSVC03, SVC02 − SVC03 = ΣCAS, BPR02 = ΣCLP04 (`BPR*I…CHK` when
/// something is paid, `BPR*H…NON` with 0 otherwise). Pended claims, claims with outcome
/// `not_applicable` and voids are not written; they come back in `unremitted`.
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
                                             claimCount: totals.claimCount, paidCents: totals.paidCents))
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
        if item.claim.encounter.effectiveFrequency == .void {
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: determination.outcome,
                                   reason: "void of claim \(item.claim.encounter.replaces ?? "?"): reversals are not written")
        }
        switch determination.outcome {
        case .pended:
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: .pended, reason: "pended for medical review")
        case .notApplicable:
            return UnremittedClaim(claimId: claimId, payer: payer, outcome: .notApplicable,
                                   reason: determination.reasons.first?.message ?? "no policy adjudicated the claim")
        case .approved, .denied, .partial:
            return nil
        }
    }

    private struct LinePayment {
        var line: ParsedServiceLine
        var paidCents: Int
        var carc: String?
        var rarcs: [String]
    }

    private func payments(for item: AdjudicatedClaim) throws -> [LinePayment] {
        let claimId = item.claim.encounter.id
        let determination = item.determination
        var result: [LinePayment] = []
        for line in item.claim.lines {
            guard let decided = determination.lines.first(where: { $0.index == line.lineNumber }) else {
                throw RemittanceError(claimId: claimId, message: "the determination has no line \(line.lineNumber)")
            }
            switch decided.outcome {
            case .approved, .notApplicable:
                result.append(LinePayment(line: line, paidCents: line.chargeCents, carc: nil, rarcs: []))
            case .denied:
                let reasons = decided.reasons + determination.reasons
                guard let carc = reasons.first(where: { $0.carc != nil })?.carc else {
                    throw RemittanceError(claimId: claimId, message: "line \(line.lineNumber) is denied without a CARC")
                }
                var rarcs: [String] = []
                for rarc in reasons.flatMap(\.rarc) where !rarcs.contains(rarc) { rarcs.append(rarc) }
                result.append(LinePayment(line: line, paidCents: 0, carc: carc, rarcs: rarcs))
            case .pended, .partial:
                throw RemittanceError(claimId: claimId, message: "line \(line.lineNumber) is \(decided.outcome.rawValue) on a claim that is \(determination.outcome.rawValue)")
            }
        }
        return result
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

    /// One transaction set (ST…SE) for one payee's claims; returns the amount paid.
    func writeTransaction(_ writer: inout X12SegmentWriter, identity: RemittancePayer, payee: BillingProvider,
                          claims items: [AdjudicatedClaim], control: Int, transactionNumber: Int,
                          claimCounter: inout Int) throws -> Int {
        let date = X12Values.dateText(settings.productionDate)
        let allPayments = try items.map { try payments(for: $0) }
        let paid = allPayments.joined().reduce(0) { $0 + $1.paidCents }
        let stControl = X12SegmentWriter.zeroPadded(transactionNumber, 4)
        writer.startCount()
        writer.segment("ST", ["835", stControl])
        if paid > 0 {
            writer.segment("BPR", ["I", X12Values.amount(paid), "C", "CHK"] + Array(repeating: "", count: 11) + [date])
        } else {
            writer.segment("BPR", ["H", "0", "C", "NON"] + Array(repeating: "", count: 11) + [date])
        }
        writer.segment("TRN", ["1", "MP\(control)-\(transactionNumber)", identity.originatingCompanyId])
        writer.segment("DTM", ["405", date])
        writer.segment("N1", ["PR", identity.name])
        writer.segment("N3", [identity.addressLine])
        writer.segment("N4", [identity.city, identity.state, identity.postalCode])
        writer.segment("PER", ["BL", "EDI SUPPORT", "TE", identity.technicalContactPhone])
        writer.segment("N1", ["PE", payee.name.isEmpty ? "UNKNOWN PROVIDER" : payee.name, "XX", payee.npi])
        writer.segment("LX", ["1"])
        for (index, item) in items.enumerated() {
            let linePayments = allPayments[index]
            let claim = item.claim
            let charge = linePayments.reduce(0) { $0 + $1.line.chargeCents }
            let claimPaid = linePayments.reduce(0) { $0 + $1.paidCents }
            // 4 (denied) only when nothing is paid: lines no policy rule governs (an E/M visit, a
            // drug) are paid on a claim whose governed lines are all denied.
            let status = item.determination.outcome == .denied && claimPaid == 0 ? "4" : "1"
            claimCounter += 1
            writer.segment("CLP", [claim.encounter.id, status, X12Values.amount(charge), X12Values.amount(claimPaid), "",
                                   ClaimFilingIndicator.remittanceCode(claim.claimFilingIndicator),
                                   "MP\(control)\(X12SegmentWriter.zeroPadded(claimCounter, 7))",
                                   claim.facilityCode, claim.frequencyCode])
            writer.segment("NM1", ["QC", "1", claim.patientName.last, claim.patientName.first, "", "", "", "MI",
                                   claim.encounter.member.id])
            for payment in linePayments {
                let line = payment.line
                writer.segment("SVC", [writer.composite([line.qualifier, line.code] + line.modifiers),
                                       X12Values.amount(line.chargeCents), X12Values.amount(payment.paidCents), "",
                                       line.units == 1 ? "" : String(line.units)])
                writer.segment("DTM", ["472", X12Values.dateText(line.serviceDate)])
                if let carc = payment.carc {
                    writer.segment("CAS", ["CO", carc, X12Values.amount(line.chargeCents - payment.paidCents)])
                }
                for rarc in payment.rarcs { writer.segment("LQ", ["HE", rarc]) }
            }
        }
        writer.segment("SE", [String(writer.counted + 1), stControl])
        return paid
    }
}
