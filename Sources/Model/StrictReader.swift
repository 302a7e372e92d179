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

/// Walks a `JSONValue` against a schema written in code, collecting located errors.
///
/// Each accessor returns `nil` when the value is missing or wrong and records why; callers
/// build their result only when the reader ends with no errors.
public final class StrictReader {
    public private(set) var errors: [LocatedError] = []

    public init() {}

    public func fail(_ path: String, _ message: String) {
        errors.append(LocatedError(path: path, message: message))
    }

    /// An object whose keys are checked against `allowed`; unknown keys are errors.
    public func object(_ value: JSONValue, at path: String, allowed: Set<String>) -> ObjectReader? {
        guard case .object(let members) = value else {
            fail(path, "expected an object, got \(value.typeName)")
            return nil
        }
        for member in members where !allowed.contains(member.key) {
            let known = allowed.sorted().joined(separator: ", ")
            fail(ObjectReader.join(path, member.key), "unknown key (expected one of: \(known))")
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

    public func string(_ value: JSONValue, at path: String, nonEmpty: Bool = true) -> String? {
        guard case .string(let text) = value else { fail(path, "expected a string, got \(value.typeName)"); return nil }
        if nonEmpty, Self.isBlank(text) { fail(path, "must not be empty"); return nil }
        return text
    }

    public func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int>? = nil) -> Int? {
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

    public func number(_ value: JSONValue, at path: String) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: fail(path, "expected a number, got \(value.typeName)"); return nil
        }
    }

    public func bool(_ value: JSONValue, at path: String) -> Bool? {
        guard case .bool(let flag) = value else { fail(path, "expected true or false, got \(value.typeName)"); return nil }
        return flag
    }

    public func date(_ value: JSONValue, at path: String) -> LocalDate? {
        guard let text = string(value, at: path) else { return nil }
        guard let date = LocalDate(text) else { fail(path, "expected a date YYYY-MM-DD, got \"\(text)\""); return nil }
        return date
    }

    public func enumeration<E: RawRepresentable & CaseIterable>(_ value: JSONValue, at path: String, as type: E.Type) -> E?
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
    public func array<T>(_ value: JSONValue, at path: String, limit: Int, of noun: String,
                         element: (JSONValue, String) -> T?) -> [T]? {
        if case .array(let items) = value, let excess = EncounterLimits.excess(items.count, noun, limit: limit) {
            fail(path, excess)
            return nil
        }
        return array(value, at: path, element: element)
    }

    public func array<T>(_ value: JSONValue, at path: String, element: (JSONValue, String) -> T?) -> [T]? {
        guard case .array(let items) = value else { fail(path, "expected an array, got \(value.typeName)"); return nil }
        var result: [T] = []
        var failed = false
        for (index, item) in items.enumerated() {
            if let read = element(item, path + "[" + String(index) + "]") { result.append(read) } else { failed = true }
        }
        return failed ? nil : result
    }
}

/// The members of one JSON object being read.
public struct ObjectReader {
    let reader: StrictReader
    public let path: String
    let members: [(key: String, value: JSONValue)]

    // Concatenation, not interpolation: paths are built for every value read, and short ones stay
    // small strings without a heap buffer.
    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    public func path(_ key: String) -> String { ObjectReader.join(path, key) }

    public func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The value of `key`; a JSON `null` counts as absent.
    public func value(_ key: String) -> JSONValue? {
        guard let found = members.first(where: { $0.key == key })?.value else { return nil }
        if case .null = found { return nil }
        return found
    }

    /// Reads a required member; records "required" when it is missing.
    public func required<T>(_ key: String, _ read: (JSONValue, String) -> T?) -> T? {
        guard let found = value(key) else { reader.fail(path(key), "required"); return nil }
        return read(found, path(key))
    }

    /// Reads an optional member: `nil` when absent, or when present and wrong (error recorded).
    public func optional<T>(_ key: String, _ read: (JSONValue, String) -> T?) -> T? {
        guard let found = value(key) else { return nil }
        return read(found, path(key))
    }
}
