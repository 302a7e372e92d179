import Model

/// One payer policy version, as loaded from a YAML file under `Policies/`.
///
/// A policy governs a set of procedure codes for a payer, lines of business and an effective
/// period; its rules are checked against each governed line. Every rule carries a citation.
/// A class: immutable once loaded and shared by every decision, so choosing one passes a
/// reference instead of copying a dozen fields.
public final class Policy: Sendable {
    public let id: String
    public let payer: String
    public let title: String
    public let version: String?
    /// The published document the policy encodes.
    public let publishedSource: PublishedSource
    /// `publishedSource` as citations name it.
    public var source: String { publishedSource.name }
    public let effectiveFrom: LocalDate
    public let effectiveTo: LocalDate?
    /// Where the effective dates come from (`effective.basis`): the source's own dates, or why they
    /// stand in for dates the source does not give. Starts with "unknown" when the source has none.
    public let effectiveBasis: String?
    /// `nil` means every line of business.
    public let linesOfBusiness: Set<LineOfBusiness>?
    public let exceptions: [ProgramException]
    /// Procedure codes the policy's rules govern unless a rule names its own.
    public let governs: [String]
    /// What the payer asks for when a line pends for review (seed 000's LOINC table, for one).
    public let documentationRequests: [DocumentRequest]
    public let rules: [Rule]
    /// Where the policy came from, for messages.
    public let location: SourceLocation
    /// The contractor and states the policy is limited to (a Medicare LCD); nil: everywhere.
    public let jurisdiction: Jurisdiction?

    public init(id: String, payer: String, title: String, version: String?, source: PublishedSource, effectiveFrom: LocalDate,
                effectiveTo: LocalDate?, linesOfBusiness: Set<LineOfBusiness>?, exceptions: [ProgramException],
                governs: [String], documentationRequests: [DocumentRequest], rules: [Rule], location: SourceLocation,
                effectiveBasis: String? = nil, jurisdiction: Jurisdiction? = nil) {
        self.jurisdiction = jurisdiction
        self.id = id; self.payer = payer; self.title = title; self.version = version; self.publishedSource = source
        self.effectiveBasis = effectiveBasis
        self.effectiveFrom = effectiveFrom; self.effectiveTo = effectiveTo; self.linesOfBusiness = linesOfBusiness
        self.exceptions = exceptions; self.governs = governs; self.documentationRequests = documentationRequests
        self.rules = rules; self.location = location
        lineMask = linesOfBusiness.map(LineOfBusiness.mask)
        reference = PolicyReference(id: id, title: title, effectiveFrom: effectiveFrom, effectiveTo: effectiveTo)
    }

    /// Whether the policy is in effect on `date` (both ends inclusive).
    public func isEffective(on date: LocalDate) -> Bool {
        date >= effectiveFrom && (effectiveTo.map { date <= $0 } ?? true)
    }

    public func covers(_ line: LineOfBusiness) -> Bool { lineMask.map { $0 & line.bit != 0 } ?? true }

    /// `linesOfBusiness` as bits (``Model/LineOfBusiness/bit``).
    private let lineMask: UInt8?

    /// How determinations cite the policy (built once: every decision carries it).
    public let reference: PolicyReference
}

/// Where a policy applies: a Medicare administrative contractor and the states (two-letter codes,
/// territories included) of its jurisdiction. A claim matches by its `coverage.contractor` or, without
/// one, by the billing provider's state.
public struct Jurisdiction: Sendable, Equatable {
    public let contractor: String
    public let states: Set<String>

    public init(contractor: String, states: Set<String>) { self.contractor = contractor; self.states = states }

    /// Whether a claim with this contractor or provider state falls in the jurisdiction.
    public func matches(contractor claimContractor: String?, state: String?) -> Bool {
        if let claimContractor { return claimContractor == contractor }
        if let state { return states.contains(state) }
        return false
    }
}

/// A published document, named the way a reader can find it: publisher, document number or kind,
/// title, and which edition (revision date, or why there is none).
public struct PublishedSource: Sendable, Equatable {
    public let publisher: String
    public let document: String
    public let title: String?
    public let edition: String

    public init(publisher: String, document: String, title: String?, edition: String) {
        self.publisher = publisher; self.document = document; self.title = title; self.edition = edition
    }

    /// "Florida Blue Medical Coverage Guideline 02-20000-28, Trigger Point Injections (revised 2023-08-15)".
    public var name: String {
        "\(publisher) \(document)" + (title.map { ", \($0)" } ?? "") + " (\(edition))"
    }
}

/// A file and line, for errors, warnings and rule provenance.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) { self.file = file; self.line = line }

    public var description: String { "\(file):\(line)" }
}

/// A program the policy does not decide for: it defers (FEP, SAO) or routes to another policy (Medicare Advantage → LCD).
public struct ProgramException: Sendable {
    public enum Action: Sendable, Equatable {
        /// The policy does not apply; the message says what does.
        case `defer`(message: String)
        /// Another policy (by id) decides instead.
        case route(policyId: String)
    }

    public var id: String
    public var linesOfBusiness: Set<LineOfBusiness> { didSet { lineMask = LineOfBusiness.mask(linesOfBusiness) } }
    public var action: Action
    public var citation: Citation
    public var location: SourceLocation

    public init(id: String, linesOfBusiness: Set<LineOfBusiness>, action: Action, citation: Citation, location: SourceLocation) {
        self.id = id; self.linesOfBusiness = linesOfBusiness; self.action = action; self.citation = citation; self.location = location
        lineMask = LineOfBusiness.mask(linesOfBusiness)
    }

    /// Whether the exception applies to members of `line`.
    public func covers(_ line: LineOfBusiness) -> Bool { lineMask & line.bit != 0 }

    /// `linesOfBusiness` as bits (``Model/LineOfBusiness/bit``).
    private var lineMask: UInt8
}

/// One rule of a policy: what it checks, on which codes, and what happens when it fails.
/// A class: rules are immutable once loaded and shared by every decision, never copied.
public final class Rule: Sendable {
    public let id: String
    public let citation: Citation
    /// How an ambiguous source was read (docs/decisions.md: the reading a medical director would defend).
    public let interpretation: String?
    /// A sentence for the user: what the rule requires.
    public let summary: String?
    /// Codes the rule governs; the policy's `governs` when not given.
    public let appliesTo: [String]
    /// The rule is checked only when this holds (e.g. "a prior injection at the same region").
    public let when: Criterion?
    public let check: RuleCheck
    public let onFail: FailAction
    /// How a criterion the claim cannot carry is enforced at claim time (criteria rules only).
    public let atClaim: ClaimEnforcement
    /// Whether the policy file named `atClaim` (validation warns about criteria rules that do not).
    public let atClaimDeclared: Bool
    public let location: SourceLocation

    public init(id: String, citation: Citation, interpretation: String?, summary: String?, appliesTo: [String],
                when: Criterion?, check: RuleCheck, onFail: FailAction, atClaim: ClaimEnforcement? = nil,
                location: SourceLocation) {
        self.id = id; self.citation = citation; self.interpretation = interpretation; self.summary = summary
        self.appliesTo = appliesTo; self.when = when; self.check = check; self.onFail = onFail
        self.atClaim = atClaim ?? .review; self.atClaimDeclared = atClaim != nil; self.location = location
    }
}

/// How a rule's criteria are enforced on a submitted claim (stage `claim`), which carries no
/// clinical documentation. Code-checkable rules (diagnoses, limits, intervals, exclusions) are
/// decided from the claim itself at every stage and take no `atClaim`.
public enum ClaimEnforcement: String, Sendable, CaseIterable {
    /// The submission attests what it cannot carry: the line can be paid, and the determination
    /// lists the criterion as attested with the records a post-payment audit would request.
    case attested
    /// Met by an approved prior authorization on file for the member: its clinical facts stand in
    /// for what the claim cannot carry, and the line must be within what was authorized (code,
    /// units, dates). None on file: denied (CARC 197); a number that does not apply: CARC 15;
    /// more units than remain authorized: CARC 198.
    case authorization
    /// Sent to medical review (pended with documentation requests), as before submission.
    case review
}

/// What a rule checks.
public enum RuleCheck: Sendable {
    /// The line's diagnoses must include one of these.
    case diagnoses([DiagnosisEntry])
    /// A tree of conditions over the encounter's documented facts.
    case criteria(Criterion)
    /// At most `max` services in a window.
    case limit(FrequencyLimit)
    /// At least `minDays` since the previous service.
    case interval(MinimumInterval)
    /// The codes are not payable (investigational or not covered).
    case exclusion(Exclusion)

    /// The CARC a denial under this check carries unless the rule names another (docs/determinations.md § Denial codes).
    public func defaultCARC() -> String {
        switch self {
        case .diagnoses: return "11"
        case .criteria: return "50"
        case .limit: return "119"
        case .interval: return "151"
        case .exclusion(let exclusion): return exclusion.status == .investigational ? "55" : "96"
        }
    }

    /// The remark codes that go with ``defaultCARC()`` when the rule names none: X12 requires one
    /// with 96, and N130 ("Consult plan benefit documents/guidelines for information about
    /// restrictions for this service") is the one for a service the plan does not cover.
    public func defaultRARC() -> [String] {
        if case .exclusion(let exclusion) = self, exclusion.status == .notCovered { return ["N130"] }
        return []
    }
}

/// What happens to a line when a rule's check is false.
public enum FailAction: Sendable, Equatable {
    case deny(carc: String, rarc: [String])
    /// Sent to a medical reviewer, with documentation requests.
    case pend
}

/// An entry of a supporting-diagnosis list: one code (a header covers its billable descendants) or an inclusive range.
public enum DiagnosisEntry: Sendable, Equatable, CustomStringConvertible {
    case code(String, SourceLocation)
    case range(from: String, to: String, SourceLocation)

    public var description: String {
        switch self {
        case .code(let code, _): return code
        case .range(let from, let to, _): return "\(from) – \(to)"
        }
    }

    public var location: SourceLocation {
        switch self {
        case .code(_, let location), .range(_, _, let location): return location
        }
    }
}

/// A condition over the encounter, evaluated in three-valued (Kleene) logic.
public indirect enum Criterion: Sendable {
    case all([Criterion])
    case any([Criterion])
    case atLeast(Int, [Criterion])
    case not(Criterion)
    case fact(Fact)
}

/// A named fact of the encounter that a criterion can test.
public enum Fact: Sendable, Hashable {
    /// An examination finding documented true.
    case finding(Finding)
    /// A course of conservative therapy of one of `types` (any when nil) lasting at least the given
    /// time, with one of `outcomes` (any when nil).
    case conservativeTherapy(types: Set<TherapyType>?, minDays: Int?, minMonths: Int?, outcomes: Set<TherapyOutcome>?)
    /// Medication of one of `classes` (any when nil), taken for at least `minDays` by the date of service,
    /// with one of `outcomes` (any when nil); when `current`, still being taken on the date of service.
    case pharmacotherapy(classes: Set<DrugClass>?, minDays: Int?, outcomes: Set<TherapyOutcome>?, current: Bool)
    /// The treatment plan includes one of these components.
    case treatmentPlan(Set<TherapyType>)
    /// Every one of these documents is in the record.
    case documented([DocumentationElement])
    /// The pain began within this bound before the date of service.
    case painOnset(OnsetBound)
    /// The response to the previous injection: at least this percent pain improvement.
    case priorImprovement(minPercent: Int)
    /// The response to the previous injection improved at least one of these measures.
    case priorResponse(Set<ResponseMeasure>)
    /// The procedure names the injected muscles.
    case sitesDocumented
    /// The member has at least `atLeast` prior services of `codes` in the window and scope.
    case priorServices(PriorServiceCount)
}

/// Measures of response to a previous injection.
public enum ResponseMeasure: String, Sendable, CaseIterable {
    case pain, function
    case rangeOfMotion = "range_of_motion"
}

/// How many prior services of some codes the member has, in a window and scope.
public struct PriorServiceCount: Sendable, Hashable {
    public var codes: [String]
    public var scope: LimitScope
    public var window: Window?
    public var atLeast: Int

    public init(codes: [String], scope: LimitScope, window: Window?, atLeast: Int) {
        self.codes = codes; self.scope = scope; self.window = window; self.atLeast = atLeast
    }
}

/// A frequency limit: at most `max` of what `count` counts, within `window`, per `scope`, the current service included.
public struct FrequencyLimit: Sendable {
    public enum Count: String, Sendable, CaseIterable {
        case procedures
        case datesOfService = "dates_of_service"
    }

    public var max: Int
    public var count: Count
    public var window: Window
    public var scope: LimitScope
    public var codes: [String]

    public init(max: Int, count: Count, window: Window, scope: LimitScope, codes: [String]) {
        self.max = max; self.count = count; self.window = window; self.scope = scope; self.codes = codes
    }
}

/// A minimum number of days between services.
public struct MinimumInterval: Sendable {
    public var minDays: Int
    public var scope: LimitScope
    public var codes: [String]

    public init(minDays: Int, scope: LimitScope, codes: [String]) {
        self.minDays = minDays; self.scope = scope; self.codes = codes
    }
}

/// Where a limit counts: all the member's services, those at the same anatomic region, or the same muscle.
public enum LimitScope: String, Sendable, CaseIterable {
    case member
    case anatomicRegion = "anatomic_region"
    case muscle
}

/// How long before the date of service a pain may have begun to count as new.
public enum OnsetBound: Sendable, Hashable, CustomStringConvertible {
    /// At most `n` days from onset to the date of service (a pain that began `n` days before counts).
    case days(Int)
    /// After the same day `n` calendar months before the date of service.
    case months(Int)

    /// Whether a pain that began on `onset` is within the bound on `dateOfService` (never after it).
    public func admits(_ onset: LocalDate, on dateOfService: LocalDate) -> Bool {
        guard onset <= dateOfService else { return false }
        switch self {
        case .days(let n): return onset.days(until: dateOfService) <= n
        case .months(let n): return onset > dateOfService.adding(months: -n)
        }
    }

    public var description: String {
        switch self {
        case .days(let n): return "\(n) days"
        case .months(let n): return "\(n) month\(n == 1 ? "" : "s")"
        }
    }
}

/// A look-back window ending on the date of service (inclusive).
public enum Window: Sendable, Hashable, CustomStringConvertible {
    /// The `n` days ending on the date of service: dates d with DOS − d < n.
    case days(Int)
    /// Dates after the same day `n` calendar months before the date of service.
    case months(Int)
    /// The calendar year of the date of service.
    case calendarYear

    public func contains(_ date: LocalDate, endingOn end: LocalDate) -> Bool {
        date <= end && date >= start(endingOn: end)
    }

    /// The first date of the window that ends on `end` (after `end` when the window is empty).
    /// Worked out once, a long history is checked with two comparisons per service.
    public func start(endingOn end: LocalDate) -> LocalDate {
        switch self {
        case .days(let n): return end.adding(days: 1 - n)
        case .months(let n): return end.adding(months: -n).adding(days: 1)
        case .calendarYear: return end.firstDayOfYear
        }
    }

    public var description: String {
        switch self {
        case .days(let n): return "\(n) days"
        case .months(let n): return n == 12 ? "12 months" : "\(n) months"
        case .calendarYear: return "calendar year"
        }
    }
}

/// Codes a policy does not pay: investigational (CARC 55) or not covered (CARC 96).
public struct Exclusion: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case investigational
        case notCovered = "not_covered"
    }

    public var codes: [String]
    /// Excluded only when billed with one of these (imaging guidance with a TPI); always when nil.
    public var withCodes: [String]?
    public var status: Status

    public init(codes: [String], withCodes: [String]?, status: Status) {
        self.codes = codes; self.withCodes = withCodes; self.status = status
    }
}
