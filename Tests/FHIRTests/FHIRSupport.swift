import CodeSets
import Engine
import Foundation
import FHIRInterchange
import Interchange
import Model
import Policies
import TestSupport
import Testing

// Shared fixtures of the FHIR / CDS Hooks tests: small edits of JSON documents so that each test
// breaks one thing (the repository's examples and evaluator are TestSupport's `Repository`).

func day(_ text: String) -> LocalDate {
    guard let date = LocalDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

/// A step into a JSON document: an object key or an array index.
enum Step: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// The value at `path`, `nil` when it is not there.
    subscript(_ path: Step...) -> JSONValue? { value(at: path[...]) }

    func value(at path: ArraySlice<Step>) -> JSONValue? {
        guard let step = path.first else { return self }
        switch (step, self) {
        case let (.key(key), .object(members)): return members.first { $0.key == key }?.value.value(at: path.dropFirst())
        case let (.index(index), .array(elements)) where elements.indices.contains(index):
            return elements[index].value(at: path.dropFirst())
        default: return nil
        }
    }

    /// A copy with the value at `path` replaced (`nil` removes it; a missing key is added).
    func setting(_ path: [Step], to newValue: JSONValue?) -> JSONValue {
        guard let step = path.first else { return newValue ?? .null }
        let rest = Array(path.dropFirst())
        switch (step, self) {
        case let (.key(key), .object(members)):
            var copy = members
            if let index = copy.firstIndex(where: { $0.key == key }) {
                if rest.isEmpty && newValue == nil { copy.remove(at: index) } else {
                    copy[index].value = copy[index].value.setting(rest, to: newValue)
                }
            } else if let newValue {
                copy.append((key: key, value: JSONValue.object([]).setting(rest, to: newValue)))
            }
            return .object(copy)
        case let (.index(index), .array(elements)) where elements.indices.contains(index):
            var copy = elements
            if rest.isEmpty && newValue == nil { copy.remove(at: index) } else { copy[index] = copy[index].setting(rest, to: newValue) }
            return .array(copy)
        default: return self
        }
    }

    var stringValue: String? { if case .string(let text) = self { return text } else { return nil } }
    var arrayValue: [JSONValue] { if case .array(let elements) = self { return elements } else { return [] } }
}

extension JSONValue {
    /// The sub-extension values of a complex extension, by url.
    func subExtensions(_ url: String) -> [JSONValue] {
        (self["extension"]?.arrayValue ?? []).filter { $0["url"]?.stringValue == url }
    }
}

/// The issue thrown by `body`, or a recorded failure.
func expectIssue(_ body: () throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> FHIRIssue? {
    do {
        try body()
        Issue.record("expected a FHIRIssue, nothing was thrown", sourceLocation: sourceLocation)
    } catch let issue as FHIRIssue {
        return issue
    } catch {
        Issue.record("expected a FHIRIssue, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
