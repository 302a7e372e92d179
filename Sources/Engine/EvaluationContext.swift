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
    /// What the context derived from each policy, by position in `library.policies`.
    private let plans: [PolicyPlan]

    public init(library: PolicyLibrary, icd: ICD10CM, tables: CodeTables, muscles: MuscleCatalog) {
        self.library = library
        self.icd = icd
        self.tables = tables
        self.muscles = muscles
        let carried = icd.releases.map(\.fiscalYear)
        let fiscalYears = (carried.min() ?? 2016)...((carried.max() ?? 2016) + 1)
        var compiler = CriterionCompiler()
        plans = library.policies.map { PolicyPlan($0, compiler: &compiler, icd: icd, fiscalYears: fiscalYears) }
        criteria = CriterionProgram(compiler)
    }

    /// What the context derived from `policy`; `nil` for a policy that is not one of the context's.
    func plan(of policy: Policy) -> PolicyPlan? {
        // By identity over a handful of policies: cheaper than hashing an identifier.
        let policies = library.policies
        for index in policies.indices where policies[index] === policy { return plans[index] }
        return nil
    }
}

/// A policy's rules arranged for deciding: by rule position, where each rule's criteria start in
/// the ``CriterionProgram``; by procedure code, the positions of the rules that may govern a line
/// of that code (its own codes, or the codes it excludes), in policy order.
final class PolicyPlan: Sendable {
    let criteria: [RuleCriteria]
    private let rulesByCode: StringTable<CodeRules>
    /// By rule position, for a diagnosis rule: its supporting codes (keys) for each fiscal
    /// year from `fiscalYears.lowerBound` on, so that a decision is one lookup, not a walk over ranges.
    private let supportSets: [[Set<DiagnosisKey>]]
    private let fiscalYears: ClosedRange<Int>?
    private let icd: ICD10CM

    /// - Parameter fiscalYears: the years to expand supporting-diagnosis lists for, once; `nil`
    ///   expands them for each decision's date instead (a policy decided once).
    init(_ policy: Policy, compiler: inout CriterionCompiler, icd: ICD10CM, fiscalYears: ClosedRange<Int>?) {
        var criteria: [RuleCriteria] = []
        var byCode: [String: [Int]] = [:]
        var support: [[Set<DiagnosisKey>]] = []
        for (position, rule) in policy.rules.enumerated() {
            criteria.append(compiler.compile(rule))
            let codes: [String]
            if case .exclusion(let exclusion) = rule.check { codes = exclusion.codes } else { codes = rule.appliesTo }
            for code in Set(codes) { byCode[code, default: []].append(position) }
            var byYear: [Set<DiagnosisKey>] = []
            if case .diagnoses(let entries) = rule.check, let fiscalYears {
                for year in fiscalYears {
                    let date = LocalDate(year: year - 1, month: 10, day: 1)
                    byYear.append(date.map { Self.expand(entries, on: $0, icd: icd) } ?? [])
                }
            }
            support.append(byYear)
        }
        self.criteria = criteria
        rulesByCode = StringTable(byCode.mapValues { CodeRules(positions: $0, ids: $0.map { policy.rules[$0].id }) })
        supportSets = support
        self.fiscalYears = fiscalYears
        self.icd = icd
    }

    /// The rules that may govern a line of `code`, in policy order.
    func rules(for code: String) -> CodeRules { rulesByCode[code] ?? .none }

    /// Supporting codes of the diagnosis rule at `position` for the fiscal year of `date`.
    func supportingDiagnoses(_ rule: Rule, at position: Int, on date: LocalDate) -> Set<DiagnosisKey> {
        guard let fiscalYears else {
            guard case .diagnoses(let entries) = rule.check else { return [] }
            return Self.expand(entries, on: date, icd: icd)
        }
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
final class CodeRules: Sendable {
    /// Their positions in the policy.
    let positions: [Int]
    /// Their ids, as a line's determination lists them when every one of them governs it (the
    /// usual case): one shared list, not one built, id by id, on every decision.
    let ids: [String]

    init(positions: [Int], ids: [String]) { self.positions = positions; self.ids = ids }

    static let none = CodeRules(positions: [], ids: [])
}

/// Where a rule's criteria start in a ``CriterionProgram``.
struct RuleCriteria: Sendable {
    /// The root of the rule's `when`.
    var when: Int?
    /// The root of its criteria check.
    var check: Int?
}
