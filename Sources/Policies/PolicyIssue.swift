/// A problem found while loading or validating policies, located by `file:line`.
///
/// Errors stop a policy from loading; warnings (stale codes the published policy really
/// contains, ranges that match nothing) load but are reported by `policies validate`.
public struct PolicyIssue: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity; self.location = location; self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Every error that kept one or more policy files from loading.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public var issues: [PolicyIssue]

    public init(_ issues: [PolicyIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
