/// A located problem in an X12 interchange: the segment (1-based count from ISA), its id,
/// the element reference (`SV104`, `CLM05-3`) when one element is at fault, and what is wrong.
public struct X12Issue: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based position of the segment in the interchange stream, ISA being 1.
    public var segmentNumber: Int
    /// The segment id as read (`SV1`), or `""` when the segment had none.
    public var segmentId: String
    /// The element (`SV104`) or component (`CLM05-3`) at fault; `nil` for a whole-segment problem.
    public var element: String?
    public var message: String

    public init(segmentNumber: Int, segmentId: String, element: String? = nil, message: String) {
        self.segmentNumber = segmentNumber; self.segmentId = segmentId
        self.element = element; self.message = message
    }

    public var description: String {
        var text = "segment \(segmentNumber)"
        if !segmentId.isEmpty { text += " (\(segmentId))" }
        if let element { text += ", element \(element)" }
        return text + ": " + message
    }
}

/// A claim that could not be turned into an encounter; the rest of the file is still read.
public struct ClaimError: Error, Equatable, Sendable, CustomStringConvertible {
    /// CLM01 when the claim got that far.
    public var claimId: String?
    /// Segment number of the claim's CLM segment (or of the loop where reading failed).
    public var claimSegmentNumber: Int
    /// The first problem found in the claim (or in the subscriber, patient or payer it belongs to).
    public var issue: X12Issue

    public init(claimId: String?, claimSegmentNumber: Int, issue: X12Issue) {
        self.claimId = claimId; self.claimSegmentNumber = claimSegmentNumber; self.issue = issue
    }

    public var description: String {
        "claim \(claimId.map { "\"\($0)\"" } ?? "(no CLM01)") at segment \(claimSegmentNumber): \(issue)"
    }
}

/// An input that cannot be read as X12 at all (no ISA, an ISA of the wrong length, an I/O failure).
public struct X12FatalError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
