import CodeSets
import Model

extension PolicyLibrary {
    /// Warnings that need the code sets: diagnosis codes in no carried release, headers read as
    /// covering their descendants, ranges matching no billable code. The published policies contain
    /// such entries (docs/decisions.md); they load, and are reported.
    public static func codeWarnings(for policy: Policy, icd: ICD10CM) -> [PolicyIssue] {
        var issues: [PolicyIssue] = []
        let dates = checkDates(for: policy, icd: icd)
        for rule in policy.rules {
            guard case .diagnoses(let entries) = rule.check else { continue }
            for entry in entries {
                switch entry {
                case .code(let code, let location):
                    if !icd.exists(code) {
                        issues.append(PolicyIssue(.warning, location, "\(code) (rule \(rule.id)) is in no carried ICD-10-CM release; it matches nothing"))
                    } else if dates.allSatisfy({ icd.status(of: code, on: $0) != .billable }) {
                        let descendants = dates.last.map { icd.billableDescendants(of: code, on: $0) } ?? []
                        let span = descendants.count > 1 ? "\(descendants.first!)–\(descendants.last!)" : descendants.first ?? "nothing"
                        issues.append(PolicyIssue(.warning, location,
                            "\(code) (rule \(rule.id)) is not billable in the releases in effect for this policy; read as covering its billable descendants (\(span))"))
                    }
                case .range(let from, let to, let location):
                    for end in [from, to] where !icd.exists(end) {
                        issues.append(PolicyIssue(.warning, location, "range end \(end) (rule \(rule.id)) is in no carried ICD-10-CM release"))
                    }
                    if dates.allSatisfy({ icd.billableCodes(inRangeFrom: from, to: to, on: $0).isEmpty }) {
                        issues.append(PolicyIssue(.warning, location, "range \(from) – \(to) (rule \(rule.id)) matches no billable code in any release in effect for this policy"))
                    }
                }
            }
        }
        return issues
    }

    /// One date in each carried fiscal year the policy is in effect (and its first day).
    static func checkDates(for policy: Policy, icd: ICD10CM) -> [LocalDate] {
        var dates = [policy.effectiveFrom]
        for release in icd.releases {
            guard let start = LocalDate(year: release.fiscalYear - 1, month: 10, day: 1) else { continue }
            if policy.isEffective(on: start) { dates.append(start) }
        }
        return dates.filter { icd.status(of: "M79.7", on: $0) != .noCodeSet }
    }
}
