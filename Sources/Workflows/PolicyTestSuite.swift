import Engine
import Foundation
import Model
import Policies
import Yams

/// Policy authors' test cases: `tests/<policy-file-stem>.yaml` beside the policy files, each an
/// encounter (Contract 1, written as YAML or JSON) and the parts of its determination (Contract 2)
/// the author expects. Only what a case states is compared (Policies/README.md § Test cases).
public struct PolicyTestFile: Sendable {
    /// One case: the encounter to decide and what its determination must contain.
    public struct Case: Sendable {
        public let name: String
        public let location: SourceLocation
        public let encounter: Encounter
        /// Decided under this payer instead of the encounter's own.
        public let payer: String?
        /// The expected parts of the determination, in its JSON shape plus `carcs`, `fails`, `passes`.
        public let expect: [(key: String, value: JSONValue, location: SourceLocation)]
    }

    public let path: String
    /// The policy the file tests (`policy:`); each case's determination must be decided by it
    /// unless the case expects another `policy`.
    public let policyId: String
    public let cases: [Case]

    /// Keys of `expect` beyond the determination's own: the set of CARCs on the claim and its
    /// lines, and the rules that gave a reason (`fails`) or governed a line without one (`passes`).
    static let extraKeys = ["carcs", "fails", "passes"]
    static let determinationKeys = ["outcome", "policy", "payer", "lines", "reasons", "coding", "documentation", "stage"]

    /// Reads one test file; every problem comes back located (`file:line: message`).
    public static func load(path: String) -> (file: PolicyTestFile?, issues: [PolicyIssue]) {
        func issue(_ line: Int, _ message: String) -> PolicyIssue { PolicyIssue(.error, SourceLocation(file: path, line: line), message) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (nil, [issue(1, "cannot read the file")])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text, .default, .default, .utf8) else { return (nil, [issue(1, "empty test file")]) }
            root = composed
        } catch let error as YamlError {
            return (nil, [issue(yamlErrorLine(error), "not valid YAML: \(error)")])
        } catch {
            return (nil, [issue(1, "not valid YAML: \(error)")])
        }
        var issues: [PolicyIssue] = []
        func line(_ node: Node) -> Int { node.mark?.line ?? 1 }
        guard case .mapping(let top) = root else { return (nil, [issue(line(root), "a test file must be a mapping with policy, encounter and cases")]) }
        var policyId: String?, base: JSONValue?, caseNodes: [Node] = []
        for (keyNode, value) in top {
            switch keyNode.scalar?.string {
            case "policy": policyId = value.scalar?.string
            case "encounter": base = json(value)
            case "cases":
                guard case .sequence(let sequence) = value else { issues.append(issue(line(value), "cases must be a list")); continue }
                caseNodes = Array(sequence)
            default: issues.append(issue(line(keyNode), "unknown key '\(keyNode.scalar?.string ?? "?")' (expected one of: policy, encounter, cases)"))
            }
        }
        guard let policyId, !policyId.isEmpty else { return (nil, issues + [issue(line(root), "missing required key 'policy' (the id of the policy these cases test)")]) }
        if caseNodes.isEmpty { issues.append(issue(line(root), "no cases")) }
        var cases: [Case] = []
        var names: Set<String> = []
        for node in caseNodes {
            let at = line(node)
            guard case .mapping(let mapping) = node else { issues.append(issue(at, "a case must be a mapping")); continue }
            var name: String?, change: JSONValue?, whole: JSONValue?, payer: String?, expectNode: Node?
            for (keyNode, value) in mapping {
                switch keyNode.scalar?.string {
                case "name": name = value.scalar?.string
                case "change": change = json(value)
                case "encounter": whole = json(value)
                case "payer": payer = value.scalar?.string
                case "expect": expectNode = value
                default: issues.append(issue(line(keyNode), "unknown key '\(keyNode.scalar?.string ?? "?")' in case (expected one of: name, change, encounter, payer, expect)"))
                }
            }
            guard let name, !name.isEmpty else { issues.append(issue(at, "a case needs a name")); continue }
            if !names.insert(name).inserted { issues.append(issue(at, "duplicate case name '\(name)'")) }
            guard let start = whole ?? base else { issues.append(issue(at, "case '\(name)': no encounter (give the file an encounter, or the case one)")); continue }
            let value = change.map { merged(start, $0) } ?? start
            var encounter: Encounter?
            do { encounter = try EncounterReader.decode(value) } catch {
                issues += error.errors.map { issue(at, "case '\(name)': encounter: \($0)") }
            }
            guard let expectNode, case .mapping(let expectations) = expectNode, !expectations.isEmpty else {
                issues.append(issue(at, "case '\(name)': missing expect (what the determination must contain)"))
                continue
            }
            var expect: [(key: String, value: JSONValue, location: SourceLocation)] = []
            for (keyNode, value) in expectations {
                let key = keyNode.scalar?.string ?? ""
                guard determinationKeys.contains(key) || extraKeys.contains(key) else {
                    issues.append(issue(line(keyNode), "case '\(name)': unknown key '\(key)' in expect (expected one of: \((determinationKeys + extraKeys).joined(separator: ", ")))"))
                    continue
                }
                expect.append((key, json(value), SourceLocation(file: path, line: line(keyNode))))
            }
            guard let encounter else { continue }
            cases.append(Case(name: name, location: SourceLocation(file: path, line: at), encounter: encounter, payer: payer, expect: expect))
        }
        if issues.contains(where: { $0.severity == .error }) { return (nil, issues) }
        return (PolicyTestFile(path: path, policyId: policyId, cases: cases), issues)
    }

    private static func yamlErrorLine(_ error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    /// A YAML node as JSON: plain scalars that YAML reads as numbers, booleans or null become
    /// those; everything else (quoted text, dates) stays text.
    static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain || scalar.style == .any {
                if node.null != nil { return .null }
                if let value = node.bool { return .bool(value) }
                if let value = node.int { return .integer(value) }
                if let value = node.float { return .number(value) }
            }
            return .string(scalar.string)
        case .sequence(let sequence): return .array(sequence.map(json))
        case .mapping(let mapping): return .object(mapping.map { (key: $0.key.scalar?.string ?? "", value: json($0.value)) })
        case .alias: return .null
        }
    }

    /// `change` laid over `base`: mappings merge key by key, `null` removes a key, anything else replaces.
    static func merged(_ base: JSONValue, _ change: JSONValue) -> JSONValue {
        guard case .object(var fields) = base, case .object(let changes) = change else { return change }
        for (key, value) in changes {
            if case .null = value { fields.removeAll { $0.key == key }; continue }
            if let index = fields.firstIndex(where: { $0.key == key }) {
                fields[index].value = merged(fields[index].value, value)
            } else {
                fields.append((key, value))
            }
        }
        return .object(fields)
    }
}

/// Runs policy test files against the loaded policies and checks that every rule has a case on
/// each side.
public struct PolicyTestRun: Sendable {
    /// A difference between what a case expects and what the engine decided.
    public struct Difference: Sendable, CustomStringConvertible {
        public let location: SourceLocation
        public let caseName: String
        public let path: String
        public let expected: String
        public let got: String
        public var description: String { "\(location): case '\(caseName)': \(path): expected \(expected), got \(got)" }
    }

    /// A rule no case shows passing, or none shows failing.
    public struct MissingSide: Sendable, CustomStringConvertible {
        public let policy: Policy
        public let rule: Rule
        public let side: String
        public var description: String { "\(rule.location): rule \(rule.id) of \(policy.id) has no \(side) case" }
    }

    public private(set) var caseCount = 0
    public private(set) var failedCases = 0
    public private(set) var differences: [Difference] = []
    public private(set) var missing: [MissingSide] = []
    /// Policies with no test file.
    public private(set) var untested: [Policy] = []

    /// Runs every case of `files` with `evaluator`, then checks rule coverage over `evaluator`'s library.
    public init(files: [PolicyTestFile], evaluator: Evaluator) {
        var passing: [String: Set<String>] = [:], failing: [String: Set<String>] = [:]
        for file in files {
            for testCase in file.cases {
                caseCount += 1
                let determination = evaluator.evaluate(testCase.encounter, payer: testCase.payer)
                let found = Self.compare(testCase, file: file, determination)
                if !found.isEmpty { failedCases += 1; differences += found; continue }
                guard let policyId = determination.policy?.id else { continue }
                var sides = Self.ruleSides(determination)
                if let policy = evaluator.context.library.policy(id: policyId), determination.lines.contains(where: { $0.outcome == .approved }) {
                    for rule in policy.rules where !sides.fails.contains(rule.id) {
                        if case .exclusion = rule.check { sides.passes.insert(rule.id) }
                    }
                }
                passing[policyId, default: []].formUnion(sides.passes)
                failing[policyId, default: []].formUnion(sides.fails)
            }
        }
        let tested = Set(files.map(\.policyId))
        for policy in evaluator.context.library.policies {
            if !tested.contains(policy.id) { untested.append(policy) }
            for rule in policy.rules {
                if !(passing[policy.id]?.contains(rule.id) ?? false) { missing.append(MissingSide(policy: policy, rule: rule, side: "passing")) }
                if !(failing[policy.id]?.contains(rule.id) ?? false) { missing.append(MissingSide(policy: policy, rule: rule, side: "failing")) }
            }
        }
    }

    /// Rules that gave a reason, and rules that governed a line and gave none. An exclusion never
    /// passes on its own codes: it passes in a case where a line was decided and it did not fire.
    static func ruleSides(_ determination: Determination) -> (passes: Set<String>, fails: Set<String>) {
        var fails = Set(determination.reasons.map(\.rule))
        var passes: Set<String> = []
        for line in determination.lines {
            let gave = Set(line.reasons.map(\.rule))
            fails.formUnion(gave)
            passes.formUnion((line.evaluated ?? []).filter { !gave.contains($0) })
        }
        return (passes, fails)
    }

    static func compare(_ testCase: PolicyTestFile.Case, file: PolicyTestFile, _ determination: Determination) -> [Difference] {
        var differences: [Difference] = []
        func differ(_ location: SourceLocation, _ path: String, _ expected: String, _ got: String) {
            differences.append(Difference(location: location, caseName: testCase.name, path: path, expected: expected, got: got))
        }
        let actual: JSONValue
        do { actual = try JSONValue.parse(Data(CanonicalJSON.encode(determination))) } catch {
            differ(testCase.location, "determination", "JSON", "\(error)")
            return differences
        }
        let expectsPolicy = testCase.expect.contains { $0.key == "policy" }
        if !expectsPolicy, determination.policy?.id != file.policyId {
            differ(testCase.location, "policy.id", quoted(file.policyId), determination.policy.map { quoted($0.id) } ?? "no policy")
        }
        let sides = ruleSides(determination)
        for (key, expected, location) in testCase.expect {
            switch key {
            case "carcs":
                let carcs = Set((determination.reasons + determination.lines.flatMap(\.reasons)).compactMap(\.carc))
                let wanted = Set(strings(expected))
                if carcs != wanted { differ(location, "carcs", list(wanted), list(carcs)) }
            case "fails":
                let wanted = Set(strings(expected))
                if !wanted.isSubset(of: sides.fails) { differ(location, "fails", list(wanted), list(sides.fails)) }
            case "passes":
                let wanted = Set(strings(expected))
                let notPassed = wanted.subtracting(sides.passes.subtracting(sides.fails))
                if !notPassed.isEmpty { differ(location, "passes", list(wanted), "\(list(notPassed)) not passing (failed: \(list(sides.fails)))") }
            case "policy":
                // A policy id alone, or the policy reference's fields.
                let got = field(actual, "policy")
                if case .string(let id) = expected {
                    let gotId = got.flatMap { field($0, "id") }
                    if gotId != .string(id) { differ(location, "policy.id", quoted(id), gotId.map(render) ?? "no policy") }
                } else {
                    match(expected, got, "policy", location, &differences, testCase.name)
                }
            default:
                match(expected, field(actual, key), key, location, &differences, testCase.name)
            }
        }
        return differences
    }

    /// Objects match when every stated key matches; lists element by element, of equal length; scalars as text.
    static func match(_ expected: JSONValue, _ got: JSONValue?, _ path: String, _ location: SourceLocation,
                      _ differences: inout [Difference], _ caseName: String) {
        func differ(_ expected: String, _ got: String) {
            differences.append(Difference(location: location, caseName: caseName, path: path, expected: expected, got: got))
        }
        switch expected {
        case .object(let fields):
            guard let got, case .object = got else { return differ(render(expected), got.map(render) ?? "nothing") }
            for (key, value) in fields { match(value, field(got, key), path + "." + key, location, &differences, caseName) }
        case .array(let items):
            guard let got, case .array(let gotItems) = got else { return differ(render(expected), got.map(render) ?? "nothing") }
            guard items.count == gotItems.count else {
                return differ("\(items.count) item(s) \(render(expected))", "\(gotItems.count) item(s) \(render(got))")
            }
            for (index, item) in items.enumerated() { match(item, gotItems[index], "\(path)[\(index)]", location, &differences, caseName) }
        default:
            let same: Bool
            switch (expected, got) {
            case (.null, nil), (.null, .null?): same = true
            case (_, let got?): same = scalarText(expected) != nil && scalarText(expected) == scalarText(got)
            default: same = false
            }
            if !same { differ(render(expected), got.map(render) ?? "nothing") }
        }
    }

    static func field(_ value: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let fields) = value else { return nil }
        return fields.first { $0.key == key }?.value
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): return String(flag)
        case .null: return "null"
        default: return nil
        }
    }

    static func strings(_ value: JSONValue) -> [String] {
        if case .array(let items) = value { return items.compactMap(scalarText) }
        return scalarText(value).map { [$0] } ?? []
    }

    static func render(_ value: JSONValue) -> String {
        String(decoding: value.jsonBytes(), as: UTF8.self)
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }
    static func list(_ items: Set<String>) -> String { "[" + items.sorted().joined(separator: ", ") + "]" }
}

extension PolicyTestFile {
    /// The test files of a policy directory: `tests/*.yaml` (or `*.yml`) under it, sorted.
    public static func files(inPolicyDirectory directory: String) -> [String] {
        let tests = (directory as NSString).appendingPathComponent(PolicyLibrary.testDirectoryName)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tests)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (tests as NSString).appendingPathComponent($0) }
    }
}
