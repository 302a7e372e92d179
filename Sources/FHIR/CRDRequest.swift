import Foundation
import Interchange
import Model

/// A CDS Hooks 2.0 request to a medpolicy CRD service, read strictly: malformed JSON, wrong types
/// and broken resources throw a located `FHIRIssue`; absent prefetch is not an error but is
/// reported per order (`CRDOrder.Status.missing`), since the card should say what is missing.
public struct CRDRequest: Sendable {
    public let hook: CRDService
    public let hookInstance: String
    public let patientId: String?
    /// Every draft order found in the context (TPI or not), in document order.
    let drafts: [DraftOrder]
    let member: Member?
    let coverage: FHIRMapping.CoverageFacts?
    let coverageNode: FHIRNode?
    /// Set when `prefetch.coverage` was given but holds no usable Coverage.
    let coverageProblem: FHIRIssue?
    let conditionDiagnoses: [String]
    /// Organizations anywhere in the prefetch, for a Coverage.payor given only as a reference.
    let organizations: PrefetchOrganizations

    /// A ServiceRequest or Appointment from the hook context.
    struct DraftOrder: Sendable {
        var resourceType: String
        var id: String
        var location: String
        /// The TPI CPT code, `nil` for orders medpolicy does not review.
        var code: String?
        var diagnoses: [String]
        var date: LocalDate?
        var units: Int?
        var sites: [InjectionSite]
        var resource: JSONValue
    }

    public init(json: Data) throws(FHIRIssue) {
        try self.init(root: FHIRNode.parse(json, root: ""))
    }

    public init(value: JSONValue) throws(FHIRIssue) {
        try self.init(root: FHIRNode(value, at: ""))
    }

    init(root: FHIRNode) throws(FHIRIssue) {
        let hookNode = try root.required("hook")
        let hookName = try hookNode.string()
        guard let hook = CRDService(rawValue: hookName) else {
            throw hookNode.issue("unsupported hook \"\(hookName)\" (\(CRDService.allCases.map(\.hook).joined(separator: ", ")))")
        }
        self.hook = hook
        hookInstance = try root.required("hookInstance").string()
        let context = try root.required("context")
        patientId = try context.string("patientId")

        let prefetch = try root.optional("prefetch")
        let organizations = try PrefetchOrganizations(prefetch)
        self.organizations = organizations
        switch hook {
        case .orderSign:
            drafts = try Self.serviceRequests(in: context.required("draftOrders"), selections: nil)
        case .orderSelect:
            var selections: Set<String> = []
            for selection in try context.required("selections").array() { selections.insert(try selection.string()) }
            drafts = try Self.serviceRequests(in: context.required("draftOrders"), selections: selections)
        case .appointmentBook:
            drafts = try Self.appointments(in: context.required("appointments"))
        case .orderDispatch:
            // The dispatched orders are references; the resources come with the prefetch.
            var references: [(String, FHIRNode)] = []
            for node in try context.required("dispatchedOrders").array() { references.append((try node.string(), node)) }
            var requests: [String: FHIRNode] = [:]
            if let prefetch {
                for (key, value) in try prefetch.members() {
                    let node = FHIRNode(value, at: prefetch.childPath(key))
                    for resource in try Self.resources(in: node, ofType: "ServiceRequest", lenient: true) {
                        if let id = try resource.string("id") { requests["ServiceRequest/\(id)"] = resource }
                    }
                }
            }
            var found: [DraftOrder] = []
            for (reference, node) in references where reference.hasPrefix("ServiceRequest/") || reference.contains("/ServiceRequest/") {
                guard let resource = requests[Self.relative(reference)] else {
                    throw node.issue("the dispatched order \"\(reference)\" is not in the prefetch (add it, e.g. prefetch.orders)")
                }
                found.append(try Self.serviceRequest(resource, id: try resource.required("id").string()))
            }
            drafts = found
        }

        member = try prefetch?.optional("patient").map { node throws(FHIRIssue) in try FHIRMapping.member(from: node) }

        var coverage: FHIRMapping.CoverageFacts?
        var coverageProblem: FHIRIssue?
        var coverageNode: FHIRNode?
        if let node = try prefetch?.optional("coverage") {
            let candidates = try Self.resources(in: node, ofType: "Coverage")
            // The first active Coverage decides; a search may also return cancelled or draft ones.
            var chosen: FHIRNode?
            for candidate in candidates {
                let status = try candidate.string("status")
                if status == nil || status == "active" { chosen = candidate; break }
            }
            if let chosen {
                coverageNode = chosen
                coverage = try FHIRMapping.coverageFacts(from: chosen, payers: .standard, organization: organizations.resolve)
            } else {
                coverageProblem = FHIRIssue(location: node.path, message: "holds no active Coverage")
            }
        }
        self.coverage = coverage
        self.coverageNode = coverageNode
        self.coverageProblem = coverageProblem

        var diagnoses: [String] = []
        if let node = try prefetch?.optional("conditions") {
            for condition in try Self.resources(in: node, ofType: "Condition") {
                if let status = try condition.optional("clinicalStatus") {
                    let codes = try status.codes(in: FHIRSystem.conditionClinical).map(\.code)
                    if !codes.isEmpty && !codes.contains(where: { ["active", "recurrence", "relapse"].contains($0) }) { continue }
                }
                if let code = try condition.optional("code") {
                    FHIRMapping.appendDiagnoses(try Self.icdCodes(in: code), to: &diagnoses)
                }
            }
        }
        conditionDiagnoses = diagnoses
        // An order's encounter carries its own diagnoses and the active conditions': within Contract 1's limits.
        for draft in drafts where draft.code != nil {
            var all = draft.diagnoses
            FHIRMapping.appendDiagnoses(diagnoses, to: &all)
            if let excess = EncounterLimits.excess(all.count, "diagnoses (the order's and the active conditions')",
                                                   limit: EncounterLimits.diagnoses) {
                throw FHIRIssue(location: draft.location, message: excess)
            }
            if let excess = EncounterLimits.excess(draft.sites.count, "body sites", limit: EncounterLimits.sites) {
                throw FHIRIssue(location: draft.location, message: excess)
            }
        }
    }

    /// The coverage decision inputs for each TPI order; other orders are left out (they get no card).
    /// Payers are resolved with `payers` (the request was read with the standard directory for
    /// validation; a caller's directory may know more names).
    public func orders(today: LocalDate, payers: PayerDirectory = .standard) -> [CRDOrder] {
        drafts.compactMap { draft -> CRDOrder? in
            guard let code = draft.code else { return nil }
            var missing: [FHIRIssue] = []
            if member == nil {
                missing.append(FHIRIssue(location: "prefetch.patient",
                                         message: "absent: the Patient is needed for the member id, birth date and sex"))
            }
            var payer: String?
            // Re-read with the caller's directory, which may know more payer names than the standard one
            // the request was validated with (the node was read once already, so this cannot fail).
            let coverage = coverageNode.flatMap {
                try? FHIRMapping.coverageFacts(from: $0, payers: payers, organization: organizations.resolve)
            } ?? self.coverage
            if let coverageProblem {
                missing.append(coverageProblem)
            } else if let coverage {
                payer = coverage.payer
                if payer == nil, let unrecognized = coverage.unrecognized { missing.append(unrecognized) }
            } else {
                missing.append(FHIRIssue(location: "prefetch.coverage",
                                         message: "absent: the member's active Coverage is needed to know the payer"))
            }
            let dateOfService = draft.date ?? today
            if let born = member?.birthDate, born > dateOfService {
                // Contract 1 refuses such an encounter; the order waits for a corrected Patient.
                missing.append(FHIRIssue(location: "prefetch.patient.birthDate",
                                         message: "\(born) is after the date of service \(dateOfService)"))
            }
            let status: CRDOrder.Status
            if let member, let payer, missing.isEmpty {
                var diagnoses = draft.diagnoses
                FHIRMapping.appendDiagnoses(conditionDiagnoses, to: &diagnoses)
                let encounter = Encounter(
                    id: draft.id, member: member,
                    coverage: Coverage(payer: payer, lineOfBusiness: coverage?.lineOfBusiness),
                    dateOfService: dateOfService,
                    diagnoses: diagnoses.isEmpty ? nil : diagnoses,
                    lines: [ServiceLine(code: code, units: draft.units)],
                    procedure: draft.sites.isEmpty ? nil : Procedure(sites: draft.sites))
                status = .ready(encounter)
            } else {
                status = .missing(missing)
            }
            return CRDOrder(resourceType: draft.resourceType, orderId: draft.id, code: code, location: draft.location,
                            resource: draft.resource, coverageReference: coverage?.reference,
                            dateDefaulted: draft.date == nil, assertionDate: today,
                            assertionId: "\(hookInstance)/\(draft.resourceType)/\(draft.id)", status: status)
        }
    }

    // MARK: Reading the context

    /// Resources of `type` in a Bundle (searchset or collection) or a single resource; `lenient`
    /// skips a resource of another type (or a null prefetch) instead of refusing it.
    static func resources(in node: FHIRNode, ofType type: String, lenient: Bool = false) throws(FHIRIssue) -> [FHIRNode] {
        if lenient {
            guard case .object = node.value, let resourceType = try node.string("resourceType") else { return [] }
            if resourceType != type && resourceType != "Bundle" { return [] }
        }
        let resourceType = try node.resourceType()
        if resourceType == type { return [node] }
        guard resourceType == "Bundle" else {
            throw FHIRIssue(location: node.childPath("resourceType"), message: "expected \(type) or a Bundle of them, found \(resourceType)")
        }
        var found: [FHIRNode] = []
        for entry in try node.array("entry") {
            guard let resource = try entry.optional("resource") else { continue }
            // Searchsets may carry OperationOutcome entries; only the wanted type counts.
            if try resource.resourceType() == type { found.append(resource) }
        }
        return found
    }

    static func icdCodes(in concept: FHIRNode) throws(FHIRIssue) -> [String] {
        var codes: [String] = []
        for (code, node) in try concept.codes(in: FHIRSystem.icd10cm) {
            guard DiagnosisCodeShape.isWellFormed(code) else { throw node.issue("not an ICD-10-CM code: \"\(code)\"") }
            codes.append(code)
        }
        return codes
    }

    /// The TPI CPT code of an order's code: a CPT coding, or (the IG's pattern, with a clinical
    /// SNOMED CT coding first) a CPT coding of its `ext-billing-options` extensions.
    static func tpiCode(in concept: FHIRNode) throws(FHIRIssue) -> String? {
        var codes = try concept.codes(in: FHIRSystem.cpt).map(\.code)
        for ext in try concept.array("extension") where try ext.string("url") == billingOptions {
            if let value = try ext.optional("valueCodeableConcept") { codes += try value.codes(in: FHIRSystem.cpt).map(\.code) }
        }
        return codes.first(where: { FHIRMapping.treatmentProcedures.contains($0) })
    }

    static let billingOptions = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-billing-options"

    /// `ServiceRequest/1` from `http://server/fhir/ServiceRequest/1`.
    static func relative(_ reference: String) -> String { PASRequest.relative(reference) }

    static func serviceRequests(in bundle: FHIRNode, selections: Set<String>?) throws(FHIRIssue) -> [DraftOrder] {
        let type = try bundle.resourceType()
        guard type == "Bundle" else { throw FHIRIssue(location: bundle.childPath("resourceType"), message: "expected Bundle, found \(type)") }
        var drafts: [DraftOrder] = []
        for entry in try bundle.array("entry") {
            let resource = try entry.required("resource")
            guard try resource.resourceType() == "ServiceRequest" else { continue }  // medications, devices: not reviewed here
            let id = try resource.required("id").string()
            if let selections, !selections.contains("ServiceRequest/\(id)") { continue }
            drafts.append(try serviceRequest(resource, id: id))
        }
        return drafts
    }

    static func serviceRequest(_ resource: FHIRNode, id: String) throws(FHIRIssue) -> DraftOrder {
        let code = try resource.optional("code").flatMap { node throws(FHIRIssue) in try tpiCode(in: node) }
        var diagnoses: [String] = []
        for reason in try resource.array("reasonCode") { FHIRMapping.appendDiagnoses(try icdCodes(in: reason), to: &diagnoses) }
        var date: LocalDate?
        if let dateTime = try resource.optional("occurrenceDateTime") {
            date = try dateTime.date()
        } else if let period = try resource.optional("occurrencePeriod") {
            date = try period.optional("start")?.date()
        }
        var units: Int?
        if let quantity = try resource.optional("quantityQuantity") {
            let value = try quantity.required("value")
            let number = try value.integer()
            guard number >= 1 else { throw value.issue("the quantity must be a whole number of at least 1") }
            units = number
        }
        var sites: [InjectionSite] = []
        for site in try resource.array("bodySite") { sites.append(try FHIRMapping.site(from: site)) }
        return DraftOrder(resourceType: "ServiceRequest", id: id, location: resource.path, code: code, diagnoses: diagnoses,
                          date: date, units: units, sites: sites, resource: resource.value)
    }

    static func appointments(in bundle: FHIRNode) throws(FHIRIssue) -> [DraftOrder] {
        let type = try bundle.resourceType()
        guard type == "Bundle" else { throw FHIRIssue(location: bundle.childPath("resourceType"), message: "expected Bundle, found \(type)") }
        var requests: [String: FHIRNode] = [:]
        var appointments: [FHIRNode] = []
        for entry in try bundle.array("entry") {
            let resource = try entry.required("resource")
            switch try resource.resourceType() {
            case "Appointment": appointments.append(resource)
            case "ServiceRequest":
                let id = try resource.required("id").string()
                requests["ServiceRequest/\(id)"] = resource
                if let fullUrl = try entry.string("fullUrl") { requests[fullUrl] = resource }
            default: continue
            }
        }
        var drafts: [DraftOrder] = []
        for appointment in appointments {
            let id = try appointment.required("id").string()
            var code: String?
            for serviceType in try appointment.array("serviceType") where code == nil { code = try tpiCode(in: serviceType) }
            // The appointment may name the service only through the order it fulfils.
            var basis: DraftOrder?
            for basedOn in try appointment.array("basedOn") {
                guard let reference = try basedOn.string("reference"), let request = requests[reference] else { continue }
                let order = try serviceRequest(request, id: try request.required("id").string())
                if order.code != nil { basis = order; break }
            }
            var diagnoses: [String] = []
            for reason in try appointment.array("reasonCode") { FHIRMapping.appendDiagnoses(try icdCodes(in: reason), to: &diagnoses) }
            FHIRMapping.appendDiagnoses(basis?.diagnoses ?? [], to: &diagnoses)
            let date = try appointment.optional("start")?.date() ?? basis?.date
            drafts.append(DraftOrder(resourceType: "Appointment", id: id, location: appointment.path, code: code ?? basis?.code,
                                     diagnoses: diagnoses, date: date, units: basis?.units, sites: basis?.sites ?? [],
                                     resource: appointment.value))
        }
        return drafts
    }
}

/// One TPI order of a CRD request: either an encounter ready for the engine or what is missing.
public struct CRDOrder: Sendable {
    /// Whether the order can be evaluated.
    public enum Status: Sendable {
        /// The Contract 1 encounter for the order; clinical facts are unknown at order time (nil).
        case ready(Encounter)
        /// What the request lacks, each located (`prefetch.coverage`, `prefetch.patient`, …).
        case missing([FHIRIssue])
    }

    /// `ServiceRequest` or `Appointment`.
    public let resourceType: String
    public let orderId: String
    /// CPT 20552 or 20553.
    public let code: String
    /// Where the order is in the request (`context.draftOrders.entry[0].resource`).
    public let location: String
    /// The draft resource as sent, for the system action that annotates it.
    public let resource: JSONValue
    /// `Coverage/{id}` of the coverage the assertion is about, when known.
    public let coverageReference: String?
    /// True when the order gave no date and `today` stood in for the date of service.
    public let dateDefaulted: Bool
    public let assertionDate: LocalDate
    /// Deterministic: the hook instance and the order.
    public let assertionId: String
    public let status: Status

    /// The encounter, when the order is ready.
    public var encounter: Encounter? {
        if case .ready(let encounter) = status { return encounter }
        return nil
    }

    /// What is missing, empty when the order is ready.
    public var missing: [FHIRIssue] {
        if case .missing(let issues) = status { return issues }
        return []
    }
}


/// The Organizations of a CRD prefetch (any key, a Bundle or a single resource), by `Organization/{id}`
/// and fullUrl: what a `Coverage.payor` reference resolves to, as in a PAS Bundle.
struct PrefetchOrganizations: Sendable {
    private var byReference: [String: FHIRNode] = [:]

    init(_ prefetch: FHIRNode?) throws(FHIRIssue) {
        guard let prefetch else { return }
        for (key, member) in try prefetch.members() {
            let value = FHIRNode(member, at: prefetch.childPath(key))
            guard case .object = member else { continue }
            let type = try value.string("resourceType")
            if type == "Bundle" {
                for entry in try value.array("entry") {
                    guard let resource = try entry.optional("resource"), try resource.string("resourceType") == "Organization" else { continue }
                    if let id = try resource.string("id") { byReference["Organization/\(id)"] = resource }
                    if let fullUrl = try entry.string("fullUrl") { byReference[fullUrl] = resource }
                }
            } else if type == "Organization", let id = try value.string("id") {
                byReference["Organization/\(id)"] = value
            }
        }
    }

    func resolve(_ reference: String) -> FHIRNode? {
        byReference[reference] ?? byReference[PASRequest.relative(reference)]
    }
}
