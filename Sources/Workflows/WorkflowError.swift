/// A workflow failed: bad input or usage (the caller's to fix: exit 2, HTTP 4xx) or a failure of
/// medpolicy itself, such as a corrupt bundled data file (exit 1, HTTP 500).
public enum WorkflowError: Error, Equatable, Sendable, CustomStringConvertible {
    case badInput(String)
    case internalFailure(String)

    public var description: String {
        switch self {
        case .badInput(let message), .internalFailure(let message): return message
        }
    }
}
