import Foundation
import Interchange
import Model

/// Da Vinci PAS: the ClaimResponse Bundle for a determination, and (the inverse, for tests and
/// integration) a PAS request Bundle built from a Contract 1 encounter.
public enum PAS {
    /// The ClaimResponse `outcome` for a determination. PAS binds it to complete | error | partial:
    /// processing is complete for a decided request and for a pended one too (the pend is said
    /// per item, review action A4, as the IG's pended example does); partly certified → `partial`.
    public static func outcomeCode(for outcome: Outcome) -> String {
        switch outcome {
        case .approved, .denied, .pended, .notApplicable: return "complete"
        case .partial: return "partial"
        }
    }

    /// `http://loinc.org/vs/valid-hl7-attachment-requests` takes LOINC codes, which
    /// `CommunicationRequest.payload.contentString` carries as plain text.
    static let attachmentRequestValueSet = "http://loinc.org/vs/valid-hl7-attachment-requests"
    static let contentModifier = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-contentModifier"
    static let itemAuthorizedProvider = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemAuthorizedProvider"
    /// Where the attachment control numbers (CommunicationRequest.identifier) of medpolicy's responses live.
    static let attachmentControlNumber = FHIRSystem.medpolicyBase + "/attachment-control-number"

    /// The X12 306 review action (HCR01) for a line outcome: A1 certified in total, A3 not certified,
    /// A4 pended; A2 (certified, partial) for a partial claim-level outcome.
    public static func reviewAction(for outcome: Outcome) -> (code: String, display: String) {
        switch outcome {
        case .approved: return ("A1", "Certified in total")
        case .partial: return ("A2", "Certified - partial")
        case .denied: return ("A3", "Not Certified")
        case .pended, .notApplicable: return ("A4", "Pended")
        }
    }

    /// The authorization number medpolicy gives an approved request (deterministic, from the encounter id).
    public static func preAuthRef(for determination: Determination) -> String { "MP-\(determination.encounterId)" }

    /// How long an authorization lasts when the request gives no end to its service period.
    public static let authorizationDays = 180

    /// The prior authorization an approved or partly approved request grants, to be recorded; nil
    /// for any other outcome. Number: ``preAuthRef(for:)``. Items: the approved lines' codes and
    /// units (a code on several lines, summed). Dates (a reading, issue 19): from the requested date
    /// of service through the end of the items' `servicedPeriod` when one is given, else
    /// ``authorizationDays`` days after the start. Clinical: the facts of the request's
    /// QuestionnaireResponse, on which the decision was made.
    public static func authorization(for determination: Determination, request: PASRequest, issued: LocalDate) -> Authorization? {
        guard determination.outcome == .approved || determination.outcome == .partial else { return nil }
        let encounter = request.encounter
        let from = encounter.dateOfService
        let to = request.servicedThrough ?? from.adding(days: authorizationDays)
        var items: [AuthorizedService] = []
        for line in determination.lines where line.outcome == .approved && encounter.lines.indices.contains(line.index - 1) {
            let units = encounter.lines[line.index - 1].effectiveUnits
            if let known = items.firstIndex(where: { $0.code == line.code }) { items[known].units += units } else {
                items.append(AuthorizedService(code: line.code, units: units, from: from, to: to))
            }
        }
        guard !items.isEmpty else { return nil }
        return Authorization(number: preAuthRef(for: determination), payer: determination.payer, memberId: encounter.member.id,
                             status: determination.outcome == .approved ? .approved : .partial, issued: issued,
                             policy: determination.policy?.id, items: items, clinical: encounter.clinical)
    }

    // MARK: Response

    /// The PAS response Bundle (type `collection`): the ClaimResponse first, then one
    /// CommunicationRequest per document (LOINC code) a pended request needs, then the Patient,
    /// Coverage and insurer as sent. Documents without a LOINC code, and what is missing from the
    /// record, are process notes.
    /// - Parameter created: the response time (FHIR dateTime); the engine reads no clock.
    public static func responseBundle(for determination: Determination, request: PASRequest, created: String) -> JSONValue {
        let base = serverBase(of: request.claimReference)
        let responseId = "response-" + DTR.questionnaireId(policyId: determination.encounterId)
        // An authorization is granted for what was certified, in total or in part.
        let approved = determination.outcome == .approved || determination.outcome == .partial

        var notes: [JSONValue] = []
        func note(_ text: String) -> Int {
            notes.append(FHIRBuild.object([("number", .integer(notes.count + 1)), ("type", .string("display")), ("text", .string(text))]))
            return notes.count
        }
        for reason in determination.reasons { _ = note(FHIRNarrative.reason(reason)) }

        var items: [JSONValue] = []
        for line in determination.lines {
            let sequence = request.itemSequences.indices.contains(line.index - 1) ? request.itemSequences[line.index - 1] : line.index
            let action = reviewAction(for: line.outcome)
            let noteNumbers = line.reasons.map { note("Item \(sequence): " + FHIRNarrative.reason($0)) }
            var reviewParts: [JSONValue] = [FHIRBuild.object([
                ("url", .string(FHIRSystem.reviewActionCode)),
                ("valueCodeableConcept", FHIRBuild.concept(FHIRSystem.x12ReviewAction, action.code, action.display)),
            ])]
            if line.outcome == .approved {
                reviewParts.append(FHIRBuild.object([("url", .string("number")), ("valueString", .string(preAuthRef(for: determination)))]))
            }
            let reviewAction = FHIRBuild.object([("url", .string(FHIRSystem.reviewAction)), ("extension", .array(reviewParts))])
            // The provider authorized for a certified item: the one the request names for it.
            let itemProvider = request.itemProviders.indices.contains(line.index - 1) ? request.itemProviders[line.index - 1] : nil
            let authorizedProvider: JSONValue? = line.outcome == .approved ? itemProvider.map { provider in
                FHIRBuild.object([("url", .string(itemAuthorizedProvider)), ("extension", .array([
                    FHIRBuild.object([("url", .string("provider")), ("valueReference", provider)]),
                ]))])
            } : nil
            let carcs = line.reasons.compactMap(\.carc).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            var adjudications: [JSONValue] = []
            for (offset, carc) in (carcs.isEmpty ? [nil] : carcs.map { Optional($0) }).enumerated() {
                adjudications.append(FHIRBuild.object([
                    ("extension", offset == 0 ? .array([reviewAction]) : nil),
                    ("category", FHIRBuild.concept(FHIRSystem.adjudication, "submitted")),
                    ("reason", carc.map { FHIRBuild.concept(FHIRSystem.carc, $0) }),
                ]))
            }
            items.append(FHIRBuild.object([
                ("extension", authorizedProvider.map { .array([$0]) }),
                ("itemSequence", .integer(sequence)),
                ("noteNumber", FHIRBuild.array(noteNumbers.map { .integer($0) })),
                ("adjudication", .array(adjudications)),
            ]))
        }
        for issue in determination.coding.issues { _ = note("Coding: \(issue.message)") }

        // One PAS CommunicationRequest per requested document: payload 0..1, its contentString a
        // LOINC code of the attachment-request value set, the time frame as content modifier.
        var communications: [(url: String, resource: JSONValue)] = []
        let documents = determination.documentation
        if determination.outcome == .pended || determination.outcome == .partial {
            for request in documents.requests {
                _ = note("Send: \(request.name)" + (request.loinc.map { " (LOINC \($0))" } ?? ""))
            }
            for element in documents.missing {
                _ = note("Missing from the record: " + element.replacingOccurrences(of: "_", with: " "))
            }
            for document in documents.requests {
                guard let loinc = document.loinc else { continue }
                let number = communications.count + 1
                let id = "documents-\(DTR.questionnaireId(policyId: determination.encounterId))-\(number)"
                let modifier: JSONValue? = document.timeFrame.map { timeFrame in .array([FHIRBuild.object([
                    ("url", .string(contentModifier)),
                    ("valueCodeableConcept", FHIRBuild.concept(FHIRSystem.loinc, timeFrame)),
                ])]) }
                communications.append(("\(base)/CommunicationRequest/\(id)", FHIRBuild.object([
                    ("resourceType", .string("CommunicationRequest")),
                    ("id", .string(id)),
                    ("identifier", .array([FHIRBuild.object([
                        ("system", .string(attachmentControlNumber)), ("value", .string("\(responseId)-\(number)")),
                    ])])),
                    ("status", .string("active")),
                    ("subject", request.patient),
                    ("about", .array([FHIRBuild.reference(request.claimReference)])),
                    ("payload", .array([FHIRBuild.object([("extension", modifier), ("contentString", .string(loinc))])])),
                    ("authoredOn", .string(created)),
                    ("requester", request.insurer),
                    ("recipient", request.provider.map { .array([$0]) }),
                    ("reasonCode", .array([FHIRBuild.object([("text", .string(document.name))])])),
                ])))
            }
        }

        let disposition: String
        switch determination.outcome {
        case .approved: disposition = "Certified in total"
        case .denied: disposition = "Not certified"
        case .partial: disposition = "Certified in part"
        case .pended: disposition = "Pended for medical review: documentation needed"
        case .notApplicable: disposition = "Pended: no medpolicy policy decides this request"
        }
        let claimResponse = FHIRBuild.object([
            ("resourceType", .string("ClaimResponse")),
            ("id", .string(responseId)),
            ("identifier", request.claimIdentifiers),
            ("status", .string("active")),
            ("type", FHIRBuild.concept(FHIRSystem.claimType, "professional")),
            ("use", .string("preauthorization")),
            ("patient", request.patient),
            ("created", .string(created)),
            ("insurer", request.insurer ?? FHIRBuild.object([("display", .string(determination.payer))])),
            ("requestor", request.provider),
            ("request", FHIRBuild.reference(request.claimReference)),
            ("outcome", .string(outcomeCode(for: determination.outcome))),
            ("disposition", .string(disposition)),
            ("preAuthRef", approved ? .string(preAuthRef(for: determination)) : nil),
            ("item", FHIRBuild.array(items)),
            ("processNote", FHIRBuild.array(notes)),
            ("communicationRequest", FHIRBuild.array(communications.map { FHIRBuild.reference($0.url) })),
        ])
        var entries = [FHIRBuild.object([("fullUrl", .string("\(base)/ClaimResponse/\(responseId)")), ("resource", claimResponse)])]
        for communication in communications {
            entries.append(FHIRBuild.object([("fullUrl", .string(communication.url)), ("resource", communication.resource)]))
        }
        entries += request.echoedEntries
        return FHIRBuild.object([
            ("resourceType", .string("Bundle")),
            ("identifier", request.bundleIdentifier),
            ("type", .string("collection")),
            ("timestamp", .string(created)),
            ("entry", .array(entries)),
        ])
    }

    /// The server base of an absolute reference (`http://x/fhir` of `http://x/fhir/Claim/1`); medpolicy's otherwise.
    static func serverBase(of reference: String) -> String {
        guard reference.hasPrefix("http://") || reference.hasPrefix("https://") else { return FHIRSystem.medpolicyBase }
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count > 2 ? parts.dropLast(2).joined(separator: "/") : FHIRSystem.medpolicyBase
    }

    // MARK: Request (the inverse)

    /// A PAS request Bundle for `encounter`: the Claim (one item per line), Patient, Coverage, the insurer
    /// Organization and, when the encounter documents clinical facts, a QuestionnaireResponse (DTR) the
    /// Claim cites as supporting information. History, frequency and injectate are not carried.
    public static func requestBundle(for encounter: Encounter, payers: PayerDirectory = .standard) -> JSONValue {
        let base = FHIRSystem.medpolicyBase
        let member = encounter.member
        let claimId = DTR.questionnaireId(policyId: encounter.id)
        let coverageId = "coverage-\(member.id)"
        let insurerId = "payer-\(encounter.coverage.payer)"
        let insurerName = payers.displayName(for: encounter.coverage.payer)
        let sites = encounter.procedure?.sites ?? []

        let diagnoses = encounter.diagnosisList.enumerated().map { offset, code in
            FHIRBuild.object([("sequence", .integer(offset + 1)), ("diagnosisCodeableConcept", FHIRMapping.diagnosisConcept(code))])
        }
        let items = encounter.lines.enumerated().map { offset, line -> JSONValue in
            let isTPI = FHIRMapping.treatmentProcedures.contains(line.code)
            let siteExtensions: JSONValue? = isTPI && sites.count > 1 ? .array(sites.map { site in
                FHIRBuild.object([("url", .string(FHIRSystem.injectionSites)), ("valueCodeableConcept", FHIRMapping.siteConcept(site))])
            }) : nil
            return FHIRBuild.object([
                ("extension", siteExtensions),
                ("sequence", .integer(offset + 1)),
                ("diagnosisSequence", line.diagnosisPointers.map { .array($0.map { .integer($0) }) }),
                ("productOrService", FHIRBuild.concept(FHIRSystem.cpt, line.code)),
                ("modifier", line.modifiers.flatMap { list in FHIRBuild.array(list.map { FHIRBuild.concept(FHIRSystem.cpt, $0) }) }),
                ("servicedDate", .string(encounter.dateOfService.description)),
                ("locationCodeableConcept", encounter.placeOfService.map { FHIRBuild.concept(FHIRSystem.placeOfService, $0) }),
                ("quantity", line.units.map { FHIRBuild.object([("value", .integer($0))]) }),
                ("net", line.charge.map { FHIRBuild.object([("value", FHIRBuild.decimal($0)), ("currency", .string("USD"))]) }),
                ("bodySite", isTPI && sites.count == 1 ? FHIRMapping.siteConcept(sites[0]) : nil),
            ])
        }
        let hasAnswers = encounter.clinical != nil
        let responseId = "dtr-\(claimId)"
        let claim = FHIRBuild.object([
            ("resourceType", .string("Claim")),
            ("id", .string(claimId)),
            ("identifier", .array([FHIRBuild.object([("system", .string("\(base)/claim-id")), ("value", .string(encounter.id))])])),
            ("status", .string("active")),
            ("type", FHIRBuild.concept(FHIRSystem.claimType, "professional")),
            ("use", .string("preauthorization")),
            ("patient", FHIRBuild.reference("Patient/\(member.id)")),
            ("created", .string(encounter.dateOfService.description)),
            ("insurer", FHIRBuild.reference("Organization/\(insurerId)", display: insurerName)),
            ("provider", FHIRBuild.object([("display", .string("Requesting provider"))])),
            ("priority", FHIRBuild.concept("http://terminology.hl7.org/CodeSystem/processpriority", "normal")),
            ("supportingInfo", hasAnswers ? .array([FHIRBuild.object([
                ("sequence", .integer(1)),
                ("category", FHIRBuild.concept("http://terminology.hl7.org/CodeSystem/claiminformationcategory", "info")),
                ("valueReference", FHIRBuild.reference("QuestionnaireResponse/\(responseId)")),
            ])]) : nil),
            ("diagnosis", FHIRBuild.array(diagnoses)),
            ("insurance", .array([FHIRBuild.object([
                ("sequence", .integer(1)), ("focal", .bool(true)), ("coverage", FHIRBuild.reference("Coverage/\(coverageId)")),
            ])])),
            ("item", .array(items)),
        ])
        var coverage = FHIRMapping.coverageResource(id: coverageId, coverage: encounter.coverage, member: member, payers: payers)
        if case .object(var members) = coverage, let index = members.firstIndex(where: { $0.key == "payor" }) {
            members[index].value = .array([FHIRBuild.reference("Organization/\(insurerId)", display: insurerName)])
            coverage = .object(members)
        }
        let organization = FHIRBuild.object([
            ("resourceType", .string("Organization")), ("id", .string(insurerId)), ("name", .string(insurerName)),
        ])
        var entries: [(String, JSONValue)] = [
            ("Claim/\(claimId)", claim),
            ("Patient/\(member.id)", FHIRMapping.patientResource(member)),
            ("Coverage/\(coverageId)", coverage),
            ("Organization/\(insurerId)", organization),
        ]
        if hasAnswers {
            entries.append(("QuestionnaireResponse/\(responseId)", DTR.questionnaireResponse(
                clinical: encounter.clinical, sites: nil, questionnaire: "\(base)/Questionnaire/medpolicy-clinical",
                id: responseId, subject: "Patient/\(member.id)")))
        }
        return FHIRBuild.object([
            ("resourceType", .string("Bundle")),
            ("identifier", FHIRBuild.object([("system", .string("\(base)/submission")), ("value", .string(encounter.id))])),
            ("type", .string("collection")),
            ("entry", .array(entries.map { FHIRBuild.object([("fullUrl", .string("\(base)/\($0.0)")), ("resource", $0.1)]) })),
        ])
    }
}
