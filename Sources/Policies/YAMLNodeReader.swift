import Model
import Yams

/// Walks a composed YAML tree for one file, recording `file:line` issues instead of throwing,
/// so that a policy author sees every problem in one run.
final class YAMLNodeReader {
    let file: String
    /// The file's last line. libyaml puts what it finds at the end of a file without a final line
    /// break (an empty value, an error) on the line after it: such a place is shown on the last line.
    let lastLine: Int
    private(set) var issues: [PolicyIssue] = []

    init(file: String, text: String) {
        self.file = file
        self.lastLine = PolicyLoader.lineCount(text)
    }

    func location(line: Int) -> SourceLocation { SourceLocation(file: file, line: min(max(1, line), lastLine)) }
    func location(_ node: Node) -> SourceLocation { location(line: node.mark?.line ?? 1) }

    func error(_ node: Node, _ message: String) { issues.append(PolicyIssue(.error, location(node), message)) }
    func error(_ location: SourceLocation, _ message: String) { issues.append(PolicyIssue(.error, location, message)) }
    func warning(_ location: SourceLocation, _ message: String) { issues.append(PolicyIssue(.warning, location, message)) }

    var hasErrors: Bool { issues.contains { $0.severity == .error } }

    /// A mapping whose keys must all be in `allowed`; `context` names it in messages ("rule", "limit").
    func mapping(_ node: Node, _ context: String, allowed: [String]) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping, got \(kind(node))")
            return nil
        }
        var seen: Set<String> = []
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { error(keyNode, "\(context) keys must be plain names"); continue }
            if !allowed.contains(key) {
                error(keyNode, "unknown key '\(key)' in \(context) (expected one of: \(allowed.joined(separator: ", ")))")
                continue
            }
            if !seen.insert(key).inserted { error(keyNode, "duplicate key '\(key)' in \(context)"); continue }
            entries.append((key, keyNode, value))
        }
        return YAMLMapping(reader: self, node: node, context: context, entries: entries)
    }

    func sequence(_ node: Node, _ context: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error(node, "\(context) must be a list, got \(kind(node))")
            return nil
        }
        return Array(sequence)
    }

    func string(_ node: Node, _ context: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            error(node, "\(context) must be text, got \(kind(node))")
            return nil
        }
        return scalar.string
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func integer(_ node: Node, _ context: String, minimum: Int = 0, maximum: Int = .max) -> Int? {
        guard let text = string(node, context) else { return nil }
        guard let value = Int(text) else { error(node, "\(context) must be a whole number, got '\(text)'"); return nil }
        guard value >= minimum else { error(node, "\(context) must be ≥ \(minimum), got \(value)"); return nil }
        guard value <= maximum else { error(node, "\(context) must be ≤ \(maximum), got \(value)"); return nil }
        return value
    }

    func boolean(_ node: Node, _ context: String) -> Bool? {
        guard let text = string(node, context) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: error(node, "\(context) must be true or false, got '\(text)'"); return nil
        }
    }

    func date(_ node: Node, _ context: String) -> LocalDate? {
        guard let text = string(node, context) else { return nil }
        guard let date = LocalDate(text) else { error(node, "\(context) must be a date YYYY-MM-DD, got '\(text)'"); return nil }
        return date
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ node: Node, _ context: String, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(node, context) else { return nil }
        guard let value = E(rawValue: text) else {
            error(node, "unknown \(context) '\(text)' (expected one of: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return value
    }

    /// A list whose elements are read by `element`; elements that fail are dropped (their errors recorded).
    func list<T>(_ node: Node, _ context: String, nonEmpty: Bool = true, _ element: (Node) -> T?) -> [T]? {
        guard let nodes = sequence(node, context) else { return nil }
        if nonEmpty, nodes.isEmpty { error(node, "\(context) must not be empty"); return nil }
        return nodes.compactMap(element)
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The checked entries of one YAML mapping.
struct YAMLMapping {
    let reader: YAMLNodeReader
    let node: Node
    let context: String
    let entries: [(key: String, keyNode: Node, value: Node)]

    var location: SourceLocation { reader.location(node) }

    subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { self[key] != nil }

    func keyLocation(_ key: String) -> SourceLocation {
        entries.first { $0.key == key }.map { reader.location($0.keyNode) } ?? location
    }

    /// Reads a required entry; records "missing required key" at the mapping when absent.
    func required<T>(_ key: String, _ read: (Node) -> T?) -> T? {
        guard let value = self[key] else {
            reader.error(node, "missing required key '\(key)' in \(context)")
            return nil
        }
        return read(value)
    }

    func optional<T>(_ key: String, _ read: (Node) -> T?) -> T? {
        guard let value = self[key], !reader.isNull(value) else { return nil }
        return read(value)
    }
}
