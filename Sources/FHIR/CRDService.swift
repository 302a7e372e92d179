import Interchange
import Model

/// The CDS Hooks services medpolicy offers for Da Vinci Coverage Requirements Discovery (CRD):
/// one per hook, each answering whether a trigger point injection (CPT 20552/20553) is covered.
public enum CRDService: String, CaseIterable, Sendable {
    case orderSign = "order-sign"
    case orderSelect = "order-select"
    case appointmentBook = "appointment-book"
    /// CRD requires coverage information on order-dispatch too (the order is handed to a performer).
    case orderDispatch = "order-dispatch"

    /// The service id, the last path segment of `POST /cds-services/{id}`.
    public var id: String { "medpolicy-\(rawValue)" }

    /// The CDS Hooks hook the service answers.
    public var hook: String { rawValue }

    /// The service for a `/cds-services/{id}` path segment.
    public init?(serviceId: String) {
        guard let service = CRDService.allCases.first(where: { $0.id == serviceId }) else { return nil }
        self = service
    }

    public var title: String {
        switch self {
        case .orderSign: return "medpolicy coverage requirements (order-sign)"
        case .orderSelect: return "medpolicy coverage requirements (order-select)"
        case .appointmentBook: return "medpolicy coverage requirements (appointment-book)"
        case .orderDispatch: return "medpolicy coverage requirements (order-dispatch)"
        }
    }

    public var description: String {
        let subject: String
        switch self {
        case .orderSign: subject = "signed ServiceRequests"
        case .orderSelect: subject = "selected ServiceRequests"
        case .appointmentBook: subject = "booked Appointments"
        case .orderDispatch: subject = "dispatched ServiceRequests"
        }
        return "Da Vinci CRD: whether trigger point injections (CPT 20552/20553) in \(subject) are covered under the "
            + "payer's policy, why not, and which documentation the payer will need."
    }

    /// Prefetch templates (key, FHIR query), as the CRD IG names them.
    public var prefetch: [(key: String, query: String)] {
        var templates = [
            ("patient", "Patient/{{context.patientId}}"),
            ("coverage", "Coverage?patient={{context.patientId}}&status=active"),
            ("conditions", "Condition?patient={{context.patientId}}&clinical-status=active"),
        ]
        // order-dispatch names its orders by reference only.
        if self == .orderDispatch { templates.append(("orders", "ServiceRequest?_id={{context.dispatchedOrders.ServiceRequest.id}}")) }
        return templates
    }

    /// The service's entry in the discovery document.
    public var discoveryEntry: JSONValue {
        .object([
            (key: "hook", value: .string(hook)),
            (key: "title", value: .string(title)),
            (key: "description", value: .string(description)),
            (key: "id", value: .string(id)),
            (key: "prefetch", value: .object(prefetch.map { (key: $0.key, value: .string($0.query)) })),
        ])
    }

    /// The body of `GET /cds-services`.
    public static func discoveryDocument() -> JSONValue {
        .object([(key: "services", value: .array(allCases.map(\.discoveryEntry)))])
    }
}
