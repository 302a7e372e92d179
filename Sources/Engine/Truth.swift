/// Kleene three-valued truth: what the record documents as true, as false, or does not say.
public enum Truth: Sendable, Equatable {
    case yes, no, unknown

    public init(_ flag: Bool?) {
        switch flag {
        case true?: self = .yes
        case false?: self = .no
        case nil: self = .unknown
        }
    }

    /// All-of: false if any part is false, else unknown if any is unknown.
    public static func all<S: Sequence>(_ parts: S) -> Truth where S.Element == Truth {
        var sawUnknown = false
        for part in parts {
            if part == .no { return .no }
            if part == .unknown { sawUnknown = true }
        }
        return sawUnknown ? .unknown : .yes
    }

    /// Any-of: true if any part is true, else unknown if any is unknown.
    public static func any<S: Sequence>(_ parts: S) -> Truth where S.Element == Truth {
        var sawUnknown = false
        for part in parts {
            if part == .yes { return .yes }
            if part == .unknown { sawUnknown = true }
        }
        return sawUnknown ? .unknown : .no
    }

    /// Both: `all` of two parts.
    public func and(_ other: Truth) -> Truth {
        self == .no || other == .no ? .no : (self == .unknown || other == .unknown ? .unknown : .yes)
    }

    public var negated: Truth {
        switch self {
        case .yes: return .no
        case .no: return .yes
        case .unknown: return .unknown
        }
    }
}
