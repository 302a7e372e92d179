/// A problem with FHIR or CDS Hooks input, located by a FHIR-path-like location such as
/// `Bundle.entry[2].resource.item[0].productOrService.coding[0].code`.
///
/// Readers throw it for malformed input; CRD also uses it to list what an order lacks
/// (a missing prefetch, an unknown payer), where it is data rather than an error.
public struct FHIRIssue: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the problem is; empty for the document as a whole.
    public let location: String
    public let message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }
}
