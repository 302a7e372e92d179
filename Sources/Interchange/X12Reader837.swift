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

    // Envelope state.
    private var inInterchange = false
    private var isaControl = ""
    private var isaSegmentNumber = 0
    private var groupCount = 0
    private var inGroup = false
    private var gsControl = ""
    private var transactionCount = 0
    private var inTransaction = false
    private var skippingTransaction = false
    private var stControl = ""
    private var stSegmentNumber = 0

    // Hierarchy state (per transaction).
    private var hierarchicalLevels: [String: UInt8] = [:]
    private var billing: BillingContext?
    private var subscriber: SubscriberContext?
    private var patient: PatientContext?
    private var loop: Loop = .header
    private var claim: ClaimBuilder?

    private enum Loop { case header, billingProvider, subscriber, patient, claim, otherSubscriber, serviceLine }

    private struct BillingContext {
        var hlId: String
        var provider = BillingProvider(name: "", npi: "")
        var issue: X12Issue?
    }

    private struct SubscriberContext {
        var hlId: String
        var memberId = ""
        var name = PersonName(last: "", first: "")
        var birthDate: LocalDate?
        var sex: Sex?
        var filingIndicator = ""
        /// SBR01: the payer's place on the claim (P primary, S secondary, T tertiary, …).
        var responsibility = "P"
        var payer: BilledPayer?
        var resolvedPayer: String?
        var sawSubscriberName = false
        var issue: X12Issue?
    }

    private struct PatientContext {
        var name = PersonName(last: "", first: "")
        /// 2010CA REF*1W: the patient's own member id, when the payer assigned one.
        var memberId: String?
        var birthDate: LocalDate?
        var sex: Sex?
        var issue: X12Issue?
    }

    private struct LineBuilder {
        var lineNumber: Int
        var lxSegment: Int
        var sv1Segment = 0
        var hasSV1 = false
        var qualifier = ""
        var code = ""
        var modifiers: [String] = []
        var chargeCents = 0
        var unitBasis = ""
        var units = 1
        var pointers: [Int] = []
        var placeOfService: String?
        var date: LocalDate?
        var dateThrough: LocalDate?
    }

    private struct ClaimBuilder {
        var id: String?
        var segmentNumber: Int
        var totalCents = 0
        var facilityCode = ""
        var frequencyCode = "1"
        var replaces: String?
        /// 2300 REF*G1.
        var priorAuthorization: String?
        var diagnoses: [String] = []
        var sawPrincipal = false
        var notes: [String] = []
        var lines: [ParsedServiceLine] = []
        var line: LineBuilder?
        var otherPayers: [BilledPayer] = []
        var issue: X12Issue?
    }

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
            handleISA()
            return
        }
        if scanner.unterminated {
            envelopeIssue(nil, "the input ends without a segment terminator after this segment")
        }
        if inTransaction && skippingTransaction && tag != Tag.SE && tag != Tag.GE && tag != Tag.IEA {
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
            envelopeIssue(nil, "ISA inside an interchange: the interchange started at segment \(isaSegmentNumber) has no IEA")
            finishClaim()
        case Tag.IEA: handleIEA()
        case Tag.GS: handleGS()
        case Tag.GE: handleGE()
        case Tag.ST: handleST()
        case Tag.SE: handleSE()
        default:
            guard inTransaction else {
                envelopeIssue(nil, tag == 0 ? "not a segment identifier" : "segment \(segmentId) outside a transaction set (ST…SE)")
                return
            }
            handleTransactionSegment(tag)
        }
    }

    private func finishInput() {
        finishClaim()
        if inTransaction { envelopeIssue(nil, "the input ends inside transaction set \(stControl) (no SE)", segment: segmentNumber, id: "") }
        if inGroup { envelopeIssue(nil, "the input ends inside functional group \(gsControl) (no GE)", segment: segmentNumber, id: "") }
        if inInterchange { envelopeIssue(nil, "the input ends inside interchange \(isaControl) (no IEA)", segment: segmentNumber, id: "") }
        inTransaction = false; inGroup = false; inInterchange = false
        finished = true
        scanner.close()
    }

    // MARK: Envelope

    private func handleISA() {
        inInterchange = true
        isaSegmentNumber = segmentNumber
        isaControl = scanner.string(13)
        groupCount = 0
        summary.interchanges += 1
        summary.interchangeControlNumbers.append(isaControl)
        if !isDigits(13, count: 9) {
            envelopeIssue("ISA13", "interchange control number must be 9 digits, got \"\(isaControl)\"")
        }
        if !scanner.equals(12, "00501") {
            envelopeIssue("ISA12", "interchange control version must be 00501, got \"\(scanner.string(12))\"")
        }
        if scanner.delimiters?.repetition == nil, scanner.equals(11, "U"), scanner.string(12) >= "00402" {
            envelopeIssue("ISA11", "\"U\" is the 4010 standards identifier, not a repetition separator; read as no repetition separator")
        }
        if segmentNumber == 1, scanner.skippedByteOrderMark {
            envelopeIssue(nil, "the input starts with a UTF-8 byte-order mark before the ISA; it was skipped")
        }
    }

    private func handleIEA() {
        finishClaim()
        if inTransaction { envelopeIssue(nil, "IEA before SE of transaction set \(stControl)"); inTransaction = false }
        if inGroup { envelopeIssue(nil, "IEA before GE of functional group \(gsControl)"); inGroup = false }
        if !inInterchange {
            envelopeIssue(nil, "IEA without ISA")
        } else {
            let count = integer(1)
            if count != groupCount {
                envelopeIssue("IEA01", "number of functional groups is \(groupCount), IEA01 says \"\(scanner.string(1))\"")
            }
            if scanner.string(2) != isaControl {
                envelopeIssue("IEA02", "interchange control number \"\(scanner.string(2))\" does not match ISA13 \"\(isaControl)\"")
            }
        }
        inInterchange = false
        scanner.delimiters = nil  // the next interchange brings its own delimiters
    }

    private func handleGS() {
        finishClaim()
        if !inInterchange { envelopeIssue(nil, "GS outside an interchange (no ISA)") }
        if inGroup { envelopeIssue(nil, "GS before GE of functional group \(gsControl)") }
        inGroup = true
        groupCount += 1
        summary.functionalGroups += 1
        gsControl = scanner.string(6)
        transactionCount = 0
        if gsControl.isEmpty { envelopeIssue("GS06", "group control number is missing") }
        if !scanner.equals(1, "HC") {
            envelopeIssue("GS01", "functional identifier code must be HC (health care claim), got \"\(scanner.string(1))\"")
        }
        if !scanner.equals(8, "005010X222A1") {
            envelopeIssue("GS08", "version must be 005010X222A1 (837 professional), got \"\(scanner.string(8))\"")
        }
    }

    private func handleGE() {
        finishClaim()
        if inTransaction { envelopeIssue(nil, "GE before SE of transaction set \(stControl)"); inTransaction = false }
        if !inGroup {
            envelopeIssue(nil, "GE without GS")
        } else {
            if integer(1) != transactionCount {
                envelopeIssue("GE01", "number of transaction sets is \(transactionCount), GE01 says \"\(scanner.string(1))\"")
            }
            if scanner.string(2) != gsControl {
                envelopeIssue("GE02", "group control number \"\(scanner.string(2))\" does not match GS06 \"\(gsControl)\"")
            }
        }
        inGroup = false
    }

    private func handleST() {
        finishClaim()
        if !inGroup { envelopeIssue(nil, "ST outside a functional group (no GS)") }
        if inTransaction { envelopeIssue(nil, "ST before SE of transaction set \(stControl)") }
        inTransaction = true
        transactionCount += 1
        summary.transactions += 1
        stControl = scanner.string(2)
        stSegmentNumber = segmentNumber
        skippingTransaction = false
        resetHierarchy()
        if stControl.isEmpty { envelopeIssue("ST02", "transaction set control number is missing") }
        if !scanner.equals(1, "837") {
            envelopeIssue("ST01", "transaction set must be 837, got \"\(scanner.string(1))\"; skipping it")
            skippingTransaction = true
        } else if !scanner.equals(3, "005010X222A1") {
            envelopeIssue("ST03", "implementation convention must be 005010X222A1, got \"\(scanner.string(3))\"")
        }
    }

    private func handleSE() {
        finishClaim()
        guard inTransaction else { envelopeIssue(nil, "SE without ST"); return }
        let expected = segmentNumber - stSegmentNumber + 1
        if integer(1) != expected {
            envelopeIssue("SE01", "transaction set has \(expected) segments (ST through SE), SE01 says \"\(scanner.string(1))\"")
        }
        if scanner.string(2) != stControl {
            envelopeIssue("SE02", "transaction set control number \"\(scanner.string(2))\" does not match ST02 \"\(stControl)\"")
        }
        inTransaction = false
        skippingTransaction = false
        resetHierarchy()
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
        case Tag.DMG: handleDMG()
        case Tag.CLM: handleCLM()
        case Tag.REF: handleREF()
        case Tag.HI: handleHI()
        case Tag.NTE: handleNTE()
        case Tag.LX: handleLX()
        case Tag.SV1: handleSV1()
        case Tag.DTP: handleDTP()
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

    /// Records a problem in the innermost open context (claim, patient, subscriber, billing
    /// provider); outside any, as an envelope issue.
    private func fail(_ element: String?, _ message: String) {
        let issue = X12Issue(segmentNumber: segmentNumber, segmentId: segmentId, element: element, message: message)
        if claim != nil {
            if claim!.issue == nil { claim!.issue = issue }
        } else if loop == .patient, patient != nil {
            if patient!.issue == nil { patient!.issue = issue }
        } else if loop == .subscriber, subscriber != nil {
            if subscriber!.issue == nil { subscriber!.issue = issue }
        } else if loop == .billingProvider, billing != nil {
            if billing!.issue == nil { billing!.issue = issue }
        } else {
            emit(.envelopeIssue(issue))
        }
    }

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
            billing = BillingContext(hlId: id)
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
            subscriber = SubscriberContext(hlId: id)
            patient = nil; loop = .subscriber
            if billing == nil { subscriber!.issue = issueHere("HL02", "subscriber loop without a billing provider loop (HL03 20)") }
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
            patient = PatientContext()
            loop = .patient
            if subscriber == nil { patient!.issue = issueHere("HL02", "patient loop without a subscriber loop (HL03 22)") }
        default:
            problem = ("HL03", "hierarchical level code must be 20 (billing provider), 22 (subscriber) or 23 (patient), got \"\(scanner.string(3))\"")
            // Claims under an unknown level cannot be placed: treat it as a broken subscriber.
            subscriber = SubscriberContext(hlId: id)
            patient = nil; loop = .subscriber
        }
        if !id.isEmpty, let level, hierarchicalLevels[id] == nil { hierarchicalLevels[id] = level }
        if let (element, message) = problem { fail(element, message) }
    }

    private func issueHere(_ element: String?, _ message: String) -> X12Issue {
        X12Issue(segmentNumber: segmentNumber, segmentId: segmentId, element: element, message: message)
    }

    private func handleSBR() {
        if claim != nil {
            // 2320: another payer of a coordination-of-benefits claim.
            finishLine()
            loop = .otherSubscriber
            return
        }
        guard loop == .subscriber, subscriber != nil else {
            fail(nil, "SBR outside a subscriber loop (HL03 22)")
            return
        }
        let responsibility = scanner.string(1)
        if responsibility.count == 1, "ABCDEFGHPSTU".contains(responsibility) {
            subscriber!.responsibility = responsibility
        } else {
            fail("SBR01", responsibility.isEmpty ? "payer responsibility sequence number code is missing"
                 : "\"\(responsibility)\" is not a payer responsibility sequence number code")
        }
        let code = scanner.string(9)
        if code.isEmpty {
            fail("SBR09", "claim filing indicator code is missing")
        } else if !ClaimFilingIndicator.allowed.contains(code) {
            fail("SBR09", "\"\(code)\" is not a claim filing indicator code of the 837P")
        }
        subscriber!.filingIndicator = code
    }

    private func handleNM1() {
        let qualifier = scanner.range(1)
        func entity(_ text: StaticString) -> Bool { qualifier.map { scanner.equals($0, text) } ?? false }
        switch loop {
        case .billingProvider where entity("85"):
            billing!.provider = BillingProvider(name: scanner.string(3), npi: scanner.string(9))
            if billing!.provider.name.isEmpty { fail("NM103", "billing provider name is missing") }
        case .subscriber where entity("IL"):
            let id = scanner.string(9)
            if id.isEmpty { fail("NM109", "subscriber member id is missing") }
            subscriber!.memberId = id
            subscriber!.name = PersonName(last: scanner.string(3), first: scanner.string(4))
            subscriber!.sawSubscriberName = true
        case .subscriber where entity("PR"):
            let payer = BilledPayer(name: scanner.string(3), id: scanner.string(9))
            subscriber!.payer = payer
            if let payerOverride {
                subscriber!.resolvedPayer = payerOverride
            } else if let resolved = payers.resolve(name: payer.name, id: payer.id) {
                subscriber!.resolvedPayer = resolved
            } else {
                fail(payer.name.isEmpty ? "NM109" : "NM103",
                     "payer \"\(payer.name)\" (id \"\(payer.id)\") is not in the payer directory; add it to payers.tsv or choose the payer explicitly")
            }
        case .patient where entity("QC"):
            patient!.name = PersonName(last: scanner.string(3), first: scanner.string(4))
        case .otherSubscriber where entity("PR"):
            claim!.otherPayers.append(BilledPayer(name: scanner.string(3), id: scanner.string(9)))
        default:
            break  // submitter, receiver, pay-to, referring/rendering providers, facilities, 2420 loops
        }
    }

    private func handleDMG() {
        guard loop == .subscriber || loop == .patient else { return }
        guard scanner.equals(1, "D8") else {
            fail("DMG01", "date format qualifier must be D8, got \"\(scanner.string(1))\"")
            return
        }
        let birthDate = date(2)
        if birthDate == nil {
            fail("DMG02", "birth date must be a date CCYYMMDD, got \"\(scanner.string(2))\"")
        }
        let sexText = scanner.string(3)
        let sex = Sex(rawValue: sexText)
        if sex == nil { fail("DMG03", "gender code must be F, M or U, got \"\(sexText)\"") }
        if loop == .subscriber { subscriber!.birthDate = birthDate; subscriber!.sex = sex } else { patient!.birthDate = birthDate; patient!.sex = sex }
    }

    private func handleCLM() {
        finishClaim()
        var builder = ClaimBuilder(segmentNumber: segmentNumber)
        let id = scanner.string(1)
        builder.id = id.isEmpty ? nil : id
        // Problems of the loops the claim belongs to come first.
        if loop != .subscriber && loop != .patient && loop != .claim && loop != .serviceLine && loop != .otherSubscriber {
            builder.issue = issueHere(nil, "CLM outside a subscriber (HL03 22) or patient (HL03 23) loop")
        } else if subscriber == nil {
            builder.issue = issueHere(nil, "CLM outside a subscriber (HL03 22) or patient (HL03 23) loop")
        } else {
            builder.issue = billing?.issue ?? subscriber?.issue ?? patient?.issue
        }
        claim = builder
        loop = patient != nil ? .patient : .subscriber
        if builder.issue != nil { loop = .claim; return }
        loop = .claim
        if id.isEmpty { fail("CLM01", "patient control number (claim id) is missing"); return }
        if id.utf8.count > 38 { fail("CLM01", "claim id is longer than 38 characters"); return }
        guard let total = cents(2) else {
            fail("CLM02", "total claim charge must be an amount, got \"\(scanner.string(2))\"")
            return
        }
        claim!.totalCents = total
        guard let composite = scanner.range(5), !composite.isEmpty else {
            fail("CLM05", "facility code, qualifier and claim frequency (e.g. 11:B:1) are missing")
            return
        }
        let parts = scanner.components(composite, separator: scanner.delimiters!.component)
        let facility = parts.count > 0 ? scanner.string(parts[0]) : ""
        guard facility.utf8.count == 2, facility.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            fail("CLM05-1", "place of service must be two digits, got \"\(facility)\"")
            return
        }
        guard parts.count > 1, scanner.equals(parts[1], "B") else {
            fail("CLM05-2", "facility code qualifier must be B (place of service), got \"\(parts.count > 1 ? scanner.string(parts[1]) : "")\"")
            return
        }
        let frequency = parts.count > 2 ? scanner.string(parts[2]) : ""
        guard frequency == "1" || frequency == "7" || frequency == "8" else {
            fail("CLM05-3", "claim frequency code must be 1 (original), 7 (replacement) or 8 (void), got \"\(frequency)\"")
            return
        }
        claim!.facilityCode = facility
        claim!.frequencyCode = frequency
    }

    private func handleREF() {
        if loop == .patient, claim == nil, patient != nil, scanner.equals(1, "1W") {
            let id = scanner.string(2)
            if id.isEmpty { fail("REF02", "patient member identification number (REF*1W) is empty"); return }
            patient!.memberId = id
            return
        }
        guard loop == .claim, claim != nil else { return }
        if scanner.equals(1, "G1") {
            let number = scanner.string(2)
            if number.isEmpty { fail("REF02", "prior authorization number (REF*G1) is empty"); return }
            claim!.priorAuthorization = number
            return
        }
        guard scanner.equals(1, "F8") else { return }
        let reference = scanner.string(2)
        if reference.isEmpty { fail("REF02", "original claim reference number (REF*F8) is empty"); return }
        claim!.replaces = reference
    }

    private func handleHI() {
        guard loop == .claim, claim != nil else {
            if claim == nil { fail(nil, "HI outside a claim (no CLM)") }
            return
        }
        let separator = scanner.delimiters!.component
        guard let first = scanner.range(1) else { fail("HI01", "health care code information is missing"); return }
        let firstQualifier = scanner.components(first, separator: separator)[0]
        // 2300 also carries anesthesia procedures (BP/BO) and condition codes (BG) in HI.
        let isOtherInformation = scanner.equals(firstQualifier, "BG") || scanner.equals(firstQualifier, "BP")
            || scanner.equals(firstQualifier, "BO")
        guard !isOtherInformation else { return }
        let count = min(scanner.elementCount, 12)
        guard count >= 1 else { return }
        for index in 1...count {
            guard let range = scanner.range(index), !range.isEmpty else { continue }
            let reference = "HI" + (index < 10 ? "0" : "") + String(index)
            let parts = scanner.components(range, separator: separator)
            let qualifier = scanner.string(parts[0])
            switch qualifier {
            case "ABK":
                if claim!.sawPrincipal || !claim!.diagnoses.isEmpty || index != 1 {
                    fail(reference + "-1", "ABK (principal diagnosis) must come first and only once"); return
                }
                claim!.sawPrincipal = true
            case "ABF":
                if !claim!.sawPrincipal {
                    fail(reference + "-1", "ABF (other diagnosis) before the ABK principal diagnosis"); return
                }
            case "BK", "BF":
                fail(reference + "-1", "ICD-9-CM qualifier \(qualifier) is not accepted; ICD-10-CM diagnoses use ABK/ABF"); return
            default:
                fail(reference + "-1", "diagnosis qualifier must be ABK or ABF, got \"\(qualifier)\""); return
            }
            guard parts.count > 1, let code = scanner.dottedDiagnosis(parts[1]) else {
                fail(reference + "-2", "\"\(parts.count > 1 ? scanner.string(parts[1]) : "")\" is not an ICD-10-CM code (a letter, a digit, a letter or digit, then up to four more, without a dot)")
                return
            }
            guard claim!.diagnoses.count < 12 else { fail(reference, "a claim carries at most 12 diagnoses"); return }
            claim!.diagnoses.append(code)
        }
    }

    private func handleNTE() {
        guard loop == .claim, claim != nil else { return }
        let text = scanner.string(2)
        if !text.isEmpty { claim!.notes.append(text) }
    }

    private func handleLX() {
        guard claim != nil else { fail(nil, "LX outside a claim (no CLM)"); return }
        finishLine()
        guard claim!.issue == nil else { return }
        guard let number = integer(1), number > 0 else {
            fail("LX01", "line number must be a positive number, got \"\(scanner.string(1))\"")
            return
        }
        if number != claim!.lines.count + 1 {
            fail("LX01", "line numbers must run 1, 2, 3… within a claim: expected \(claim!.lines.count + 1), got \(number)")
            return
        }
        if number > 50 { fail("LX01", "a professional claim has at most 50 service lines"); return }
        claim!.line = LineBuilder(lineNumber: number, lxSegment: segmentNumber)
        loop = .serviceLine
    }

    private func handleSV1() {
        guard loop == .serviceLine, claim?.line != nil else {
            fail(nil, "SV1 without a service line (LX)")
            return
        }
        if claim!.line!.hasSV1 { fail(nil, "a second SV1 in service line \(claim!.line!.lineNumber)"); return }
        var line = claim!.line!
        line.hasSV1 = true
        line.sv1Segment = segmentNumber
        let separator = scanner.delimiters!.component
        guard let composite = scanner.range(1), !composite.isEmpty else {
            fail("SV101", "procedure code composite (HC:code) is missing"); return
        }
        let parts = scanner.components(composite, separator: separator)
        line.qualifier = scanner.string(parts[0])
        guard line.qualifier == "HC" else {
            fail("SV101-1", "product/service id qualifier must be HC (CPT/HCPCS), got \"\(line.qualifier)\""); return
        }
        guard parts.count > 1, scanner.isProcedureCode(parts[1]) else {
            fail("SV101-2", "\"\(parts.count > 1 ? scanner.string(parts[1]) : "")\" is not a CPT or HCPCS code (five digits, or a letter and four digits)"); return
        }
        line.code = scanner.string(parts[1])
        // SV101-3…6 are the modifiers, SV101-7 the procedure description (free text, not read);
        // SV101-8 is not used in the 837P. Empty trailing components are allowed, as pyx12 allows them.
        if parts.count > 2 {
            for (offset, part) in parts[2...].prefix(4).enumerated() {
                if part.isEmpty { continue }
                guard scanner.isModifier(part) else {
                    fail("SV101-\(offset + 3)", "modifier must be two letters or digits, got \"\(scanner.string(part))\""); return
                }
                line.modifiers.append(scanner.string(part))
            }
            if parts.count > 6, parts[6].count > 80 {
                fail("SV101-7", "procedure description is longer than 80 characters"); return
            }
            if parts.count > 7, parts[7...].contains(where: { !$0.isEmpty }) {
                fail("SV101-8", "SV101-8 is not used in the 837P (SV101 has the qualifier, the code, four modifiers and a description)"); return
            }
        }
        guard let charge = cents(2), charge >= 0 else {
            fail("SV102", "line charge must be an amount, got \"\(scanner.string(2))\""); return
        }
        line.chargeCents = charge
        line.unitBasis = scanner.string(3)
        guard line.unitBasis == "UN" || line.unitBasis == "MJ" else {
            fail("SV103", "unit basis must be UN (units) or MJ (minutes), got \"\(line.unitBasis)\""); return
        }
        guard let unitsRange = scanner.range(4), let units = wholeNumber(unitsRange), units > 0 else {
            fail("SV104", "units must be a positive number, got \"\(scanner.string(4))\""); return
        }
        line.units = units
        if let pos = scanner.range(5), !pos.isEmpty {
            let text = scanner.string(pos)
            guard text.utf8.count == 2, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                fail("SV105", "place of service must be two digits, got \"\(text)\""); return
            }
            line.placeOfService = text
        }
        guard let pointerRange = scanner.range(7), !pointerRange.isEmpty else {
            fail("SV107", "diagnosis code pointer is missing (1 to 4 pointers such as 1:2)"); return
        }
        let pointerParts = scanner.components(pointerRange, separator: separator)
        guard pointerParts.count <= 4 else { fail("SV107", "at most four diagnosis pointers"); return }
        for (offset, part) in pointerParts.enumerated() {
            guard let pointer = unsignedInteger(part), (1...12).contains(pointer) else {
                fail("SV107-\(offset + 1)", "diagnosis pointer must be a number from 1 to 12, got \"\(scanner.string(part))\""); return
            }
            guard pointer <= claim!.diagnoses.count else {
                fail("SV107-\(offset + 1)", "diagnosis pointer \(pointer) points past the claim's \(claim!.diagnoses.count) diagnoses"); return
            }
            line.pointers.append(pointer)
        }
        claim!.line = line
    }

    private func handleDTP() {
        guard loop == .serviceLine, claim?.line != nil, scanner.equals(1, "472") else { return }
        guard claim!.line!.hasSV1 else { fail(nil, "DTP*472 before the line's SV1"); return }
        let value = scanner.range(3)
        if scanner.equals(2, "D8") {
            guard let value, let day = date(value) else {
                fail("DTP03", "service date must be CCYYMMDD, got \"\(scanner.string(3))\""); return
            }
            claim!.line!.date = day; claim!.line!.dateThrough = day
        } else if scanner.equals(2, "RD8") {
            guard let value, value.count == 17, scanner.buffer[value.lowerBound + 8] == UInt8(ascii: "-"),
                  let from = date(value.lowerBound ..< value.lowerBound + 8),
                  let through = date(value.lowerBound + 9 ..< value.upperBound) else {
                fail("DTP03", "service date range must be CCYYMMDD-CCYYMMDD, got \"\(scanner.string(3))\""); return
            }
            guard from <= through else {
                fail("DTP03", "service date range ends before it starts: \"\(scanner.string(3))\""); return
            }
            claim!.line!.date = from; claim!.line!.dateThrough = through
        } else {
            fail("DTP02", "date format qualifier must be D8 or RD8, got \"\(scanner.string(2))\"")
        }
    }

    // MARK: Finishing lines and claims

    private func finishLine() {
        guard claim != nil, let line = claim!.line else { return }
        claim!.line = nil
        guard claim!.issue == nil else { return }
        guard line.hasSV1 else {
            claim!.issue = X12Issue(segmentNumber: line.lxSegment, segmentId: "LX", element: nil,
                                    message: "service line \(line.lineNumber) has no SV1")
            return
        }
        guard let date = line.date else {
            claim!.issue = X12Issue(segmentNumber: line.sv1Segment, segmentId: "SV1", element: nil,
                                    message: "service line \(line.lineNumber) has no service date (DTP*472)")
            return
        }
        claim!.lines.append(ParsedServiceLine(
            lineNumber: line.lineNumber, qualifier: line.qualifier, code: line.code, modifiers: line.modifiers,
            chargeCents: line.chargeCents, unitBasis: line.unitBasis, units: line.units,
            diagnosisPointers: line.pointers, serviceDate: date, serviceDateThrough: line.dateThrough,
            placeOfService: line.placeOfService))
    }

    private func finishClaim() {
        guard claim != nil else { return }
        finishLine()
        let builder = claim!
        claim = nil
        loop = patient != nil ? .patient : (subscriber != nil ? .subscriber : .header)
        if let issue = builder.issue ?? validate(builder) {
            emit(.claimError(ClaimError(claimId: builder.id, claimSegmentNumber: builder.segmentNumber, issue: issue)))
            return
        }
        guard let subscriber, let payer = subscriber.resolvedPayer, let id = builder.id else { return }
        let lines = builder.lines
        var dateOfService = lines[0].serviceDate
        for line in lines where line.serviceDate < dateOfService { dateOfService = line.serviceDate }
        var placeOfService = builder.facilityCode
        if let first = lines[0].placeOfService, lines.allSatisfy({ $0.placeOfService == first }) { placeOfService = first }
        let member = Member(id: patient.map { Self.dependentKey(subscriberId: subscriber.memberId, patient: $0) } ?? subscriber.memberId,
                            birthDate: patient != nil ? patient!.birthDate : subscriber.birthDate,
                            sex: patient != nil ? patient!.sex : subscriber.sex)
        let frequency: ClaimFrequency = builder.frequencyCode == "7" ? .replacement : builder.frequencyCode == "8" ? .void : .original
        let encounter = Encounter(
            id: id, frequency: frequency, replaces: builder.replaces, member: member,
            coverage: Coverage(payer: payer, lineOfBusiness: ClaimFilingIndicator.lineOfBusiness(subscriber.filingIndicator)),
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
            otherPayers: builder.otherPayers, transactionControlNumber: stControl,
            subscriberMemberId: subscriber.memberId, patientMemberId: patient?.memberId, patientIsDependent: patient != nil)))
    }

    /// The history key of a dependent: the payer's patient member id, or the subscriber's id with
    /// the patient's name and birth date (what 2010CA identifies the patient by).
    private static func dependentKey(subscriberId: String, patient: PatientContext) -> String {
        if let own = patient.memberId { return own }
        var key = subscriberId + "/" + patient.name.last.uppercased() + " " + patient.name.first.uppercased()
        if let birthDate = patient.birthDate { key += "/" + birthDate.description }
        return key
    }

    /// Whole-claim checks once all its segments are read; the issue points at the CLM segment.
    private func validate(_ builder: ClaimBuilder) -> X12Issue? {
        func at(_ element: String?, _ message: String) -> X12Issue {
            X12Issue(segmentNumber: builder.segmentNumber, segmentId: "CLM", element: element, message: message)
        }
        guard let subscriber else { return at(nil, "claim without a subscriber loop") }
        if subscriber.memberId.isEmpty {
            return X12Issue(segmentNumber: builder.segmentNumber, segmentId: "CLM", element: nil,
                            message: "the subscriber loop has no NM1*IL with a member id (NM109)")
        }
        if subscriber.resolvedPayer == nil {
            return at(nil, "the subscriber loop has no payer (NM1*PR)")
        }
        if builder.lines.isEmpty { return at(nil, "claim has no service lines (LX/SV1)") }
        let sum = builder.lines.reduce(0) { $0 + $1.chargeCents }
        if sum != builder.totalCents {
            return at("CLM02", "total claim charge \(X12Values.amount(builder.totalCents)) is not the sum of the line charges \(X12Values.amount(sum))")
        }
        if builder.diagnoses.isEmpty { return at(nil, "claim has no diagnosis (HI*ABK)") }
        if builder.frequencyCode != "1" && builder.replaces == nil {
            return at("CLM05-3", "a \(builder.frequencyCode == "7" ? "replacement" : "void") claim needs the original claim's reference (REF*F8)")
        }
        return nil
    }

    // MARK: Element helpers

    private func withElement<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        scanner.buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    private func integer(_ index: Int) -> Int? {
        guard let range = scanner.range(index) else { return nil }
        return withElement(range, X12Values.unsignedInteger)
    }

    private func unsignedInteger(_ range: Range<Int>) -> Int? { withElement(range, X12Values.unsignedInteger) }
    private func wholeNumber(_ range: Range<Int>) -> Int? { withElement(range, X12Values.wholeNumber) }

    private func cents(_ index: Int) -> Int? {
        guard let range = scanner.range(index) else { return nil }
        return withElement(range, X12Values.cents)
    }

    private func date(_ index: Int) -> LocalDate? {
        guard let range = scanner.range(index) else { return nil }
        return date(range)
    }

    private func date(_ range: Range<Int>) -> LocalDate? { withElement(range, X12Values.date) }

    private func isDigits(_ index: Int, count: Int) -> Bool {
        guard let range = scanner.range(index), range.count == count else { return false }
        return withElement(range) { $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
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
    static let REF = make("REF"), HI = make("HI"), NTE = make("NTE"), LX = make("LX"), SV1 = make("SV1"), DTP = make("DTP")
}
