import CodeSets
import Model
import Policies

/// Everything the engine reads besides the encounter: policies and code sets, loaded once.
///
/// Supporting-diagnosis lists are expanded here, once per fiscal year carried, into sets of
/// billable codes, so that a decision is a hash lookup rather than a walk over ranges.
public final class EvaluationContext: Sendable {
    public let library: PolicyLibrary
    public let icd: ICD10CM
    public let tables: CodeTables
    public let muscles: MuscleCatalog
    /// By rule (rules are objects, one per policy file entry), then by fiscal year.
    private let supportSets: [ObjectIdentifier: [Int: Set<String>]]
    private let fiscalYears: ClosedRange<Int>
    /// Every rule's criteria (its `when` and a criteria check), compiled once.
    let criteria: CriterionProgram
    /// By policy: what the context derived from it once.
    private let policyPlans: [ObjectIdentifier: PolicyPlan]

    public init(library: PolicyLibrary, icd: ICD10CM, tables: CodeTables, muscles: MuscleCatalog) {
        self.library = library
        self.icd = icd
        self.tables = tables
        self.muscles = muscles
        let carried = icd.releases.map(\.fiscalYear)
        let first = carried.min() ?? 2016, last = (carried.max() ?? 2016) + 1
        fiscalYears = first...last
        var sets: [ObjectIdentifier: [Int: Set<String>]] = [:]
        for policy in library.policies {
            for rule in policy.rules {
                guard case .diagnoses(let entries) = rule.check else { continue }
                var byYear: [Int: Set<String>] = [:]
                for year in first...last {
                    guard let date = LocalDate(year: year - 1, month: 10, day: 1) else { continue }
                    byYear[year] = EvaluationContext.expand(entries, on: date, icd: icd)
                }
                sets[ObjectIdentifier(rule)] = byYear
            }
        }
        supportSets = sets
        var compiler = CriterionCompiler()
        var plans: [ObjectIdentifier: PolicyPlan] = [:]
        for policy in library.policies { plans[ObjectIdentifier(policy)] = PolicyPlan(policy, compiler: &compiler) }
        criteria = CriterionProgram(compiler)
        policyPlans = plans
    }

    /// What the context derived from `policy`; `nil` for a policy that is not one of the context's.
    func plan(of policy: Policy) -> PolicyPlan? { policyPlans[ObjectIdentifier(policy)] }

    /// The billable codes (compact form) a diagnosis list supports on a date: a listed billable code
    /// itself, a listed header's billable descendants, and every billable code in a listed range.
    static func expand(_ entries: [DiagnosisEntry], on date: LocalDate, icd: ICD10CM) -> Set<String> {
        var codes: Set<String> = []
        for entry in entries {
            switch entry {
            case .code(let code, _):
                switch icd.status(of: code, on: date) {
                case .billable: codes.insert(DiagnosisCodeShape.compact(code))
                case .header: codes.formUnion(icd.billableDescendants(of: code, on: date).map(DiagnosisCodeShape.compact))
                case .notValid, .noCodeSet: break
                }
            case .range(let from, let to, _):
                codes.formUnion(icd.billableCodes(inRangeFrom: from, to: to, on: date).map(DiagnosisCodeShape.compact))
            }
        }
        return codes
    }

    /// Supporting codes of a diagnosis rule for the fiscal year of `date`.
    func supportingDiagnoses(rule: Rule, on date: LocalDate) -> Set<String> {
        guard let byYear = supportSets[ObjectIdentifier(rule)] else {
            guard case .diagnoses(let entries) = rule.check else { return [] }
            return EvaluationContext.expand(entries, on: date, icd: icd)
        }
        let year = min(max(date.fiscalYear, fiscalYears.lowerBound), fiscalYears.upperBound)
        return byYear[year] ?? []
    }
}

/// A policy's rules arranged for deciding: by rule position, where each rule's criteria start in
/// the ``CriterionProgram``; by procedure code, the positions of the rules that may govern a line
/// of that code (its own codes, or the codes it excludes), in policy order.
final class PolicyPlan: Sendable {
    let criteria: [RuleCriteria]
    private let rulesByCode: [String: [Int]]

    init(_ policy: Policy, compiler: inout CriterionCompiler) {
        var criteria: [RuleCriteria] = []
        var byCode: [String: [Int]] = [:]
        for (position, rule) in policy.rules.enumerated() {
            criteria.append(compiler.compile(rule))
            let codes: [String]
            if case .exclusion(let exclusion) = rule.check { codes = exclusion.codes } else { codes = rule.appliesTo }
            for code in Set(codes) { byCode[code, default: []].append(position) }
        }
        self.criteria = criteria
        rulesByCode = byCode
    }

    /// Positions of the rules that may govern a line of `code`, in policy order.
    func rules(for code: String) -> [Int] { rulesByCode[code] ?? [] }
}

/// Where a rule's criteria start in a ``CriterionProgram``.
struct RuleCriteria: Sendable {
    /// The root of the rule's `when`.
    var when: Int?
    /// The root of its criteria check.
    var check: Int?
}
