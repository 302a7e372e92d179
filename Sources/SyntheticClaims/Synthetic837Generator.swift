import Foundation
import Interchange
import Model
import Policies

/// SplitMix64: a small, fast, deterministic pseudo-random generator (same seed, same sequence
/// on every platform), so generated files are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range` (modulo reduction; the bias is negligible for the small ranges used here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) * 0x1p-53 < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// Settings of a synthetic 837P file.
public struct Synthetic837Configuration: Sendable {
    /// Number of claims (originals, replacements and voids together).
    public var claimCount: Int
    public var seed: UInt64
    /// Share of claims written with one deliberate error (0 = a fully clean file).
    public var errorRate: Double
    /// The kinds of error drawn from, evenly, where the claim's payer allows them (a kind a payer
    /// cannot show, such as `interval` where no interval applies, is drawn among the others).
    public var errorKinds: [SyntheticErrorKind]
    /// The policies and code sets the claims are written against.
    public var rules: SyntheticClaimRules
    /// At most this many claims per transaction set (ST…SE).
    public var claimsPerTransaction: Int
    /// Subscribers under one billing provider (2000A) before the next one starts.
    public var subscribersPerBillingProvider: Int
    public var delimiters: X12Delimiters
    /// A line break after each segment terminator.
    public var lineBreaks: Bool
    /// ISA13 (and GS06 base).
    public var interchangeControlNumber: Int
    /// BHT/GS creation date.
    public var creationDate: LocalDate

    /// `errorKinds` defaults to X12 syntax errors only, which the reader reports claim by claim.
    public init(rules: SyntheticClaimRules, claimCount: Int, seed: UInt64 = 1, errorRate: Double = 0,
                errorKinds: [SyntheticErrorKind] = [.x12Syntax], claimsPerTransaction: Int = 5000,
                subscribersPerBillingProvider: Int = 40, delimiters: X12Delimiters = .standard, lineBreaks: Bool = true,
                interchangeControlNumber: Int = 1, creationDate: LocalDate = LocalDate(year: 2026, month: 1, day: 15)!) {
        self.claimCount = claimCount; self.seed = seed; self.errorRate = errorRate
        self.errorKinds = errorKinds; self.rules = rules
        self.claimsPerTransaction = max(1, claimsPerTransaction)
        self.subscribersPerBillingProvider = max(1, subscribersPerBillingProvider)
        self.delimiters = delimiters; self.lineBreaks = lineBreaks
        self.interchangeControlNumber = interchangeControlNumber; self.creationDate = creationDate
    }
}

/// What a generator wrote.
public struct Synthetic837Summary: Equatable, Sendable {
    public var claims = 0
    public var replacements = 0
    public var voids = 0
    public var transactions = 0
    public var bytes = 0
    /// Claim ids written with a deliberate error (one error each), in file order.
    public var claimsWithErrors: [String] = []
    /// Claims per medpolicy payer id.
    public var claimsPerPayer: [String: Int] = [:]
    /// Claims per injected error kind.
    public var claimsPerKind: [SyntheticErrorKind: Int] = [:]
    /// What each claim should come to, in file order (the sidecar).
    public var expectations: [SyntheticExpectation] = []
    /// The prior authorizations of Harvard Pilgrim members, one per member, in file order.
    public var authorizations: [Authorization] = []
}

/// Writes deterministic synthetic 837P (005010X222A1) interchanges for tests and benchmarks.
///
/// A clean claim passes every rule of the policy that decides it at the claim stage: its
/// diagnoses are billable on the date of service and listed by the payer's policy (read as the
/// engine reads the list), one TPI line of one unit without modifier 50, an E/M visit only with
/// 25, dates inside the policy's effective period, and each member's history within every
/// frequency limit and interval, with no duplicates. A deliberate error (``SyntheticErrorKind``)
/// is written on purpose, and ``Synthetic837Summary/expectations`` says what each claim should
/// come to. Output streams to an `X12Output`.
///
/// Proportions (of members): Florida Blue 30 % (commercial `BL` 70 %, Medicare Advantage `16`
/// 30 %), Medicare 25 % (`MB`), Aetna 20 % (`CI` 50 %, `HM` 30 %, PPO `12` 20 %), Harvard Pilgrim
/// 15 % (`HM` 50 %, `12` 30 %, `CI` 20 %), TrueCare 10 % (Medicaid `MC` 85 %, `CI` 15 %; its
/// policy is in effect from July 2025 only, so its members' visits start then). Florida Blue FEP
/// members (`FI`, not decided by the guideline) appear only as the `no-policy` kind. A member has
/// one to six visits (30, 25, 20, 12, 8, 5 %) two to eleven weeks apart; 4 % of members get a
/// replacement of one claim and 2 % a void. 20552 on 60 % of claims, 20553 on 40 %; an E/M visit
/// (99213-25) on 35 %; a drug (J3301 or J1030) on 45 %; one in five subscribers has a dependent
/// patient (none on Medicare).
public struct Synthetic837Generator {
    public let configuration: Synthetic837Configuration

    public init(_ configuration: Synthetic837Configuration) { self.configuration = configuration }

    /// Writes the interchange into `output` (flushing as it goes when it has a file handle).
    public func write(to output: X12Output) throws -> Synthetic837Summary {
        var run = GeneratorRun(configuration: configuration, output: output)
        try run.writeInterchange()
        try output.flush()
        run.summary.bytes = output.byteCount
        return run.summary
    }

    /// The interchange as bytes.
    public func bytes() -> (bytes: [UInt8], summary: Synthetic837Summary) {
        let output = X12Output()
        // In-memory output never throws.
        let summary = (try? write(to: output)) ?? Synthetic837Summary()
        return (output.bytes, summary)
    }

    /// Writes the interchange to a file (created or truncated).
    public func write(toFile path: String) throws -> Synthetic837Summary {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw X12FatalError("cannot create \(path)")
        }
        defer { try? handle.close() }
        return try write(to: X12Output(fileHandle: handle))
    }
}

/// Payers the generator bills, with the names and ids they appear under, their share of members
/// and their SBR09 codes (repeated by weight).
private struct GeneratedPayer {
    let payer: String
    let names: [String]
    let id: String
    let weight: Int
    let filingIndicators: [String]
}

private let generatedPayers: [GeneratedPayer] = [
    GeneratedPayer(payer: "florida-blue", names: ["FLORIDA BLUE", "BLUE CROSS BLUE SHIELD OF FLORIDA"], id: "00590", weight: 30,
                   filingIndicators: ["BL", "BL", "BL", "BL", "BL", "BL", "BL", "16", "16", "16"]),
    GeneratedPayer(payer: "medicare", names: ["MEDICARE", "FIRST COAST SERVICE OPTIONS"], id: "09102", weight: 25, filingIndicators: ["MB"]),
    GeneratedPayer(payer: "aetna", names: ["AETNA"], id: "60054", weight: 20,
                   filingIndicators: ["CI", "CI", "CI", "CI", "CI", "HM", "HM", "HM", "12", "12"]),
    GeneratedPayer(payer: "harvard-pilgrim", names: ["HARVARD PILGRIM", "HARVARD PILGRIM HEALTH CARE"], id: "04271", weight: 15,
                   filingIndicators: ["HM", "HM", "HM", "HM", "HM", "12", "12", "12", "CI", "CI"]),
    GeneratedPayer(payer: "truecare", names: ["TRUECARE"], id: "TRUCR", weight: 10,
                   filingIndicators: ["MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "MC", "CI", "CI", "CI"]),
]

private let lastNames = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ",
                         "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE"]
private let firstNames = ["MARY", "JAMES", "PATRICIA", "JOHN", "JENNIFER", "ROBERT", "LINDA", "MICHAEL", "ELIZABETH",
                          "DAVID", "BARBARA", "WILLIAM", "SUSAN", "RICHARD", "JESSICA", "JOSEPH", "SARAH", "THOMAS"]
/// Billing provider and member addresses. The billing provider's state (2010AA N4-02) selects a
/// Medicare claim's LCD by jurisdiction; none of these is in a jurisdiction an LCD of Policies/ lists
/// (L34211: CA, NV, AS, MP), so every Medicare claim is decided by the policy `SyntheticClaimRules`
/// writes it against (L33912), as the sidecar expects.
private let cities = [("MIAMI", "FL", "331011234"), ("TAMPA", "FL", "336021234"), ("BOSTON", "MA", "021081234"),
                      ("JACKSON", "MS", "392011234"), ("HARTFORD", "CT", "061031234")]

private struct GeneratedLine {
    var code: String
    var modifiers: [String]
    var chargeCents: Int
    var units: Int
    var pointers: [Int]
}

private struct GeneratedClaim {
    var id: String
    var frequency: String
    var replaces: String?
    var date: LocalDate
    var placeOfService: String
    var diagnoses: [String]
    var lines: [GeneratedLine]
    var note: String?
    var kind: SyntheticErrorKind?
    var result: SyntheticExpectation.Result = .outcome(.approved)
    var carc: String?
    var rule: String?
    /// Harvard Pilgrim: the prior-authorization number written in REF*G1.
    var authorization: String?

    /// The error this claim carries and what adjudication must make of it.
    mutating func expect(_ kind: SyntheticErrorKind, _ outcome: Outcome, carc: String?, rule: String?) {
        self.kind = kind; result = .outcome(outcome); self.carc = carc; self.rule = rule
    }
}

/// The X12 syntax errors of the `x12-syntax` kind.
private enum InjectedError: CaseIterable {
    case unitsNotNumber, chargeNotNumber, missingServiceDate, badServiceDate, badDiagnosisQualifier
    case badPlaceOfService, totalMismatch, pointerPastDiagnoses, badProcedureCode, replacementWithoutReference
}

/// A member as planned: coverage and claims in file order.
private struct PlannedMember {
    var filing: String
    var claims: [GeneratedClaim]
}

private struct GeneratorRun {
    let configuration: Synthetic837Configuration
    let rules: SyntheticClaimRules
    /// The payers billed: those whose policies decide some of their lines of business in the service
    /// period, each with only those SBR09 codes (policies given for some payers bill only those).
    let payers: [GeneratedPayer]
    var writer: X12SegmentWriter
    var random: SplitMix64
    var summary = Synthetic837Summary()
    var claimCounter = 0
    var memberCounter = 0
    var hlCounter = 0
    var claimsInTransaction = 0
    var subscribersUnderProvider = 0
    var providerCounter = 0
    var currentProviderHL = 0
    var inTransaction = false

    init(configuration: Synthetic837Configuration, output: X12Output) {
        self.configuration = configuration
        rules = configuration.rules
        let rules = configuration.rules
        payers = generatedPayers.compactMap { payer in
            let decided = payer.filingIndicators.filter {
                rules.coverage(payer: payer.payer, lineOfBusiness: ClaimFilingIndicator.lineOfBusiness($0) ?? .commercial) != nil
            }
            return decided.isEmpty ? nil : GeneratedPayer(payer: payer.payer, names: payer.names, id: payer.id, weight: payer.weight,
                                                          filingIndicators: decided)
        }
        writer = X12SegmentWriter(output: output, delimiters: configuration.delimiters, lineBreaks: configuration.lineBreaks)
        random = SplitMix64(seed: configuration.seed)
    }

    var dateText: String { X12Values.dateText(configuration.creationDate) }

    mutating func writeInterchange() throws {
        guard !payers.isEmpty else {
            throw X12FatalError("no policy decides claims of \(generatedPayers.map(\.payer).joined(separator: ", ")) in "
                + "\(SyntheticClaimRules.servicePeriod.lowerBound) … \(SyntheticClaimRules.servicePeriod.upperBound): nothing to bill")
        }
        let control = configuration.interchangeControlNumber
        writer.interchangeHeader(sender: "MPSUBMITTER", receiver: "MPRECEIVER", date: String(dateText.dropFirst(2)),
                                 time: "1200", controlNumber: control, usage: "T")
        writer.segment("GS", ["HC", "MPSUBMITTER", "MPRECEIVER", dateText, "1200", String(control), "X", "005010X222A1"])
        while summary.claims < configuration.claimCount {
            try writeMember()
        }
        if inTransaction { endTransaction() }
        writer.segment("GE", [String(summary.transactions), String(control)])
        writer.segment("IEA", ["1", X12SegmentWriter.zeroPadded(control, 9)])
    }

    mutating func startTransaction() {
        summary.transactions += 1
        writer.startCount()
        writer.segment("ST", ["837", X12SegmentWriter.zeroPadded(summary.transactions, 4), "005010X222A1"])
        writer.segment("BHT", ["0019", "00", "MP" + String(summary.transactions), dateText, "1200", "CH"])
        writer.segment("NM1", ["41", "2", "MEDPOLICY SYNTHETIC BILLING", "", "", "", "", "46", "MPSUBMIT01"])
        writer.segment("PER", ["IC", "BILLING OFFICE", "TE", "3055550100"])
        writer.segment("NM1", ["40", "2", "MEDPOLICY PAYER GATEWAY", "", "", "", "", "46", "MPRECEIVER"])
        inTransaction = true
        claimsInTransaction = 0
        hlCounter = 0
        subscribersUnderProvider = 0
        currentProviderHL = 0
    }

    mutating func endTransaction() {
        writer.segment("SE", [String(writer.counted + 1), X12SegmentWriter.zeroPadded(summary.transactions, 4)])
        inTransaction = false
    }

    mutating func startBillingProvider() {
        providerCounter += 1
        hlCounter += 1
        currentProviderHL = hlCounter
        subscribersUnderProvider = 0
        let city = cities[providerCounter % cities.count]
        writer.segment("HL", [String(hlCounter), "", "20", "1"])
        writer.segment("NM1", ["85", "2", "TRIGGER POINT CLINIC \(providerCounter)", "", "", "", "", "XX", npi(providerCounter)])
        writer.segment("N3", ["\(100 + providerCounter % 900) MAIN ST"])
        writer.segment("N4", [city.0, city.1, city.2])
        writer.segment("REF", ["EI", "59" + X12SegmentWriter.zeroPadded(1_000_000 + providerCounter % 9_000_000, 7)])
    }

    /// A valid NPI: 9 digits and a Luhn check digit computed with the 80840 prefix.
    func npi(_ number: Int) -> String {
        let base = "1" + X12SegmentWriter.zeroPadded(number % 100_000_000, 8)
        var sum = 24  // the 80840 prefix's contribution
        for (offset, character) in base.reversed().enumerated() {
            var digit = Int(String(character))!
            if offset % 2 == 0 { digit *= 2; if digit > 9 { digit -= 9 } }
            sum += digit
        }
        return base + String((10 - sum % 10) % 10)
    }

    mutating func pickPayer() -> GeneratedPayer {
        var draw = random.int(1...payers.reduce(0) { $0 + $1.weight })
        for payer in payers {
            draw -= payer.weight
            if draw <= 0 { return payer }
        }
        return payers[0]
    }

    mutating func writeMember() throws {
        let remaining = configuration.claimCount - summary.claims
        let payer = pickPayer()
        memberCounter += 1
        let memberId = "M" + X12SegmentWriter.zeroPadded(memberCounter, 9)
        let member = planMember(payer: payer, memberId: memberId, maximum: min(remaining, configuration.claimsPerTransaction))
        let plan = member.claims
        if !inTransaction || claimsInTransaction + plan.count > configuration.claimsPerTransaction {
            if inTransaction { endTransaction() }
            startTransaction()
        }
        if currentProviderHL == 0 || subscribersUnderProvider >= configuration.subscribersPerBillingProvider {
            startBillingProvider()
        }
        subscribersUnderProvider += 1
        let payerName = random.pick(payer.names)
        // Medicare members are their own subscribers; Harvard Pilgrim's are too, so that an
        // authorization's member id is the history's.
        let dependent = payer.payer != "medicare" && payer.payer != "harvard-pilgrim" && random.chance(0.2)
        let subscriberName = (random.pick(lastNames), random.pick(firstNames))
        let city = random.pick(cities)
        let birth = LocalDate(year: payer.payer == "medicare" ? random.int(1935...1959) : random.int(1950...1995),
                              month: random.int(1...12), day: random.int(1...28))!
        let sex = random.chance(0.55) ? "F" : "M"

        hlCounter += 1
        let subscriberHL = hlCounter
        writer.segment("HL", [String(subscriberHL), String(currentProviderHL), "22", dependent ? "1" : "0"])
        writer.segment("SBR", ["P", dependent ? "" : "18", "GRP" + String(100 + memberCounter % 900), "", "", "", "", "", member.filing])
        writer.segment("NM1", ["IL", "1", subscriberName.0, subscriberName.1, "", "", "", "MI", memberId])
        if !dependent {
            writer.segment("N3", ["\(10 + memberCounter % 990) OAK AVE"])
            writer.segment("N4", [city.0, city.1, city.2])
            writer.segment("DMG", ["D8", X12Values.dateText(birth), sex])
        }
        writer.segment("NM1", ["PR", "2", payerName, "", "", "", "", "PI", payer.id])
        if dependent {
            hlCounter += 1
            writer.segment("HL", [String(hlCounter), String(subscriberHL), "23", "0"])
            writer.segment("PAT", ["19"])
            writer.segment("NM1", ["QC", "1", subscriberName.0, random.pick(firstNames)])
            writer.segment("N3", ["\(10 + memberCounter % 990) OAK AVE"])
            writer.segment("N4", [city.0, city.1, city.2])
            let childBirth = LocalDate(year: random.int(1996...2008), month: random.int(1...12), day: random.int(1...28))!
            writer.segment("DMG", ["D8", X12Values.dateText(childBirth), random.chance(0.5) ? "F" : "M"])
        }
        for claim in plan {
            let syntax: InjectedError? = claim.kind == .x12Syntax ? random.pick(InjectedError.allCases) : nil
            writeClaim(claim, syntax: syntax)
            summary.claims += 1
            summary.claimsPerPayer[payer.payer, default: 0] += 1
            if let kind = claim.kind {
                summary.claimsWithErrors.append(claim.id)
                summary.claimsPerKind[kind, default: 0] += 1
            }
            summary.expectations.append(SyntheticExpectation(claimId: claim.id, payer: payer.payer, kind: claim.kind,
                                                             result: claim.result, carc: claim.carc, rule: claim.rule))
            if claim.frequency == "7" { summary.replacements += 1 }
            if claim.frequency == "8" { summary.voids += 1 }
            claimsInTransaction += 1
            try writer.output.flushIfFull()
        }
    }

    mutating func nextClaimId() -> String {
        claimCounter += 1
        return "C" + X12SegmentWriter.zeroPadded(claimCounter, 8)
    }

    /// One to six visits, weighted toward few.
    mutating func visitCount() -> Int {
        let draw = random.int(1...100)
        for (count, bound) in [(1, 30), (2, 55), (3, 75), (4, 87), (5, 95)] where draw <= bound { return count }
        return 6
    }

    /// Up to `count` TPI dates from `start` on, each within every limit and interval of the policy, inside `dates`.
    mutating func schedule(_ count: Int, from start: LocalDate, within dates: ClosedRange<LocalDate>, policy: Policy) -> [LocalDate] {
        var result: [LocalDate] = []
        var date = start
        while result.count < count, dates.contains(date) {
            if rules.fits(date, after: result, policy: policy) {
                result.append(date)
                date = date.adding(days: random.int(14...77))
            } else {
                date = date.adding(days: 7)
            }
        }
        return result
    }

    /// Whether `kind` can be shown on a claim of this policy's payer.
    func allows(_ kind: SyntheticErrorKind, payer: String, policy: Policy) -> Bool {
        switch kind {
        case .uncoveredDiagnosis: return rules.diagnosisRule(policy) != nil
        case .dryNeedling: return rules.needlingExclusion(policy) != nil
        case .limit: return !rules.limits(policy).isEmpty
        case .interval: return !rules.intervals(policy).isEmpty
        // An interval would also deny a same-day duplicate (0 days): shown where none applies.
        case .duplicate: return rules.intervals(policy).isEmpty
        case .noPolicy: return rules.deferredFiling(payer: payer) != nil
        case .noAuthorization, .authorizationUnits: return payer == "harvard-pilgrim"
        default: return true
        }
    }

    /// The error of one claim: drawn at the error rate, among the configured kinds the payer allows.
    mutating func drawKind(payer: String, policy: Policy) -> SyntheticErrorKind? {
        guard configuration.errorRate > 0, !configuration.errorKinds.isEmpty, random.chance(configuration.errorRate) else { return nil }
        let allowed = configuration.errorKinds.filter { allows($0, payer: payer, policy: policy) }
        return allowed.isEmpty ? nil : random.pick(allowed)
    }

    mutating func planMember(payer: GeneratedPayer, memberId: String, maximum: Int) -> PlannedMember {
        var filing = random.pick(payer.filingIndicators)
        let line = ClaimFilingIndicator.lineOfBusiness(filing) ?? .commercial
        // `payers` keeps only SBR09 codes a policy decides.
        let (policy, dates) = rules.coverage(payer: payer.payer, lineOfBusiness: line)!
        let placeOfService = random.chance(0.85) ? "11" : "22"
        let span = dates.lowerBound.days(until: dates.upperBound)
        let start = dates.lowerBound.adding(days: random.int(0...max(0, span - 60)))
        let planned = visitCount()
        var kinds = (0..<planned).map { _ in drawKind(payer: payer.payer, policy: policy) }
        // A member-level error shapes the whole history: that one error, every other claim clean.
        if let memberKind = kinds.compactMap({ $0 }).first(where: \.isMemberLevel),
           let story = planStory(memberKind, payer: payer.payer, policy: policy, dates: dates, start: start,
                                 placeOfService: placeOfService, memberId: memberId, maximum: maximum, filing: &filing) {
            if memberKind != .noAuthorization {
                authorize(story, memberId: memberId, policy: policy, exceeded: memberKind == .authorizationUnits)
            }
            return PlannedMember(filing: filing, claims: story)
        }
        kinds = kinds.map { $0?.isMemberLevel == true ? nil : $0 }
        let visitDates = schedule(min(planned, maximum), from: start, within: dates, policy: policy)
        var claims: [GeneratedClaim] = []
        for (index, date) in visitDates.enumerated() {
            var claim = makeClaim(date: date, placeOfService: placeOfService, policy: policy, payer: payer.payer, memberId: memberId)
            if let kind = kinds[index] { inject(kind, into: &claim, policy: policy) }
            claims.append(claim)
        }
        // Now and then a clean claim is corrected (replacement) or cancelled (void) later in the file.
        let clean = claims.indices.filter { claims[$0].kind == nil }
        if claims.count < maximum, !clean.isEmpty, random.chance(0.06) {
            let original = claims[random.pick(clean)]
            var follow = original
            follow.id = nextClaimId()
            follow.replaces = original.id
            if random.chance(2.0 / 3.0) {
                follow.frequency = "7"
                follow.lines = makeLines(diagnosisCount: follow.diagnoses.count)
                follow.note = nil
            } else {
                follow.frequency = "8"
                follow.result = .outcome(.notApplicable)
                follow.rule = "claim.void"
            }
            claims.append(follow)
        }
        authorize(claims, memberId: memberId, policy: policy, exceeded: false)
        return PlannedMember(filing: filing, claims: claims)
    }

    /// A member whose history (or coverage) carries `kind` on its last claim; `nil` when it does not fit.
    mutating func planStory(_ kind: SyntheticErrorKind, payer: String, policy: Policy, dates: ClosedRange<LocalDate>,
                            start: LocalDate, placeOfService: String, memberId: String, maximum: Int,
                            filing: inout String) -> [GeneratedClaim]? {
        func claims(on visitDates: [LocalDate]) -> [GeneratedClaim] {
            visitDates.map { makeClaim(date: $0, placeOfService: placeOfService, policy: policy, payer: payer, memberId: memberId) }
        }
        switch kind {
        case .noPolicy:
            guard let deferred = rules.deferredFiling(payer: payer) else { return nil }
            filing = deferred.code
            var claim = makeClaim(date: start, placeOfService: placeOfService, policy: policy, payer: payer, memberId: memberId)
            claim.expect(kind, .notApplicable, carc: nil, rule: deferred.exception)
            return [claim]
        case .limit:
            // The limit's maximum in its window, then one more: only this limit is exceeded.
            let limits = rules.limits(policy)
            guard !limits.isEmpty else { return nil }
            let (rule, limit) = random.pick(limits)
            guard limit.max + 1 <= maximum else { return nil }
            let minimumGap = rules.intervals(policy).map(\.interval.minDays).max() ?? 1
            for gap in [28, 21, 14, 10, 7, 5, 3, 2, 1] where gap >= minimumGap {
                let first = max(dates.lowerBound, min(start, dates.upperBound.adding(days: -gap * limit.max)))
                let visitDates = (0...limit.max).map { first.adding(days: $0 * gap) }
                guard let last = visitDates.last, dates.contains(last) else { continue }
                let earlier = Array(visitDates.dropLast())
                let cleanBefore = earlier.indices.allSatisfy { rules.fits(earlier[$0], after: Array(earlier[..<$0]), policy: policy) }
                guard cleanBefore, rules.fits(last, after: earlier, policy: policy, ignoring: [rule.id]),
                      !rules.fits(last, after: earlier, policy: policy) else { continue }
                var result = claims(on: visitDates)
                let failure = SyntheticClaimRules.failure(of: rule)
                result[result.count - 1].expect(kind, failure.outcome, carc: failure.carc, rule: rule.id)
                return result
            }
            return nil
        case .interval:
            let intervals = rules.intervals(policy)
            guard let (rule, interval) = intervals.first, interval.minDays > 1, maximum >= 2 else { return nil }
            var visitDates = schedule(random.int(1...min(2, maximum - 1)), from: start, within: dates, policy: policy)
            guard let previous = visitDates.last else { return nil }
            let soon = previous.adding(days: random.int(1...(interval.minDays - 1)))
            guard dates.contains(soon), rules.fits(soon, after: visitDates, policy: policy, ignoring: [rule.id]) else { return nil }
            visitDates.append(soon)
            var result = claims(on: visitDates)
            let failure = SyntheticClaimRules.failure(of: rule)
            result[result.count - 1].expect(kind, failure.outcome, carc: failure.carc, rule: rule.id)
            return result
        case .authorizationUnits:
            // Two or three sessions of one code; the authorization covers one fewer.
            guard payer == "harvard-pilgrim", maximum >= 2 else { return nil }
            var result = claims(on: schedule(random.int(2...min(3, maximum)), from: start, within: dates, policy: policy))
            guard result.count >= 2 else { return nil }
            let code = result[0].lines.first { $0.code.hasPrefix("2055") }!.code
            for index in result.indices {
                let tpi = result[index].lines.firstIndex { $0.code.hasPrefix("2055") }!
                result[index].lines[tpi].code = code
                result[index].lines[tpi].chargeCents = Self.tpiCharge(code)
            }
            result[result.count - 1].expect(kind, .denied, carc: "198", rule: rules.firstAuthorizationRule(policy))
            return result
        case .noAuthorization:
            // A member with nothing on file, and a claim without REF*G1.
            guard payer == "harvard-pilgrim" else { return nil }
            var claim = makeClaim(date: start, placeOfService: placeOfService, policy: policy, payer: payer, memberId: memberId)
            claim.authorization = nil
            claim.expect(kind, .denied, carc: "197", rule: rules.firstAuthorizationRule(policy))
            return [claim]
        case .duplicate:
            guard maximum >= 2 else { return nil }
            var result = claims(on: schedule(random.int(1...min(3, maximum - 1)), from: start, within: dates, policy: policy))
            guard var copy = result.last else { return nil }
            copy.id = nextClaimId()
            copy.expect(kind, .denied, carc: "18", rule: "coding.duplicate")
            result.append(copy)
            return result
        default:
            return nil
        }
    }

    /// A clean claim: covered, billable diagnoses for the payer's policy on the date, correct codes.
    mutating func makeClaim(date: LocalDate, placeOfService: String, policy: Policy, payer: String, memberId: String) -> GeneratedClaim {
        let covered = rules.choices(policy, on: date)?.covered ?? []
        var diagnoses: [String] = []
        let count = min(random.int(1...3), covered.count)
        while diagnoses.count < count {
            let code = random.pick(covered)
            if !diagnoses.contains(code) { diagnoses.append(code) }
        }
        let lines = makeLines(diagnosisCount: diagnoses.count)
        // A note, when there is one, names as many muscles as the code billed is for.
        let muscles = lines.contains { $0.code == "20553" } ? random.int(3...5) : random.int(1...2)
        let note: String? = random.chance(0.1) ? "TRIGGER POINTS INJECTED IN \(muscles) MUSCLES" : nil
        let id = nextClaimId()
        return GeneratedClaim(id: id, frequency: "1", replaces: nil, date: date, placeOfService: placeOfService,
                              diagnoses: diagnoses, lines: lines, note: note,
                              authorization: payer == "harvard-pilgrim" ? Self.authorizationNumber(memberId: memberId) : nil)
    }

    static func authorizationNumber(memberId: String) -> String { "PA-\(memberId.dropFirst())" }

    /// A Harvard Pilgrim member's prior authorization: the TPI units of its claims (voids aside)
    /// from the first visit to a month after the last, with a clinical record meeting the policy's
    /// criteria. `exceeded`: one unit fewer than the last claim's code needs.
    mutating func authorize(_ claims: [GeneratedClaim], memberId: String, policy: Policy, exceeded: Bool) {
        guard policy.payer == "harvard-pilgrim", let first = claims.first, let last = claims.last else { return }
        var units: [(code: String, units: Int)] = []
        for claim in claims where claim.frequency != "8" {
            for line in claim.lines where line.code == "20552" || line.code == "20553" {
                if let index = units.firstIndex(where: { $0.code == line.code }) { units[index].units += line.units } else { units.append((line.code, line.units)) }
            }
        }
        if exceeded, let code = last.lines.first(where: { $0.code.hasPrefix("2055") })?.code,
           let index = units.firstIndex(where: { $0.code == code }) {
            units[index].units -= 1
        }
        // A replacement comes last in the list but keeps its original's date: the span is the dates'.
        let from = claims.map(\.date).min() ?? first.date, to = claims.map(\.date).max() ?? first.date
        let issued = from.adding(days: -random.int(3...14))
        let onset = issued.adding(days: -random.int(60...150))
        let therapyStart = onset.adding(days: random.int(3...14))
        // The record a reviewer approved: every finding, a failed course of physical therapy and an
        // NSAID, a home exercise plan, improvement after earlier injections, the documents.
        let clinical = Clinical(
            painOnset: onset,
            findings: Findings(regionalPainInReferralPattern: true, tautBand: true, spotTenderness: true, restrictedRangeOfMotion: true,
                               localTwitchResponse: true, referredPainReproduced: true),
            conservativeTherapy: [ConservativeTherapy(type: .physicalTherapy, start: therapyStart,
                                                      end: min(therapyStart.adding(days: random.int(42...70)), issued), outcome: .failed)],
            pharmacotherapy: [Pharmacotherapy(drugClass: .nsaid, start: onset)],
            treatmentPlan: [.homeExerciseProgram],
            priorInjectionResponse: PriorInjectionResponse(percentPainImprovement: 60, functionalImprovement: true, rangeOfMotionImproved: true),
            documentation: [.historyAndPhysical, .treatmentPlan, .procedureNote])
        summary.authorizations.append(Authorization(
            number: Self.authorizationNumber(memberId: memberId), payer: policy.payer, memberId: memberId, status: .approved,
            issued: issued, policy: policy.id,
            items: units.map { AuthorizedService(code: $0.code, units: $0.units, from: from, to: to.adding(days: 30)) },
            clinical: clinical))
    }

    static func tpiCharge(_ code: String) -> Int { code == "20552" || code == "20560" ? 15000 : 17500 }

    mutating func makeLines(diagnosisCount: Int) -> [GeneratedLine] {
        let code = random.chance(0.6) ? "20552" : "20553"
        var lines = [GeneratedLine(code: code, modifiers: [], chargeCents: Self.tpiCharge(code), units: 1,
                                   pointers: Array(1...max(1, min(diagnosisCount, 4))))]
        if random.chance(0.35) {
            lines.insert(GeneratedLine(code: "99213", modifiers: ["25"], chargeCents: 11000, units: 1, pointers: [1]), at: 0)
        }
        if random.chance(0.45) {
            if random.chance(0.6) {
                let units = random.int(1...4)
                lines.append(GeneratedLine(code: "J3301", modifiers: [], chargeCents: 1250 * units, units: units, pointers: [1]))
            } else {
                lines.append(GeneratedLine(code: "J1030", modifiers: [], chargeCents: 1875, units: 1, pointers: [1]))
            }
        }
        return lines
    }

    /// Writes one claim-level error into a clean claim, with what it should come to.
    mutating func inject(_ kind: SyntheticErrorKind, into claim: inout GeneratedClaim, policy: Policy) {
        let tpi = claim.lines.firstIndex { $0.code == "20552" || $0.code == "20553" }!
        claim.kind = kind
        func expect(_ outcome: Outcome, _ carc: String?, _ rule: String) { claim.expect(kind, outcome, carc: carc, rule: rule) }
        switch kind {
        case .x12Syntax:
            claim.result = .claimError
            claim.rule = "reader"
        case .headerDiagnosis:
            // A header beside a covered principal diagnosis: the policy's list is met, the code is not billable.
            let headers = rules.choices(policy, on: claim.date)?.headers ?? []
            let header = headers.isEmpty ? "M79" : random.pick(headers)
            claim.diagnoses = Array(claim.diagnoses.prefix(1)) + [header] + Array(claim.diagnoses.dropFirst().prefix(2).filter { $0 != header })
            claim.lines[tpi].pointers = Array(1...min(claim.diagnoses.count, 4))
            expect(.denied, "16", "coding.diagnosis-validity")
        case .uncoveredDiagnosis:
            let rule = rules.diagnosisRule(policy)!
            let uncovered = rules.choices(policy, on: claim.date)?.uncovered ?? []
            var codes: [String] = []
            let count = min(random.int(1...2), uncovered.count)
            while codes.count < count {
                let code = random.pick(uncovered)
                if !codes.contains(code) { codes.append(code) }
            }
            claim.diagnoses = codes
            for index in claim.lines.indices { claim.lines[index].pointers = claim.lines[index].pointers.filter { $0 <= codes.count } }
            claim.lines[tpi].pointers = Array(1...codes.count)
            let failure = SyntheticClaimRules.failure(of: rule)
            expect(failure.outcome, failure.carc, rule.id)
        case .units:
            claim.lines[tpi].units = 2
            claim.lines[tpi].chargeCents *= 2
            expect(.denied, "151", "coding.units-per-day")
        case .modifier50:
            claim.lines[tpi].modifiers = ["50"]
            expect(.denied, "4", "coding.modifier-50")
        case .dryNeedling:
            let rule = rules.needlingExclusion(policy)!
            claim.lines[tpi].code = claim.lines[tpi].code == "20552" ? "20560" : "20561"
            claim.lines[tpi].chargeCents = Self.tpiCharge(claim.lines[tpi].code)
            let failure = SyntheticClaimRules.failure(of: rule)
            expect(failure.outcome, failure.carc, rule.id)
        case .wrongCode:
            var other = claim.lines[tpi]
            other.code = other.code == "20552" ? "20553" : "20552"
            other.chargeCents = Self.tpiCharge(other.code)
            claim.lines.insert(other, at: tpi + 1)
            expect(.partial, "97", "coding.one-code-per-day")
        case .missing25:
            if let visit = claim.lines.firstIndex(where: { $0.code == "99213" }) {
                claim.lines[visit].modifiers = []
            } else {
                claim.lines.insert(GeneratedLine(code: "99213", modifiers: [], chargeCents: 11000, units: 1, pointers: [1]), at: 0)
            }
            expect(.partial, "97", "coding.em-modifier-25")
        case .limit, .interval, .duplicate, .noPolicy, .authorizationUnits, .noAuthorization:
            preconditionFailure("\(kind.rawValue) is planned with the member's history")
        }
    }

    mutating func writeClaim(_ claim: GeneratedClaim, syntax error: InjectedError?) {
        let total = claim.lines.reduce(0) { $0 + $1.chargeCents }
        let pos = error == .badPlaceOfService ? "1" : claim.placeOfService
        // A replacement with no reference to what it replaces (an original turned into one).
        let frequency = error == .replacementWithoutReference && claim.frequency == "1" ? "7" : claim.frequency
        writer.segment("CLM", [claim.id, X12Values.amount(error == .totalMismatch ? total + 100 : total), "", "",
                               writer.composite([pos, "B", frequency]), "Y", "A", "Y", "Y"])
        // 2300 REF order of the implementation guide: G1 (prior authorization) before F8.
        if let authorization = claim.authorization { writer.segment("REF", ["G1", authorization]) }
        if let replaces = claim.replaces, error != .replacementWithoutReference {
            writer.segment("REF", ["F8", replaces])
        }
        if let note = claim.note { writer.segment("NTE", ["ADD", note]) }
        var hi: [String] = []
        for (index, code) in claim.diagnoses.enumerated() {
            let qualifier = index == 0 ? (error == .badDiagnosisQualifier ? "ABX" : "ABK") : "ABF"
            hi.append(writer.composite([qualifier, code]))
        }
        writer.segment("HI", hi)
        let lineWithError = error == nil ? -1 : random.int(0...(claim.lines.count - 1))
        for (index, line) in claim.lines.enumerated() {
            let faulty = index == lineWithError ? error : nil
            writer.segment("LX", [String(index + 1)])
            let pointers = faulty == .pointerPastDiagnoses ? [claim.diagnoses.count + 1] : line.pointers
            writer.segment("SV1", [
                writer.composite(["HC", faulty == .badProcedureCode ? "2055" : line.code] + line.modifiers),
                faulty == .chargeNotNumber ? "ABC" : X12Values.amount(line.chargeCents), "UN",
                faulty == .unitsNotNumber ? "X" : String(line.units), "", "",
                writer.composite(pointers.map(String.init)),
            ])
            if faulty != .missingServiceDate {
                writer.segment("DTP", ["472", "D8", faulty == .badServiceDate ? "20251345" : X12Values.dateText(claim.date)])
            }
        }
    }
}
