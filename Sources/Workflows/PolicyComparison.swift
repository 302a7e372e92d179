import CodeSets
import Foundation
import Model
import Policies

/// Two policies compared rule by rule (`medpolicy policies diff`): two revisions of one payer's
/// policy, or two payers' policies. Rules pair by id, then by the part after the payer prefix
/// (`mcr.diagnosis` ↔ `hp.diagnosis`); diagnosis lists are compared as the billable codes they
/// cover on a date.
public struct PolicyComparison: Codable, Sendable {
    /// One field that differs: its name and both values as text.
    public struct Change: Codable, Sendable {
        public let field: String
        public let old: String?
        public let new: String?
    }

    /// A rule present in both, and what differs.
    public struct RuleChange: Codable, Sendable {
        public let old: String
        public let new: String
        public let changes: [Change]
        /// Billable diagnosis codes covered by the new rule and not the old one, and the reverse.
        public let diagnosesAdded: [String]?
        public let diagnosesRemoved: [String]?
    }

    /// A rule only one side has.
    public struct RuleSummary: Codable, Sendable {
        public let id: String
        public let check: String
        public let summary: String?
        public let citation: String
    }

    public let old: String
    public let new: String
    /// The date the diagnosis lists are expanded on.
    public let date: LocalDate
    public let policyChanges: [Change]
    public let added: [RuleSummary]
    public let removed: [RuleSummary]
    public let changed: [RuleChange]
    /// Rules in both with nothing different.
    public let unchanged: [String]

    public init(old: Policy, new: Policy, on date: LocalDate, icd: ICD10CM) {
        self.old = old.id; self.new = new.id; self.date = date
        var policyChanges: [Change] = []
        func note(_ field: String, _ a: String?, _ b: String?) { if a != b { policyChanges.append(Change(field: field, old: a, new: b)) } }
        note("payer", old.payer, new.payer)
        note("title", old.title, new.title)
        note("source", old.source, new.source)
        note("effective", Self.period(old), Self.period(new))
        note("linesOfBusiness", Self.lines(old), Self.lines(new))
        note("jurisdiction", Self.jurisdiction(old), Self.jurisdiction(new))
        note("governs", old.governs.joined(separator: ", "), new.governs.joined(separator: ", "))
        note("exceptions", old.exceptions.map(Self.exception).joined(separator: "; "), new.exceptions.map(Self.exception).joined(separator: "; "))
        note("documentationRequests", old.documentationRequests.map(\.name).joined(separator: "; "), new.documentationRequests.map(\.name).joined(separator: "; "))
        self.policyChanges = policyChanges

        // Pair by id, then by the id without its payer prefix.
        var pairs: [(Rule, Rule)] = []
        var unpairedNew = new.rules
        var unpairedOld: [Rule] = []
        for rule in old.rules {
            if let index = unpairedNew.firstIndex(where: { $0.id == rule.id }) { pairs.append((rule, unpairedNew.remove(at: index))) } else { unpairedOld.append(rule) }
        }
        var stillOld: [Rule] = []
        for rule in unpairedOld {
            if let index = unpairedNew.firstIndex(where: { Self.stem($0.id) == Self.stem(rule.id) }) { pairs.append((rule, unpairedNew.remove(at: index))) } else { stillOld.append(rule) }
        }
        removed = stillOld.map { Self.summary($0, old) }
        added = unpairedNew.map { Self.summary($0, new) }
        var changed: [RuleChange] = [], unchanged: [String] = []
        for (a, b) in pairs {
            var changes: [Change] = []
            func note(_ field: String, _ x: String?, _ y: String?) { if x != y { changes.append(Change(field: field, old: x, new: y)) } }
            note("check", Self.kind(a.check), Self.kind(b.check))
            // The section; a changed source document shows once, among the policy's changes.
            note("citation", a.citation.section, b.citation.section)
            note("onFail", Self.action(a), Self.action(b))
            note("appliesTo", a.appliesTo.joined(separator: ", "), b.appliesTo.joined(separator: ", "))
            note("when", a.when.map(Self.render), b.when.map(Self.render))
            note("atClaim", a.atClaimDeclared ? a.atClaim.rawValue : nil, b.atClaimDeclared ? b.atClaim.rawValue : nil)
            note("summary", a.summary, b.summary)
            note("interpretation", a.interpretation, b.interpretation)
            var diagnosesAdded: [String]?, diagnosesRemoved: [String]?
            switch (a.check, b.check) {
            case let (.diagnoses(x), .diagnoses(y)):
                let before = Set(DiagnosisEntry.billableCodes(x, on: date, icd: icd)), after = Set(DiagnosisEntry.billableCodes(y, on: date, icd: icd))
                if before != after {
                    diagnosesAdded = after.subtracting(before).sorted(); diagnosesRemoved = before.subtracting(after).sorted()
                    changes.append(Change(field: "diagnoses", old: "\(before.count) billable codes", new: "\(after.count) billable codes"))
                }
            case let (.limit(x), .limit(y)):
                note("limit.max", String(x.max), String(y.max)); note("limit.count", x.count.rawValue, y.count.rawValue)
                note("limit.window", x.window.description, y.window.description); note("limit.scope", x.scope.rawValue, y.scope.rawValue)
                note("limit.codes", x.codes.joined(separator: ", "), y.codes.joined(separator: ", "))
            case let (.interval(x), .interval(y)):
                note("interval.minDays", String(x.minDays), String(y.minDays)); note("interval.scope", x.scope.rawValue, y.scope.rawValue)
                note("interval.codes", x.codes.joined(separator: ", "), y.codes.joined(separator: ", "))
            case let (.criteria(x), .criteria(y)):
                note("criteria", Self.render(x), Self.render(y))
            case let (.exclusion(x), .exclusion(y)):
                note("exclude.codes", x.codes.joined(separator: ", "), y.codes.joined(separator: ", "))
                note("exclude.withCodes", x.withCodes?.joined(separator: ", "), y.withCodes?.joined(separator: ", "))
                note("exclude.status", x.status.rawValue, y.status.rawValue)
            default:
                note("rule", Self.describe(a.check), Self.describe(b.check))
            }
            if changes.isEmpty { unchanged.append(a.id == b.id ? a.id : "\(a.id) = \(b.id)") } else {
                changed.append(RuleChange(old: a.id, new: b.id, changes: changes, diagnosesAdded: diagnosesAdded, diagnosesRemoved: diagnosesRemoved))
            }
        }
        self.changed = changed; self.unchanged = unchanged
    }

    /// The comparison as text, one change a line.
    public var text: String {
        var out = ["\(old) → \(new) (diagnoses expanded on \(date))"]
        for change in policyChanges { out.append("  policy \(change.field): \(change.old ?? "none") → \(change.new ?? "none")") }
        for rule in removed { out.append("- removed \(rule.id) [\(rule.check)] \(rule.citation)" + (rule.summary.map { ": \($0)" } ?? "")) }
        for rule in added { out.append("+ added \(rule.id) [\(rule.check)] \(rule.citation)" + (rule.summary.map { ": \($0)" } ?? "")) }
        for rule in changed {
            out.append("~ changed \(rule.old == rule.new ? rule.old : "\(rule.old) → \(rule.new)")")
            for change in rule.changes where change.field != "summary" && change.field != "interpretation" {
                out.append("    \(change.field): \(change.old ?? "none") → \(change.new ?? "none")")
            }
            if rule.changes.contains(where: { $0.field == "summary" || $0.field == "interpretation" }) {
                out.append("    wording: " + rule.changes.filter { $0.field == "summary" || $0.field == "interpretation" }.map(\.field).joined(separator: ", ") + " changed")
            }
            if let added = rule.diagnosesAdded, !added.isEmpty { out.append("    diagnoses added (\(added.count)): \(Self.abbreviated(added))") }
            if let removed = rule.diagnosesRemoved, !removed.isEmpty { out.append("    diagnoses removed (\(removed.count)): \(Self.abbreviated(removed))") }
        }
        out.append("\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(unchanged.count) unchanged rule(s)")
        return out.joined(separator: "\n")
    }

    static func abbreviated(_ codes: [String]) -> String {
        codes.count <= 40 ? codes.joined(separator: ", ") : codes.prefix(40).joined(separator: ", ") + ", … (\(codes.count - 40) more; --format json lists all)"
    }

    static func stem(_ id: String) -> String { id.split(separator: ".", maxSplits: 1).last.map(String.init) ?? id }

    static func period(_ policy: Policy) -> String { "\(policy.effectiveFrom) to \(policy.effectiveTo?.description ?? "open")" }

    /// The contractor and its states, sorted; nil for a policy limited to no jurisdiction.
    static func jurisdiction(_ policy: Policy) -> String? {
        policy.jurisdiction.map { "\($0.contractor) (\($0.states.sorted().joined(separator: ", ")))" }
    }

    static func lines(_ policy: Policy) -> String { policy.linesOfBusiness.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "all" }

    static func exception(_ exception: ProgramException) -> String {
        switch exception.action {
        case .defer: return "\(exception.id) defers \(exception.linesOfBusiness.map(\.rawValue).sorted().joined(separator: ","))"
        case .route(let target): return "\(exception.id) routes \(exception.linesOfBusiness.map(\.rawValue).sorted().joined(separator: ",")) to \(target)"
        }
    }

    static func summary(_ rule: Rule, _ policy: Policy) -> RuleSummary {
        RuleSummary(id: rule.id, check: describe(rule.check), summary: rule.summary, citation: rule.citation.description)
    }

    static func kind(_ check: RuleCheck) -> String {
        switch check {
        case .diagnoses: return "diagnoses"
        case .criteria: return "criteria"
        case .limit: return "limit"
        case .interval: return "interval"
        case .exclusion: return "exclude"
        }
    }

    static func describe(_ check: RuleCheck) -> String {
        switch check {
        case .diagnoses(let entries): return "diagnoses: \(entries.count) entries"
        case .criteria(let criterion): return "criteria: " + render(criterion)
        case .limit(let limit): return "limit: at most \(limit.max) \(limit.count.rawValue) in \(limit.window) per \(limit.scope.rawValue) (\(limit.codes.joined(separator: ", ")))"
        case .interval(let interval): return "interval: at least \(interval.minDays) days per \(interval.scope.rawValue) (\(interval.codes.joined(separator: ", ")))"
        case .exclusion(let exclusion): return "exclude \(exclusion.status.rawValue): \(exclusion.codes.joined(separator: ", "))" + (exclusion.withCodes.map { " with \($0.joined(separator: ", "))" } ?? "")
        }
    }

    static func action(_ rule: Rule) -> String {
        switch rule.onFail {
        case .deny(let carc, let rarc): return "deny CARC \(carc)" + (rarc.isEmpty ? "" : " RARC \(rarc.joined(separator: ","))")
        case .pend: return "pend"
        }
    }

    /// A criterion as one line of text, sets sorted so that equal criteria read the same.
    static func render(_ criterion: Criterion) -> String {
        switch criterion {
        case .all(let items): return "all(" + items.map(render).joined(separator: ", ") + ")"
        case .any(let items): return "any(" + items.map(render).joined(separator: ", ") + ")"
        case .atLeast(let n, let items): return "atLeast \(n) of(" + items.map(render).joined(separator: ", ") + ")"
        case .not(let item): return "not(" + render(item) + ")"
        case .fact(let fact): return render(fact)
        }
    }

    static func render(_ fact: Fact) -> String {
        func set<T>(_ values: Set<T>?) -> String? { values.map { "[" + $0.map { "\($0)" }.sorted().joined(separator: ", ") + "]" } }
        func fields(_ name: String, _ parts: [(String, String?)]) -> String {
            name + " {" + parts.compactMap { key, value in value.map { "\(key): \($0)" } }.joined(separator: ", ") + "}"
        }
        switch fact {
        case .finding(let finding): return "finding \(finding)"
        case let .conservativeTherapy(types, minDays, minMonths, outcomes):
            return fields("conservativeTherapy", [("types", set(types)), ("minDays", minDays.map(String.init)), ("minMonths", minMonths.map(String.init)), ("outcomes", set(outcomes))])
        case let .pharmacotherapy(classes, minDays, outcomes, current):
            return fields("pharmacotherapy", [("classes", set(classes)), ("minDays", minDays.map(String.init)), ("outcomes", set(outcomes)), ("current", current ? "true" : nil)])
        case .treatmentPlan(let types): return "treatmentPlan " + (set(types) ?? "")
        case .documented(let elements): return "documented [" + elements.map(\.rawValue).joined(separator: ", ") + "]"
        case .painOnset(let bound): return "painOnset within \(bound)"
        case .priorImprovement(let percent): return "priorImprovement ≥ \(percent)%"
        case .priorResponse(let measures): return "priorResponse " + (set(measures) ?? "")
        case .sitesDocumented: return "sitesDocumented"
        case .priorServices(let count):
            return "priorServices {codes: \(count.codes.joined(separator: ", ")), scope: \(count.scope.rawValue), window: \(count.window?.description ?? "any"), atLeast: \(count.atLeast)}"
        }
    }
}
