import History
import Interchange

/// A workflow failed: bad input or usage (the caller's to fix: exit 2, HTTP 4xx), the history
/// store's refusal or failure (kept whole, so each interface can answer it in its own terms), or a
/// failure of medpolicy itself, such as a corrupt bundled data file (exit 1, HTTP 500).
public enum WorkflowError: Error, Equatable, Sendable, CustomStringConvertible {
    case badInput(String)
    case history(HistoryError)
    case internalFailure(String)

    public var description: String {
        switch self {
        case .badInput(let message), .internalFailure(let message): return message
        case .history(let error): return "history: \(error.description)"
        }
    }

    /// Bad input and the store's refusals are the caller's to fix (exit 2); internal failures are not.
    public var isCallersToFix: Bool {
        if case .internalFailure = self { return false }
        return true
    }
}

extension WorkflowError {
    /// An 835 the writer refused: bad input when the claims ask for what an 835 cannot say,
    /// else medpolicy's own inconsistency.
    init(_ error: RemittanceError) {
        self = error.isCallersToFix ? .badInput("835: \(error.description)") : .internalFailure("835: \(error.description)")
    }
}
