import Foundation
import Interchange
import Model

/// A Da Vinci PAS request Bundle (`Claim/$submit`): a `collection` whose first entry is a Claim
/// with `use` = `preauthorization`, with the resources it references. Read into a Contract 1
/// encounter, strictly: every malformed or unresolvable part throws a located `FHIRIssue`.
public struct PASRequest: Sendable {
    /// The encounter the Claim describes; clinical facts come from a QuestionnaireResponse entry (DTR).
    public let encounter: Encounter
    /// `Claim.id`, when given.
    public let claimId: String?
    /// How the response refers to the Claim: its entry's fullUrl, else `Claim/{id}`.
    public let claimReference: String
    /// `Claim.patient` as sent.
    public let patient: JSONValue
    /// `Claim.insurer` as sent, `nil` when absent.
    public let insurer: JSONValue?
    /// `Claim.item[].sequence`, one per encounter line in order.
    public let itemSequences: [Int]
    /// `Bundle.identifier` as sent, echoed in the response.
    public let bundleIdentifier: JSONValue?
    /// `Claim.identifier` as sent (the submitter's trace numbers), echoed as `ClaimResponse.identifier`.
    public let claimIdentifiers: JSONValue?
    /// `Claim.provider` as sent: the requestor of the ClaimResponse and the recipient of its
    /// CommunicationRequests.
    public let provider: JSONValue?
    /// For each item, in order: the provider of the item's first care-team member
    /// (`Claim.careTeam` by `item.careTeamSequence`), else `Claim.provider`; nil when neither is a reference.
    public let itemProviders: [JSONValue?]
    /// The last date of the items' `servicedPeriod`s that give an end, when any does: how long an
    /// approved request's authorization lasts.
    public let servicedThrough: LocalDate?
    /// Entries the response echoes (Patient, Coverage, insurer Organization), as sent.
    let echoedEntries: [JSONValue]

    public init(json: Data, payers: PayerDirectory = .standard) throws(FHIRIssue) {
        try self.init(bundle: FHIRNode.parse(json, root: "Bundle"), payers: payers)
    }

    public init(value: JSONValue, payers: PayerDirectory = .standard) throws(FHIRIssue) {
        try self.init(bundle: FHIRNode(value, at: "Bundle"), payers: payers)
    }

    init(bundle: FHIRNode, payers: PayerDirectory) throws(FHIRIssue) {
        let type = try bundle.resourceType()
        guard type == "Bundle" else { throw FHIRIssue(location: "Bundle.resourceType", message: "expected Bundle, found \(type)") }
        let bundleType = try bundle.required("type")
        guard try bundleType.string() == "collection" else {
            throw bundleType.issue("a PAS request Bundle has type collection, found \"\(try bundleType.string())\"")
        }
        bundleIdentifier = try bundle.optional("identifier")?.value
        let entries = try bundle.required("entry").array()
        guard let first = entries.first else { throw FHIRIssue(location: "Bundle.entry", message: "empty: the first entry must be the Claim") }

        // Index every resource by fullUrl and by Type/id, so references of either form resolve.
        var index: [String: (entry: FHIRNode, resource: FHIRNode)] = [:]
        var questionnaireResponses: [FHIRNode] = []
        for entry in entries {
            let resource = try entry.required("resource")
            let type = try resource.resourceType()
            if let id = try resource.string("id") { index["\(type)/\(id)"] = (entry, resource) }
            if let fullUrl = try entry.string("fullUrl") { index[fullUrl] = (entry, resource) }
            if type == "QuestionnaireResponse" { questionnaireResponses.append(resource) }
        }
        func resolve(_ referenceNode: FHIRNode, as expected: String) throws(FHIRIssue) -> (entry: FHIRNode, resource: FHIRNode) {
            let node = try referenceNode.required("reference")
            let reference = try node.string()
            guard let found = index[reference] ?? index[Self.relative(reference)] else {
                throw node.issue("unresolved reference \"\(reference)\": no entry has that fullUrl or \(expected)/id")
            }
            let type = try found.resource.resourceType()
            guard type == expected else { throw node.issue("refers to a \(type), expected \(expected)") }
            return found
        }

        let claim = try first.required("resource")
        let claimType = try claim.resourceType()
        guard claimType == "Claim" else {
            throw FHIRIssue(location: claim.childPath("resourceType"), message: "the first entry must be the Claim, found \(claimType)")
        }
        let use = try claim.required("use")
        guard try use.string() == "preauthorization" else {
            throw use.issue("a PAS Claim has use preauthorization, found \"\(try use.string())\"")
        }
        claimId = try claim.string("id")
        claimReference = try first.string("fullUrl") ?? claimId.map { "Claim/\($0)" } ?? "Claim"
        claimIdentifiers = try claim.optional("identifier")?.value
        provider = try claim.optional("provider")?.value
        var careTeamProviders: [Int: JSONValue] = [:]
        for member in try claim.array("careTeam") {
            if let sequence = try member.optional("sequence")?.integer(), let provider = try member.optional("provider"),
               try provider.string("reference") != nil {
                careTeamProviders[sequence] = provider.value
            }
        }
        var claimProvider: JSONValue?
        if let node = try claim.optional("provider"), try node.string("reference") != nil { claimProvider = node.value }
        let encounterId = try claim.array("identifier").first?.string("value") ?? claimId
        guard let encounterId else {
            throw FHIRIssue(location: claim.childPath("identifier"), message: "the Claim has neither an identifier value nor an id")
        }

        let patientReference = try claim.required("patient")
        patient = patientReference.value
        let patientEntry = try resolve(patientReference, as: "Patient")
        let member = try FHIRMapping.member(from: patientEntry.resource)
        var echoed = [patientEntry.entry.value]

        // Coverage: the focal insurance, else the first.
        let insurances = try claim.required("insurance").array()
        guard !insurances.isEmpty else { throw FHIRIssue(location: claim.childPath("insurance"), message: "empty: the Claim needs its Coverage") }
        var insurance = insurances[0]
        for candidate in insurances where try candidate.optional("focal")?.bool() == true { insurance = candidate; break }
        let coverageEntry = try resolve(insurance.required("coverage"), as: "Coverage")
        echoed.append(coverageEntry.entry.value)
        var facts = try FHIRMapping.coverageFacts(from: coverageEntry.resource, payers: payers) { reference in
            index[reference]?.resource ?? index[Self.relative(reference)]?.resource
        }
        insurer = try claim.optional("insurer")?.value
        if let insurerNode = try claim.optional("insurer") {
            if let reference = try insurerNode.string("reference"),
               let organization = index[reference] ?? index[Self.relative(reference)] {
                echoed.append(organization.entry.value)
                // The insurer names the payer when the Coverage's payor does not.
                if facts.payer == nil {
                    let name = try organization.resource.string("name") ?? ""
                    facts.payer = payers.resolve(name: name, id: "")
                    for identifier in try organization.resource.array("identifier") where facts.payer == nil {
                        facts.payer = payers.resolve(name: "", id: try identifier.string("value") ?? "")
                    }
                }
            } else if facts.payer == nil, let display = try insurerNode.string("display") {
                facts.payer = payers.resolve(name: display, id: "")
            }
        }
        guard let payer = facts.payer else {
            throw facts.unrecognized ?? FHIRIssue(location: coverageEntry.resource.childPath("payor"), message: "no payer recognized")
        }
        echoedEntries = echoed

        // Diagnoses in sequence order; item pointers refer to these sequences.
        var diagnoses: [String] = []
        var positionBySequence: [Int: Int] = [:]
        var numbered: [(sequence: Int, node: FHIRNode)] = []
        let diagnosisNodes = try claim.array("diagnosis")
        if let excess = EncounterLimits.excess(diagnosisNodes.count, "diagnoses", limit: EncounterLimits.diagnoses) {
            throw FHIRIssue(location: claim.childPath("diagnosis"), message: excess)
        }
        for diagnosis in diagnosisNodes { numbered.append((try diagnosis.required("sequence").integer(), diagnosis)) }
        for (sequence, diagnosis) in numbered.sorted(by: { $0.sequence < $1.sequence }) {
            var codes: [String]
            if let concept = try diagnosis.optional("diagnosisCodeableConcept") {
                codes = try CRDRequest.icdCodes(in: concept)
            } else {
                let condition = try resolve(diagnosis.required("diagnosisReference"), as: "Condition")
                codes = try CRDRequest.icdCodes(in: condition.resource.required("code"))
            }
            guard let code = codes.first else {
                throw FHIRIssue(location: diagnosis.path, message: "no ICD-10-CM coding (\(FHIRSystem.icd10cm))")
            }
            positionBySequence[sequence] = diagnoses.count + 1
            diagnoses.append(code)
        }

        var lines: [ServiceLine] = []
        var sequences: [Int] = []
        var dateOfService: LocalDate?
        var placeOfService: String?
        var sites: [InjectionSite] = []
        var providersOfItems: [JSONValue?] = []
        var through: LocalDate?
        let items = try claim.required("item").array()
        guard !items.isEmpty else { throw FHIRIssue(location: claim.childPath("item"), message: "empty: at least one item is required") }
        if let excess = EncounterLimits.excess(items.count, "items", limit: EncounterLimits.lines) {
            throw FHIRIssue(location: claim.childPath("item"), message: excess)
        }
        for item in items {
            sequences.append(try item.required("sequence").integer())
            var itemProvider = claimProvider
            for node in try item.array("careTeamSequence") {
                if let found = careTeamProviders[try node.integer()] { itemProvider = found; break }
            }
            providersOfItems.append(itemProvider)
            let product = try item.required("productOrService")
            var code: String?
            for (offset, coding) in try product.array("coding").enumerated() where code == nil {
                guard let value = try coding.string("code") else { continue }
                guard ProcedureCodeShape.isWellFormed(value) else {
                    throw FHIRIssue(location: "\(product.path).coding[\(offset)].code", message: "not a CPT/HCPCS code: \"\(value)\"")
                }
                code = value
            }
            guard let code else { throw FHIRIssue(location: product.childPath("coding"), message: "no procedure code") }
            var modifiers: [String] = []
            let modifierNodes = try item.array("modifier")
            if let excess = EncounterLimits.excess(modifierNodes.count, "modifiers", limit: EncounterLimits.modifiers) {
                throw FHIRIssue(location: item.childPath("modifier"), message: excess)
            }
            for modifier in modifierNodes {
                guard let value = try modifier.codings().compactMap(\.code).first else {
                    throw modifier.issue("a modifier without a code")
                }
                guard ProcedureCodeShape.isWellFormedModifier(value) else {
                    throw modifier.issue("\"\(value)\" is not a modifier (two letters or digits, e.g. 25, XS, RT)")
                }
                modifiers.append(value)
            }
            var units: Int?
            if let quantity = try item.optional("quantity") {
                let value = try quantity.required("value")
                units = try value.integer()
                guard units! >= 1 else { throw value.issue("the quantity must be at least 1") }
            }
            var pointers: [Int]?
            if let sequenceNode = try item.optional("diagnosisSequence") {
                let sequenceNodes = try sequenceNode.array()
                if sequenceNodes.isEmpty { throw sequenceNode.issue("empty: name at least one diagnosis, or leave it out") }
                if let excess = EncounterLimits.excess(sequenceNodes.count, "diagnosis pointers", limit: EncounterLimits.diagnosisPointers) {
                    throw sequenceNode.issue(excess)
                }
                var list: [Int] = []
                for node in sequenceNodes {
                    let sequence = try node.integer()
                    guard let position = positionBySequence[sequence] else {
                        throw node.issue("no Claim.diagnosis has sequence \(sequence)")
                    }
                    list.append(position)
                }
                pointers = list
            }
            let chargeNode = try item.optional("net")?.optional("value")
            let charge = try chargeNode?.decimal()
            if let chargeNode, let charge, charge < 0 {  // as the JSON API refuses a negative charge
                throw chargeNode.issue("a charge cannot be negative, got \(charge)")
            }
            var date: LocalDate?
            if let served = try item.optional("servicedDate") {
                date = try served.date()
            } else if let period = try item.optional("servicedPeriod") {
                date = try period.required("start").date()
                if let end = try period.optional("end")?.date() {
                    guard end >= date! else { throw period.issue("the period ends (\(end)) before it starts (\(date!))") }
                    through = max(through ?? end, end)
                }
            }
            if let date {
                if let dateOfService, dateOfService != date {
                    throw FHIRIssue(location: item.path, message: "served on \(date), but earlier items on \(dateOfService): one date of service per request")
                }
                dateOfService = date
            }
            if placeOfService == nil, let location = try item.optional("locationCodeableConcept") {
                if let (code, node) = try location.codes(in: FHIRSystem.placeOfService).first {
                    guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw node.issue("expected a two-digit place-of-service code, got \"\(code)\"")
                    }
                    placeOfService = code
                }
            }
            var itemSites: [InjectionSite] = []
            for ext in try item.array("extension") where try ext.string("url") == FHIRSystem.injectionSites {
                itemSites.append(try FHIRMapping.site(from: ext.required("valueCodeableConcept")))
            }
            if itemSites.isEmpty, let bodySite = try item.optional("bodySite") { itemSites.append(try FHIRMapping.site(from: bodySite)) }
            for site in itemSites where !sites.contains(site) { sites.append(site) }
            if let excess = EncounterLimits.excess(sites.count, "sites", limit: EncounterLimits.sites) {
                throw FHIRIssue(location: item.path, message: excess)
            }
            lines.append(ServiceLine(code: code, modifiers: modifiers.isEmpty ? nil : modifiers, units: units,
                                     diagnosisPointers: pointers, charge: charge))
        }
        if dateOfService == nil, let period = try claim.optional("billablePeriod") {
            dateOfService = try period.required("start").date()
        }
        guard let dateOfService else {
            throw FHIRIssue(location: "\(claim.path).item[0].servicedDate", message: "required: no item gives the date of service")
        }
        if let born = member.birthDate, born > dateOfService {
            throw FHIRIssue(location: "\(patientEntry.resource.path).birthDate",
                            message: "\(born) is after the date of service \(dateOfService)")
        }
        itemSequences = sequences
        itemProviders = providersOfItems
        servicedThrough = through

        var answers = DTRAnswers()
        for response in questionnaireResponses {
            let more = try DTR.answers(from: response)
            if let onset = more.clinical?.painOnset, onset > dateOfService {
                throw FHIRIssue(location: response.childPath("item"), message: "the pain began (\(onset)) after the date of service \(dateOfService)")
            }
            if answers.clinical == nil { answers.clinical = more.clinical }
            if answers.sites == nil { answers.sites = more.sites }
        }
        let allSites = sites.isEmpty ? answers.sites : sites
        encounter = Encounter(
            id: encounterId, member: member, coverage: Coverage(payer: payer, lineOfBusiness: facts.lineOfBusiness),
            dateOfService: dateOfService, placeOfService: placeOfService, diagnoses: diagnoses.isEmpty ? nil : diagnoses,
            lines: lines, procedure: allSites.map { Procedure(sites: $0) }, clinical: answers.clinical)
    }

    /// `Patient/1` from `http://server/fhir/Patient/1` (references may be absolute or relative).
    static func relative(_ reference: String) -> String {
        let parts = reference.split(separator: "/")
        guard parts.count >= 2 else { return reference }
        return parts.suffix(2).joined(separator: "/")
    }
}
