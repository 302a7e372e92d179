import CodeSets
import Model
import Policies

/// Everything the engine reads besides the encounter: policies and code sets, loaded once.
///
/// Each policy is planned here once (``PolicyPlan``): its rules by code, its criteria compiled,
/// its supporting-diagnosis lists expanded per fiscal year carried.
public final class EvaluationContext: Sendable {
    public let library: PolicyLibrary
    public let icd: ICD10CM
    public let tables: CodeTables
    public let muscles: MuscleCatalog
    /// Every rule's criteria (its `when` and a criteria check), compiled once.
    let criteria: CriterionProgram
    /// What the context derived from each policy, by policy id.
    private let plans: [String: PolicyPlan]

    public init(library: PolicyLibrary, icd: ICD10CM, tables: CodeTables, muscles: MuscleCatalog) {
        self.library = library
        self.icd = icd
        self.tables = tables
        self.muscles = muscles
        let carried = icd.releases.map(\.fiscalYear)
        let fiscalYears = (carried.min() ?? 2016)...((carried.max() ?? 2016) + 1)
        var compiler = CriterionCompiler()
        var plans: [String: PolicyPlan] = [:]
        for policy in library.policies where plans[policy.id] == nil {
            plans[policy.id] = PolicyPlan(policy, compiler: &compiler, icd: icd, fiscalYears: fiscalYears)
        }
        self.plans = plans
        criteria = CriterionProgram(compiler)
    }

    /// What the context derived from `policy`, one of its library's (the engine decides no other).
    func plan(of policy: Policy) -> PolicyPlan {
        guard let plan = plans[policy.id] else { preconditionFailure("policy \(policy.id) is not in the evaluation context") }
        return plan
    }
}

/// A policy's rules arranged for deciding: by rule position, where each rule's criteria start in
/// the ``CriterionProgram``; by procedure code, the positions of the rules that may govern a line
/// of that code (its own codes, or the codes it excludes), in policy order.
struct PolicyPlan: Sendable {
    let criteria: [RuleCriteria]
    private let rulesByCode: [String: CodeRules]
    /// By rule position, for a diagnosis rule: its supporting codes (keys) for each fiscal
    /// year from `fiscalYears.lowerBound` on, so that a decision is one lookup, not a walk over ranges.
    private let supportSets: [[Set<DiagnosisKey>]]
    private let fiscalYears: ClosedRange<Int>

    /// - Parameter fiscalYears: the years to expand supporting-diagnosis lists for.
    init(_ policy: Policy, compiler: inout CriterionCompiler, icd: ICD10CM, fiscalYears: ClosedRange<Int>) {
        var criteria: [RuleCriteria] = []
        var byCode: [String: [Int]] = [:]
        var support: [[Set<DiagnosisKey>]] = []
        for (position, rule) in policy.rules.enumerated() {
            criteria.append(compiler.compile(rule))
            let codes: [String]
            if case .exclusion(let exclusion) = rule.check { codes = exclusion.codes } else { codes = rule.appliesTo }
            for code in Set(codes) { byCode[code, default: []].append(position) }
            var byYear: [Set<DiagnosisKey>] = []
            if case .diagnoses(let entries) = rule.check {
                for year in fiscalYears {
                    let date = LocalDate(year: year - 1, month: 10, day: 1)
                    byYear.append(date.map { Self.expand(entries, on: $0, icd: icd) } ?? [])
                }
            }
            support.append(byYear)
        }
        self.criteria = criteria
        rulesByCode = byCode.mapValues { CodeRules(positions: $0, ids: $0.map { policy.rules[$0].id }) }
        supportSets = support
        self.fiscalYears = fiscalYears
    }

    /// The rules that may govern a line of `code`, in policy order.
    func rules(for code: String) -> CodeRules { rulesByCode[code] ?? CodeRules(positions: [], ids: []) }

    /// Supporting codes of the diagnosis rule at `position` for the fiscal year of `date`.
    func supportingDiagnoses(at position: Int, on date: LocalDate) -> Set<DiagnosisKey> {
        let year = min(max(date.fiscalYear, fiscalYears.lowerBound), fiscalYears.upperBound)
        let sets = supportSets[position]
        return sets.isEmpty ? [] : sets[year - fiscalYears.lowerBound]
    }

    /// The billable codes (keys) a diagnosis list supports on a date (``DiagnosisEntry/billableCodes(_:on:icd:)``).
    static func expand(_ entries: [DiagnosisEntry], on date: LocalDate, icd: ICD10CM) -> Set<DiagnosisKey> {
        Set(DiagnosisEntry.billableCodes(entries, on: date, icd: icd).compactMap(DiagnosisKey.init))
    }
}

/// The rules of a policy that may govern a line of one code, in policy order.
struct CodeRules: Sendable {
    /// Their positions in the policy.
    let positions: [Int]
    /// Their ids, as a line's determination lists them when every one of them governs it.
    let ids: [String]
}

/// Where a rule's criteria start in a ``CriterionProgram``.
struct RuleCriteria: Sendable {
    /// The root of the rule's `when`.
    var when: Int?
    /// The root of its criteria check.
    var check: Int?
}
