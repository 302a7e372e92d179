import Foundation

/// One problem in an input document, located by its JSON path (`lines[1].units`).
public struct LocatedError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) { self.path = path; self.message = message }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in one input document; reading continues past the first so a user
/// can fix them all at once.
public struct InputErrors: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [LocatedError]

    public init(_ errors: [LocatedError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Where a value is in the document a ``StrictReader`` walks: a handle into that reader's table
/// of path components, made into text (`lines[1].units`) only when an error names it.
public struct JSONPath: Sendable {
    fileprivate let node: Int
}

/// Walks a `JSONValue` against a schema written in code, collecting located errors.
///
/// Each accessor returns `nil` when the value is missing or wrong and records why; callers
/// build their result only when the reader ends with no errors.
public final class StrictReader {
    public private(set) var errors: [LocatedError] = []

    /// One step of a path: a member's key or an element's index under its parent (-1: the root).
    /// Paths are kept as steps because every value read has one, and joining their text for each
    /// was a fifth of reading an encounter.
    private struct PathStep {
        var parent: Int
        var key: String
        var index: Int
    }
    private var steps: [PathStep] = []
    private let rootText: String

    /// - Parameter root: the text of the document's own path (`""`, or where it sits in a larger one).
    public init(root: String = "") { rootText = root }

    /// The document itself.
    public var root: JSONPath { JSONPath(node: -1) }

    /// The member `key` of the object at `path`.
    public func path(_ path: JSONPath, key: String) -> JSONPath {
        steps.append(PathStep(parent: path.node, key: key, index: -1))
        return JSONPath(node: steps.count - 1)
    }

    /// Element `index` of the array at `path`.
    public func path(_ path: JSONPath, index: Int) -> JSONPath {
        steps.append(PathStep(parent: path.node, key: "", index: index))
        return JSONPath(node: steps.count - 1)
    }

    /// The path as errors name it: `member.id`, `lines[1].units`, `[0].number`.
    public func text(_ path: JSONPath) -> String {
        var chain: [PathStep] = []
        var node = path.node
        while node >= 0 { chain.append(steps[node]); node = steps[node].parent }
        var text = rootText
        for step in chain.reversed() {
            if step.index >= 0 { text += "[\(step.index)]" } else { text = text.isEmpty ? step.key : text + "." + step.key }
        }
        return text
    }

    public func fail(_ path: JSONPath, _ message: String) {
        errors.append(LocatedError(path: text(path), message: message))
    }

    /// An object whose keys are checked against `allowed`; unknown keys are errors.
    public func object(_ value: JSONValue, at path: JSONPath, allowed: Set<String>) -> ObjectReader? {
        guard case .object(let members) = value else {
            fail(path, "expected an object, got \(value.typeName)")
            return nil
        }
        for member in members where !allowed.contains(member.key) {
            let known = allowed.sorted().joined(separator: ", ")
            fail(self.path(path, key: member.key), "unknown key (expected one of: \(known))")
        }
        return ObjectReader(reader: self, path: path, members: members)
    }

    /// Only spaces and tabs (`CharacterSet.whitespaces`: tab, zero-width space and the Unicode space separators), or
    /// nothing. Checked on the scalars: Foundation's trimming bridges through NSString, and was the
    /// largest single cost of reading an encounter.
    static func isBlank(_ text: String) -> Bool {
        // Any ASCII character but space and tab settles it without Unicode properties.
        if text.utf8.contains(where: { $0 < 0x80 && $0 != 0x20 && $0 != 0x09 }) { return false }
        return text.unicodeScalars.allSatisfy { $0 == "\t" || $0 == "\u{200B}" || $0.properties.generalCategory == .spaceSeparator }
    }

    public func string(_ value: JSONValue, at path: JSONPath, nonEmpty: Bool = true) -> String? {
        guard case .string(let text) = value else { fail(path, "expected a string, got \(value.typeName)"); return nil }
        if nonEmpty, Self.isBlank(text) { fail(path, "must not be empty"); return nil }
        return text
    }

    public func integer(_ value: JSONValue, at path: JSONPath, in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .integer(let number) = value else {
            if case .number(let fraction) = value { fail(path, "expected a whole number, got \(fraction)") } else {
                fail(path, "expected a whole number, got \(value.typeName)")
            }
            return nil
        }
        if let range, !range.contains(number) {
            if range.upperBound == Int.max { fail(path, "must be ≥ \(range.lowerBound), got \(number)") } else {
                fail(path, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            }
            return nil
        }
        return number
    }

    public func number(_ value: JSONValue, at path: JSONPath) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: fail(path, "expected a number, got \(value.typeName)"); return nil
        }
    }

    public func bool(_ value: JSONValue, at path: JSONPath) -> Bool? {
        guard case .bool(let flag) = value else { fail(path, "expected true or false, got \(value.typeName)"); return nil }
        return flag
    }

    public func date(_ value: JSONValue, at path: JSONPath) -> LocalDate? {
        guard let text = string(value, at: path) else { return nil }
        guard let date = LocalDate(text) else { fail(path, "expected a date YYYY-MM-DD, got \"\(text)\""); return nil }
        return date
    }

    public func enumeration<E: RawRepresentable & CaseIterable>(_ value: JSONValue, at path: JSONPath, as type: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(value, at: path) else { return nil }
        guard let result = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: " | ")
            fail(path, "unknown value \"\(text)\" (expected \(allowed))")
            return nil
        }
        return result
    }

    /// An array whose every element is read by `element`; `nil` if any element failed.
    /// An array of at most `limit` elements (more: one error naming the count, no element read).
    public func array<T>(_ value: JSONValue, at path: JSONPath, limit: Int, of noun: String,
                         element: (JSONValue, JSONPath) -> T?) -> [T]? {
        if case .array(let items) = value, let excess = EncounterLimits.excess(items.count, noun, limit: limit) {
            fail(path, excess)
            return nil
        }
        return array(value, at: path, element: element)
    }

    public func array<T>(_ value: JSONValue, at path: JSONPath, element: (JSONValue, JSONPath) -> T?) -> [T]? {
        guard case .array(let items) = value else { fail(path, "expected an array, got \(value.typeName)"); return nil }
        var result: [T] = []
        var failed = false
        for (index, item) in items.enumerated() {
            if let read = element(item, self.path(path, index: index)) { result.append(read) } else { failed = true }
        }
        return failed ? nil : result
    }
}

/// The members of one JSON object being read.
public struct ObjectReader {
    let reader: StrictReader
    public let path: JSONPath
    let members: [(key: String, value: JSONValue)]

    public func path(_ key: String) -> JSONPath { reader.path(path, key: key) }

    public func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The value of `key`; a JSON `null` counts as absent.
    public func value(_ key: String) -> JSONValue? {
        guard let found = members.first(where: { $0.key == key })?.value else { return nil }
        if case .null = found { return nil }
        return found
    }

    /// Reads a required member; records "required" when it is missing.
    public func required<T>(_ key: String, _ read: (JSONValue, JSONPath) -> T?) -> T? {
        guard let found = value(key) else { reader.fail(path(key), "required"); return nil }
        return read(found, path(key))
    }

    /// Reads an optional member: `nil` when absent, or when present and wrong (error recorded).
    public func optional<T>(_ key: String, _ read: (JSONValue, JSONPath) -> T?) -> T? {
        guard let found = value(key) else { return nil }
        return read(found, path(key))
    }
}
