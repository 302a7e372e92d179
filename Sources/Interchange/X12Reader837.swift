import Foundation
import Model

/// What the 837 reader yields, in file order.
public enum ReaderEvent: Equatable, Sendable {
    /// A claim read whole: its encounter and the 837 details around it.
    case claim(ParsedClaim)
    /// A claim that was skipped, with the first problem found in it (or in its subscriber,
    /// patient or payer).
    case claimError(ClaimError)
    /// An envelope problem (ISA/IEA, GS/GE, ST/SE counts and control numbers, versions).
    case envelopeIssue(X12Issue)
}

/// Counts over everything read so far.
public struct InterchangeSummary: Equatable, Sendable {
    public var interchanges = 0
    public var functionalGroups = 0
    public var transactions = 0
    public var segments = 0
    public var claims = 0
    public var claimErrors = 0
    public var envelopeIssues = 0
    /// ISA13 of every interchange, in order.
    public var interchangeControlNumbers: [String] = []

    public init() {}
}

/// Everything a reader produced, collected (for tests and small files).
public struct X12ReadResult: Sendable {
    public var claims: [ParsedClaim] = []
    public var claimErrors: [ClaimError] = []
    public var envelopeIssues: [X12Issue] = []
    public var summary = InterchangeSummary()

    public init() {}
}

/// A streaming reader of X12 837P professional claims (005010X222A1).
///
/// Delimiters come from each interchange's fixed-width ISA segment; segments may be followed by
/// line breaks or not. The input is read in chunks, so memory stays flat for any file size.
/// Call `next()` in a loop: each call returns the next claim, skipped claim or envelope issue,
/// and `nil` at the end. A claim with a problem is reported and skipped; reading resumes at the
/// next CLM, HL or SE. Only an unreadable input (no ISA, an ISA that is not 106 characters,
/// an I/O error) throws.
///
/// Segment numbers count from 1 at the first ISA of the input and run on across interchanges.
///
/// What the encounter gets (and nothing more — no clinical facts are inferred):
/// - `member.id`: the key of the patient's claim history. The subscriber's NM109 (2010BA NM1*IL)
///   when the patient is the subscriber. Under a 2000C patient loop (a dependent), the patient's
///   own member id when the payer gave one (2010CA REF*1W), else the subscriber's id with the
///   patient's identity from 2010CA: `<subscriber id>/<LAST> <FIRST>/<birth date>` (uppercased),
///   so a child and a parent on one subscriber id never share a history. `birthDate`/`sex` come
///   from the patient's DMG (2010CA), else from the subscriber's DMG. The subscriber's own id is
///   kept in `ParsedClaim.subscriberMemberId` for the 835.
/// - `coverage.payer`: the payer override if given, else the payer directory's answer for
///   2010BB NM1*PR (id first, then name); an unknown payer is a claim error.
/// - `coverage.lineOfBusiness`: from SBR09 (see `ClaimFilingIndicator`).
/// - `frequency`/`replaces`: CLM05-3 (1, 7, 8) and REF*F8.
/// - `priorAuthorization`: 2300 REF*G1 (the prior authorization number).
/// - `diagnoses`: HI ABK/ABF codes in claim order, with the dot inserted after the third
///   character (`M7918` → `M79.18`).
/// - `lines`: SV1 code, modifiers, units, pointers, charge.
/// - `dateOfService`: the earliest DTP*472 of the lines (the first date of an RD8 range).
/// - `placeOfService`: CLM05-1, or SV105 when every line carries the same SV105.
public final class X12Reader837 {
    private let scanner: SegmentScanner
    private let payers: PayerDirectory
    private let payerOverride: String?

    public private(set) var summary = InterchangeSummary()

    private var pending: [ReaderEvent] = []
    private var pendingIndex = 0
    private var finished = false
    private var segmentNumber = 0
    private var segmentId = ""

    private var envelope = X12EnvelopeTracker()

    // The loops of the transaction set being read; reset at ST and SE.
    private var hierarchicalLevels: [String: UInt8] = [:]
    private var billing: BillingProviderLoop?
    private var subscriber: SubscriberLoop?
    private var patient: PatientLoop?
    private var loop: Loop = .header
    private var claim: ClaimBuilder?

    private enum Loop { case header, billingProvider, subscriber, patient, claim, otherSubscriber, serviceLine }

    // MARK: Opening

    /// Reads the file at `path` in chunks of `chunkSize` bytes.
    public convenience init(path: String, payers: PayerDirectory = .standard, payerOverride: String? = nil,
                            chunkSize: Int = 64 * 1024) throws(X12FatalError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw X12FatalError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.init(input: .descriptor(fd, closeWhenDone: true), payers: payers, payerOverride: payerOverride,
                  chunkSize: chunkSize)
    }

    /// Reads from an open file handle (a file, a pipe, `FileHandle.standardInput`); the handle is not closed.
    public convenience init(fileHandle: FileHandle, payers: PayerDirectory = .standard, payerOverride: String? = nil,
                            chunkSize: Int = 64 * 1024) {
        self.init(input: .descriptor(fileHandle.fileDescriptor, closeWhenDone: false), payers: payers,
                  payerOverride: payerOverride, chunkSize: chunkSize)
    }

    /// Reads bytes already in memory.
    public convenience init(bytes: [UInt8], payers: PayerDirectory = .standard, payerOverride: String? = nil) {
        self.init(input: .memory(bytes), payers: payers, payerOverride: payerOverride, chunkSize: 64 * 1024)
    }

    /// Reads a string's UTF-8 bytes (tests and fixtures).
    public convenience init(text: String, payers: PayerDirectory = .standard, payerOverride: String? = nil) {
        self.init(bytes: Array(text.utf8), payers: payers, payerOverride: payerOverride)
    }

    init(input: ByteInput, payers: PayerDirectory, payerOverride: String?, chunkSize: Int) {
        scanner = SegmentScanner(input: input, chunkSize: chunkSize)
        self.payers = payers
        self.payerOverride = payerOverride
    }

    deinit { scanner.close() }

    /// Bytes read from the input so far (a progress bar compares it with the file size).
    public var bytesRead: Int { scanner.bytesRead }

    // MARK: Reading

    /// The next claim, skipped claim or envelope issue; `nil` at the end of the input.
    public func next() throws(X12FatalError) -> ReaderEvent? {
        while true {
            if pendingIndex < pending.count {
                let event = pending[pendingIndex]
                pendingIndex += 1
                if pendingIndex == pending.count { pending.removeAll(keepingCapacity: true); pendingIndex = 0 }
                return event
            }
            if finished { return nil }
            try step()
        }
    }

    /// Reads everything, collecting the events.
    public func readAll() throws(X12FatalError) -> X12ReadResult {
        var result = X12ReadResult()
        while let event = try next() {
            switch event {
            case .claim(let claim): result.claims.append(claim)
            case .claimError(let error): result.claimErrors.append(error)
            case .envelopeIssue(let issue): result.envelopeIssues.append(issue)
            }
        }
        result.summary = summary
        return result
    }

    private func emit(_ event: ReaderEvent) {
        switch event {
        case .claim: summary.claims += 1
        case .claimError: summary.claimErrors += 1
        case .envelopeIssue: summary.envelopeIssues += 1
        }
        pending.append(event)
    }

    private func envelopeIssue(_ element: String?, _ message: String, segment: Int? = nil, id: String? = nil) {
        emit(.envelopeIssue(X12Issue(segmentNumber: segment ?? segmentNumber, segmentId: id ?? segmentId,
                                     element: element, message: message)))
    }

    private func report(_ problems: [X12EnvelopeTracker.Problem], segment: Int? = nil, id: String? = nil) {
        for problem in problems { envelopeIssue(problem.element, problem.message, segment: segment, id: id) }
    }

    private var here: CurrentSegment { CurrentSegment(number: segmentNumber, id: segmentId) }

    private func step() throws(X12FatalError) {
        let expectingHeader = scanner.delimiters == nil
        switch try scanner.advance() {
        case .endOfInput:
            if segmentNumber == 0 { throw X12FatalError("the input is empty: an interchange must start with an ISA segment") }
            finishInput()
            return
        case .badInterchangeHeader(let error):
            if segmentNumber == 0 { throw error }
            envelopeIssue(nil, "after IEA, expected another ISA or the end of the input: \(error.message)",
                          segment: segmentNumber + 1, id: "")
            finishInput()
            return
        case .segment:
            break
        }
        segmentNumber += 1
        summary.segments += 1
        let tag = scanner.segmentTag
        segmentId = tag == 0 ? "" : scanner.string(0)
        if expectingHeader {
            summary.interchanges += 1
            report(envelope.readISA(scanner, segmentNumber: segmentNumber))
            reportInvalidUTF8InEnvelope()
            summary.interchangeControlNumbers.append(envelope.interchange?.control ?? "")
            return
        }
        if scanner.unterminated {
            envelopeIssue(nil, "the input ends without a segment terminator after this segment")
        }
        if envelope.skippingTransaction && tag != Tag.SE && tag != Tag.GE && tag != Tag.IEA {
            return
        }
        // A claim with a problem is skipped up to the next CLM, HL or envelope segment.
        if let claim, claim.issue != nil {
            switch tag {
            case Tag.CLM, Tag.HL, Tag.SE, Tag.GE, Tag.IEA, Tag.ISA, Tag.GS, Tag.ST: break
            default: return
            }
        }
        switch tag {
        case Tag.ISA:
            report([envelope.nestedISA()])
            finishClaim()
        case Tag.IEA:
            finishClaim()
            report(envelope.readIEA(scanner))
            scanner.delimiters = nil  // the next interchange brings its own delimiters
        case Tag.GS:
            finishClaim()
            summary.functionalGroups += 1
            report(envelope.readGS(scanner))
        case Tag.GE:
            finishClaim()
            report(envelope.readGE(scanner))
        case Tag.ST:
            finishClaim()
            summary.transactions += 1
            report(envelope.readST(scanner, segmentNumber: segmentNumber))
            resetHierarchy()
        case Tag.SE:
            finishClaim()
            let wasOpen = envelope.transaction != nil
            report(envelope.readSE(scanner, segmentNumber: segmentNumber))
            if wasOpen { resetHierarchy() }
        default:
            guard envelope.transaction != nil else {
                envelopeIssue(nil, tag == 0 ? "not a segment identifier" : "segment \(segmentId) outside a transaction set (ST…SE)")
                return
            }
            handleTransactionSegment(tag)
            return
        }
        reportInvalidUTF8InEnvelope()
    }

    /// An envelope segment (ISA, GS, ST, SE, GE, IEA) with bytes that are not UTF-8: refused as
    /// transaction content is, located at the element, rather than read with U+FFFD in their place.
    private func reportInvalidUTF8InEnvelope() {
        guard let element = scanner.elementWithInvalidUTF8() else { return }
        envelopeIssue(element == 0 ? nil : segmentId + (element < 10 ? "0" : "") + String(element),
                      "invalid UTF-8: refused rather than read with U+FFFD in place of the bytes")
    }

    private func finishInput() {
        finishClaim()
        report(envelope.endOfInput(), segment: segmentNumber, id: "")
        finished = true
        scanner.close()
    }

    private func resetHierarchy() {
        hierarchicalLevels.removeAll(keepingCapacity: true)
        billing = nil; subscriber = nil; patient = nil; claim = nil; loop = .header
    }

    // MARK: Transaction content

    private func handleTransactionSegment(_ tag: UInt32) {
        switch tag {
        case Tag.HL: handleHL()
        case Tag.SBR: handleSBR()
        case Tag.NM1: handleNM1()
        case Tag.N4: if loop == .billingProvider { billing?.readAddress(scanner, here) }
        case Tag.DMG: handleDMG()
        case Tag.CLM: handleCLM()
        case Tag.REF: handleREF()
        case Tag.HI: handleHI()
        case Tag.NTE: if loop == .claim { claim?.readNTE(scanner) }
        case Tag.LX: handleLX()
        case Tag.SV1: handleSV1()
        case Tag.DTP: if loop == .serviceLine, scanner.equals(1, "472") { claim?.readServiceDate(scanner, here) }
        case 0: fail(nil, "not a segment identifier (\"\(scanner.string(0))\")")
        default: break  // segments medpolicy does not need (BHT, PRV, N3, N4, PER, PAT, AMT, 2420 loops, …)
        }
        // After the segment opened its loop, so the problem lands on the claim, patient or
        // subscriber it belongs to: a member id is never merged with another through U+FFFD.
        if let element = scanner.elementWithInvalidUTF8() {
            fail(element == 0 ? nil : segmentId + (element < 10 ? "0" : "") + String(element),
                 "invalid UTF-8: refused rather than read with U+FFFD in place of the bytes")
        }
    }

    /// Records a problem in the innermost open loop (claim, patient, subscriber, billing
    /// provider); outside any, as an envelope issue.
    private func fail(_ element: String?, _ message: String) {
        let issue = here.issue(element, message)
        if claim != nil {
            claim?.fail(issue)
        } else if loop == .patient, patient != nil {
            patient?.fail(issue)
        } else if loop == .subscriber, subscriber != nil {
            subscriber?.fail(issue)
        } else if loop == .billingProvider, billing != nil {
            billing?.fail(issue)
        } else {
            emit(.envelopeIssue(issue))
        }
    }

    /// HL: the hierarchy of billing provider (20), subscriber (22) and patient (23) loops.
    private func handleHL() {
        finishClaim()
        let id = scanner.string(1), parent = scanner.string(2)
        let levelRange = scanner.range(3)
        let level: UInt8? = levelRange.flatMap { range in
            if scanner.equals(range, "20") { return 20 }
            if scanner.equals(range, "22") { return 22 }
            if scanner.equals(range, "23") { return 23 }
            return nil
        }
        var problem: (String, String)?
        if id.isEmpty {
            problem = ("HL01", "hierarchical id is missing")
        } else if hierarchicalLevels[id] != nil {
            problem = ("HL01", "hierarchical id \"\(id)\" is used twice in this transaction set")
        }
        switch level {
        case 20:
            if problem == nil, !parent.isEmpty { problem = ("HL02", "a billing provider (HL03 20) has no parent, got \"\(parent)\"") }
            billing = BillingProviderLoop(hlId: id)
            subscriber = nil; patient = nil; loop = .billingProvider
        case 22:
            if problem == nil {
                if parent.isEmpty {
                    problem = ("HL02", "a subscriber (HL03 22) needs its billing provider's id as parent")
                } else if hierarchicalLevels[parent] != 20 {
                    problem = ("HL02", hierarchicalLevels[parent] == nil
                               ? "parent id \"\(parent)\" is not an earlier HL of this transaction set"
                               : "parent id \"\(parent)\" is not a billing provider (HL03 20)")
                } else if billing?.hlId != parent {
                    problem = ("HL02", "parent id \"\(parent)\" is not the current billing provider \"\(billing?.hlId ?? "")\"")
                }
            }
            subscriber = SubscriberLoop(hlId: id, issue: billing == nil
                                        ? here.issue("HL02", "subscriber loop without a billing provider loop (HL03 20)") : nil)
            patient = nil; loop = .subscriber
        case 23:
            if problem == nil {
                if hierarchicalLevels[parent] != 22 {
                    problem = ("HL02", hierarchicalLevels[parent] == nil
                               ? "parent id \"\(parent)\" is not an earlier HL of this transaction set"
                               : "parent id \"\(parent)\" is not a subscriber (HL03 22)")
                } else if subscriber?.hlId != parent {
                    problem = ("HL02", "parent id \"\(parent)\" is not the current subscriber \"\(subscriber?.hlId ?? "")\"")
                }
            }
            patient = PatientLoop(issue: subscriber == nil ? here.issue("HL02", "patient loop without a subscriber loop (HL03 22)") : nil)
            loop = .patient
        default:
            problem = ("HL03", "hierarchical level code must be 20 (billing provider), 22 (subscriber) or 23 (patient), got \"\(scanner.string(3))\"")
            // Claims under an unknown level cannot be placed: treat it as a broken subscriber.
            subscriber = SubscriberLoop(hlId: id)
            patient = nil; loop = .subscriber
        }
        if !id.isEmpty, let level, hierarchicalLevels[id] == nil { hierarchicalLevels[id] = level }
        if let (element, message) = problem { fail(element, message) }
    }

    private func handleSBR() {
        if claim != nil {
            // 2320: another payer of a coordination-of-benefits claim.
            claim?.finishLine()
            loop = .otherSubscriber
            return
        }
        guard loop == .subscriber, subscriber != nil else {
            fail(nil, "SBR outside a subscriber loop (HL03 22)")
            return
        }
        subscriber?.readSBR(scanner, here)
    }

    private func handleNM1() {
        let qualifier = scanner.range(1)
        func entity(_ text: StaticString) -> Bool { qualifier.map { scanner.equals($0, text) } ?? false }
        switch loop {
        case .billingProvider where entity("85"): billing?.readName(scanner, here)
        case .billingProvider: billing?.addressIsBillingProvider = false  // 2010AB pay-to, 2010AC pay-to plan
        case .subscriber where entity("IL"): subscriber?.readName(scanner, here)
        case .subscriber where entity("PR"): subscriber?.readPayer(scanner, here, directory: payers, override: payerOverride)
        case .patient where entity("QC"): patient?.readName(scanner)
        case .otherSubscriber where entity("PR"): claim?.otherPayers.append(BilledPayer(name: scanner.string(3), id: scanner.string(9)))
        default: break  // submitter, receiver, pay-to, referring/rendering providers, facilities, 2420 loops
        }
    }

    private func handleDMG() {
        switch loop {
        case .subscriber: subscriber?.readDMG(scanner, here)
        case .patient: patient?.readDMG(scanner, here)
        default: break
        }
    }

    private func handleCLM() {
        finishClaim()
        // Problems of the loops the claim belongs to come first.
        let inherited: X12Issue?
        if (loop != .subscriber && loop != .patient) || subscriber == nil {
            inherited = here.issue(nil, "CLM outside a subscriber (HL03 22) or patient (HL03 23) loop")
        } else {
            inherited = billing?.issue ?? subscriber?.issue ?? patient?.issue
        }
        claim = ClaimBuilder(scanner, here, inherited: inherited)
        loop = .claim
    }

    private func handleREF() {
        if loop == .patient, claim == nil, patient != nil, scanner.equals(1, "1W") {
            patient?.readMemberId(scanner, here)
            return
        }
        if loop == .claim { claim?.readREF(scanner, here) }
    }

    private func handleHI() {
        guard claim != nil else { fail(nil, "HI outside a claim (no CLM)"); return }
        guard loop == .claim, let separator = scanner.delimiters?.component else { return }
        claim?.readHI(scanner, here, separator: separator)
    }

    private func handleLX() {
        guard claim != nil else { fail(nil, "LX outside a claim (no CLM)"); return }
        if claim?.startLine(scanner, here) == true { loop = .serviceLine }
    }

    private func handleSV1() {
        guard claim != nil, let separator = scanner.delimiters?.component else { fail(nil, "SV1 without a service line (LX)"); return }
        guard loop == .serviceLine else { claim?.fail(here, nil, "SV1 without a service line (LX)"); return }
        claim?.readSV1(scanner, here, separator: separator)
    }

    // MARK: Finishing claims

    private func finishClaim() {
        guard var builder = claim else { return }
        claim = nil
        builder.finishLine()
        loop = patient != nil ? .patient : (subscriber != nil ? .subscriber : .header)
        if let issue = builder.issue ?? builder.validate(subscriber: subscriber) {
            emit(.claimError(ClaimError(claimId: builder.id, claimSegmentNumber: builder.segmentNumber, issue: issue)))
            return
        }
        guard let subscriber, let payer = subscriber.resolvedPayer, let id = builder.id else { return }
        let lines = builder.lines
        var dateOfService = lines[0].serviceDate
        for line in lines where line.serviceDate < dateOfService { dateOfService = line.serviceDate }
        var placeOfService = builder.facilityCode
        if let first = lines[0].placeOfService, lines.allSatisfy({ $0.placeOfService == first }) { placeOfService = first }
        let member = Member(id: patient?.historyKey(subscriberId: subscriber.memberId) ?? subscriber.memberId,
                            birthDate: patient.map(\.birthDate) ?? subscriber.birthDate,
                            sex: patient.map(\.sex) ?? subscriber.sex)
        let frequency: ClaimFrequency = builder.frequencyCode == "7" ? .replacement : builder.frequencyCode == "8" ? .void : .original
        let encounter = Encounter(
            id: id, frequency: frequency, replaces: builder.replaces, member: member,
            coverage: Coverage(payer: payer, lineOfBusiness: ClaimFilingIndicator.lineOfBusiness(subscriber.filingIndicator),
                               providerState: billing?.provider.state),
            dateOfService: dateOfService, placeOfService: placeOfService,
            diagnoses: builder.diagnoses.isEmpty ? nil : builder.diagnoses,
            lines: lines.map {
                ServiceLine(code: $0.code, modifiers: $0.modifiers, units: $0.units,
                            diagnosisPointers: $0.diagnosisPointers, charge: Double($0.chargeCents) / 100)
            },
            priorAuthorization: builder.priorAuthorization)
        emit(.claim(ParsedClaim(
            encounter: encounter, payer: subscriber.payer ?? BilledPayer(name: "", id: ""),
            claimFilingIndicator: subscriber.filingIndicator, payerResponsibility: subscriber.responsibility, notes: builder.notes,
            segmentNumber: builder.segmentNumber, totalChargeCents: builder.totalCents,
            facilityCode: builder.facilityCode, frequencyCode: builder.frequencyCode, lines: lines,
            patientName: patient?.name ?? subscriber.name, subscriberName: subscriber.name,
            billingProvider: billing?.provider ?? BillingProvider(name: "", npi: ""),
            otherPayers: builder.otherPayers, transactionControlNumber: envelope.transaction?.control ?? "",
            subscriberMemberId: subscriber.memberId, patientMemberId: patient?.memberId, patientIsDependent: patient != nil)))
    }
}

/// Segment ids packed into integers, as `SegmentScanner.segmentTag` computes them.
enum Tag {
    static func make(_ text: StaticString) -> UInt32 {
        var tag: UInt32 = 0
        let pointer = text.utf8Start
        for index in 0..<text.utf8CodeUnitCount { tag = tag << 8 | UInt32(pointer[index]) }
        return tag
    }

    static let ISA = make("ISA"), IEA = make("IEA"), GS = make("GS"), GE = make("GE"), ST = make("ST"), SE = make("SE")
    static let HL = make("HL"), SBR = make("SBR"), NM1 = make("NM1"), DMG = make("DMG"), CLM = make("CLM")
    static let N4 = make("N4")
    static let REF = make("REF"), HI = make("HI"), NTE = make("NTE"), LX = make("LX"), SV1 = make("SV1"), DTP = make("DTP")
}
