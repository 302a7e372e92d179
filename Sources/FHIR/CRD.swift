import Foundation
import Interchange
import Model

/// Da Vinci CRD over CDS Hooks 2.0: the response cards and coverage-information system actions
/// for evaluated orders, and (the inverse, for tests and integration) a hook request built from
/// a Contract 1 encounter.
public enum CRD {
    // MARK: Response

    /// The CDS Hooks response for the orders of one request. Each order gets one card; an order
    /// with a determination (other than `not_applicable`) also gets a system action of type `update`
    /// carrying the draft resource with the CRD coverage-information extension. Orders that lack
    /// prefetch get a warning card naming what is missing and no system action.
    ///
    /// - Parameters:
    ///   - questionnaireBase: canonical base for DTR questionnaires (`{base}/Questionnaire/{id}`);
    ///     `nil` leaves the questionnaire out.
    ///   - policyURL: the link to a policy, by policy id, when the caller serves one.
    ///   - priorAuthorization: what the payer's policy asks of prior authorization for an order
    ///     (by default nothing: the policies here decide medical necessity).
    public static func response(for results: [(order: CRDOrder, determination: Determination?)],
                                questionnaireBase: String? = nil,
                                policyURL: (String) -> String?,
                                priorAuthorization: (CRDOrder) -> CRDPriorAuthorization = { _ in .notRequired }) -> JSONValue {
        var cards: [JSONValue] = []
        var actions: [JSONValue] = []
        for (order, determination) in results {
            let link = determination?.policy.flatMap { policyURL($0.id) }
            switch order.status {
            case .missing(let issues):
                cards.append(missingCard(order, issues))
            case .ready:
                guard let determination else {
                    cards.append(card(order, summary: "Coverage for CPT \(order.code) was not evaluated", indicator: "info",
                                      detail: "medpolicy made no determination for this order.", link: nil, policyTitle: nil))
                    continue
                }
                cards.append(card(order, determination: determination, link: link))
                if determination.outcome != .notApplicable {
                    let questionnaire = determination.policy.flatMap { policy in
                        questionnaireBase.map { "\($0)/Questionnaire/\(DTR.questionnaireId(policyId: policy.id))" }
                    }
                    let coverageInformation = coverageInformation(order, determination, policyLink: link, questionnaire: questionnaire,
                                                                  authorization: priorAuthorization(order))
                    actions.append(FHIRBuild.object([
                        ("type", .string("update")),
                        ("description", .string("Record coverage information for \(order.resourceType)/\(order.orderId)")),
                        ("resource", adding(extension: coverageInformation, to: order.resource)),
                    ]))
                }
            }
        }
        return FHIRBuild.object([("cards", .array(cards)), ("systemActions", FHIRBuild.array(actions))])
    }

    /// The CRD `covered` code for a determination outcome.
    public static func coveredCode(for outcome: Outcome) -> String? {
        switch outcome {
        case .approved: return "covered"
        case .denied: return "not-covered"
        case .pended, .partial: return "conditional"
        case .notApplicable: return nil
        }
    }

    static func coverageInformation(_ order: CRDOrder, _ determination: Determination, policyLink: String?,
                                    questionnaire: String?, authorization: CRDPriorAuthorization = .notRequired) -> JSONValue {
        func sub(_ url: String, _ key: String, _ value: JSONValue) -> JSONValue {
            .object([(key: "url", value: .string(url)), (key: key, value: value)])
        }
        // An order without a diagnosis is missing information, not a denial: the IG answers it with
        // `conditional` and `info-needed`, naming what is missing in a reason.
        let diagnosisMissing = Self.lacksDiagnosis(order)
        let outcome = diagnosisMissing ? .pended : determination.outcome
        var parts: [JSONValue] = []
        let coverage = order.coverageReference.map { FHIRBuild.reference($0) }
            ?? FHIRBuild.object([("display", .string("the member's active coverage"))])
        parts.append(sub("coverage", "valueReference", coverage))
        parts.append(sub("covered", "valueCode", .string(coveredCode(for: outcome) ?? "conditional")))
        var satisfiedBy: String?
        if case .satisfied(let number) = authorization { satisfiedBy = number }
        // With an authorization on file its documentation has been given (crd-ci-q4: no withpa then).
        let needsDocumentation = !diagnosisMissing && (outcome == .pended || outcome == .partial) && satisfiedBy == nil
        switch (outcome, authorization) {
        // CRD: no pa-needed when not covered.
        case (.denied, _), (.notApplicable, _): break
        // crd-ci-q5: satisfied-pa-id exactly when pa-needed is satisfied.
        case (_, .satisfied(let number)):
            parts.append(sub("pa-needed", "valueCode", .string("satisfied")))
            parts.append(sub("satisfied-pa-id", "valueString", .string(number)))
        // A policy whose criteria an approved authorization meets at claim time (`atClaim: authorization`).
        case (_, .required): parts.append(sub("pa-needed", "valueCode", .string("auth-needed")))
        // Other policies are medical-necessity policies, not prior-authorization lists: an approval needs no auth;
        // a pend sends the documentation to review, which PAS carries.
        case (.approved, .notRequired): parts.append(sub("pa-needed", "valueCode", .string("no-auth")))
        case (_, .notRequired): parts.append(sub("pa-needed", "valueCode", .string("conditional")))
        }
        if needsDocumentation {
            parts.append(sub("doc-needed", "valueCode", .string("clinical")))
            parts.append(sub("doc-purpose", "valueCode", .string("withpa")))
        }
        // crd-ci-q3: a conditional assertion says which information is needed. The clinical
        // documentation and the diagnosis have no code of their own: OTH, with the reasons (crd-ci-q6).
        if outcome == .pended || outcome == .partial {
            if order.dateDefaulted { parts.append(sub("info-needed", "valueCode", .string("timeframe"))) }
            parts.append(sub("info-needed", "valueCode", .string("OTH")))
        }
        if diagnosisMissing {
            parts.append(sub("reason", "valueCodeableConcept", FHIRBuild.object([("text", .string(Self.diagnosisNeeded))])))
        } else if (outcome == .pended || outcome == .partial), (determination.reasons + determination.lines.flatMap(\.reasons)).isEmpty {
            parts.append(sub("reason", "valueCodeableConcept", FHIRBuild.object([
                ("text", .string("The payer reviews clinical documentation before deciding coverage.")),
            ])))
        }
        var seen: Set<String> = []
        for reason in diagnosisMissing ? [] : determination.reasons + determination.lines.flatMap(\.reasons) {
            let key = "\(reason.carc ?? "")|\(reason.message)"
            guard seen.insert(key).inserted else { continue }
            let coding: [JSONValue] = reason.carc.map { [FHIRBuild.coding(FHIRSystem.carc, $0)] } ?? []
            parts.append(sub("reason", "valueCodeableConcept", FHIRBuild.object([
                ("coding", FHIRBuild.array(coding)), ("text", .string(reason.message)),
            ])))
        }
        if let policyLink {
            // CRD 2.2: every detail has a category; a link to the policy informs the decision.
            parts.append(FHIRBuild.object([
                ("url", .string("detail")),
                ("extension", .array([
                    sub("code", "valueCodeableConcept", FHIRBuild.concept(FHIRSystem.crdTemp, "policy-link", "Policy link")),
                    sub("value", "valueUrl", .string(policyLink)),
                    sub("category", "valueCodeableConcept",
                        FHIRBuild.concept(coverageInformationCodes, "cat-decisional", "Decision Considerations")),
                ])),
            ]))
        }
        if needsDocumentation, let questionnaire {
            parts.append(sub("questionnaire", "valueCanonical", .string(questionnaire)))
        }
        parts.append(sub("date", "valueDate", .string(order.assertionDate.description)))
        parts.append(sub("coverage-assertion-id", "valueString", .string(order.assertionId)))
        return FHIRBuild.object([("url", .string(FHIRSystem.coverageInformation)), ("extension", .array(parts))])
    }

    /// CRD's code system of coverage-information codes (detail categories among them).
    static let coverageInformationCodes = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/coverage-information-codes"
    static let diagnosisNeeded = "The order names no diagnosis (reasonCode or an active Condition): coverage depends on it."

    /// Whether an evaluated order gives no diagnosis at all (the IG's own example orders have none).
    static func lacksDiagnosis(_ order: CRDOrder) -> Bool {
        guard let encounter = order.encounter else { return false }
        return encounter.diagnosisList.isEmpty
    }

    /// The resource with `ext` appended to its extensions (existing ones kept).
    static func adding(extension ext: JSONValue, to resource: JSONValue) -> JSONValue {
        guard case .object(var members) = resource else { return resource }
        if let index = members.firstIndex(where: { $0.key == "extension" }), case .array(let existing) = members[index].value {
            members[index].value = .array(existing + [ext])
        } else {
            // FHIR JSON lists extension right after the resource's id and meta.
            let position = members.firstIndex(where: { !["resourceType", "id", "meta", "text"].contains($0.key) }) ?? members.count
            members.insert((key: "extension", value: .array([ext])), at: position)
        }
        return .object(members)
    }

    // MARK: Cards

    static func card(_ order: CRDOrder, determination: Determination, link: String?) -> JSONValue {
        let code = order.code
        let payer = determination.payer
        let summary: String
        let indicator: String
        if lacksDiagnosis(order) {
            return card(order, summary: "CPT \(code): \(payer) coverage depends on the diagnosis, which the order does not give",
                        indicator: "warning", detail: diagnosisNeeded + "\n\n" + FHIRNarrative.markdown(determination), link: link,
                        policyTitle: determination.policy?.title)
        }
        switch determination.outcome {
        case .approved:
            summary = "CPT \(code) is covered by \(payer) policy; no documentation gaps found"
            indicator = "info"
        case .denied:
            // The reasons, with citations, are in the detail: the summary stays short (CDS Hooks: < 140).
            summary = "CPT \(code) is not covered by \(payer) policy; see the reasons"
            indicator = "critical"
        case .pended:
            summary = "CPT \(code): \(payer) coverage depends on documentation the payer will review"
            indicator = "warning"
        case .partial:
            summary = "CPT \(code) is partly covered by \(payer); see the reasons"
            indicator = "warning"
        case .notApplicable:
            summary = "No medpolicy policy decides CPT \(code) for this \(payer) coverage"
            indicator = "info"
        }
        return card(order, summary: summary, indicator: indicator,
                    detail: FHIRNarrative.markdown(determination), link: link, policyTitle: determination.policy?.title)
    }

    static func missingCard(_ order: CRDOrder, _ issues: [FHIRIssue]) -> JSONValue {
        let names = issues.map(\.location).joined(separator: ", ")
        var detail = "medpolicy could not check coverage for this order because the request lacks:\n\n"
        for issue in issues { detail += "- `\(issue.location)`: \(issue.message)\n" }
        return card(order, summary: "Cannot check coverage for CPT \(order.code): missing \(names)", indicator: "warning",
                    detail: detail, link: nil, policyTitle: nil)
    }

    static func card(_ order: CRDOrder, summary: String, indicator: String, detail: String, link: String?,
                     policyTitle: String?) -> JSONValue {
        let links: [JSONValue] = link.map { url in
            [FHIRBuild.object([("label", .string(policyTitle ?? "Coverage policy")), ("url", .string(url)),
                               ("type", .string("absolute"))])]
        } ?? []
        return FHIRBuild.object([
            ("uuid", .string(order.assertionId)),
            ("summary", .string(fitted(summary))),
            ("indicator", .string(indicator)),
            ("detail", .string(detail)),
            ("source", FHIRBuild.object([
                ("label", .string("medpolicy")),
                ("topic", FHIRBuild.coding(FHIRSystem.crdTemp, "coverage-info", "Coverage Information")),
            ])),
            ("links", FHIRBuild.array(links)),
        ])
    }

    /// CDS Hooks: a card's summary is "<140-character summary message". Summaries are written to
    /// fit; one that does not (a long payer name, many missing elements) ends at a word, with "…".
    static let summaryLimit = 139
    static func fitted(_ text: String) -> String {
        guard text.count > summaryLimit else { return text }
        let room = text.prefix(summaryLimit - 1)
        let cut = room.lastIndex(of: " ").map { room[..<$0] } ?? room
        return cut.trimmingCharacters(in: CharacterSet(charactersIn: " ,;:")) + "…"
    }

    // MARK: Request (the inverse)

    /// A CDS Hooks request for `hook` whose context and prefetch carry `encounter`: one draft
    /// ServiceRequest per line (TPI lines named after the encounter), the Patient, an active Coverage
    /// and the diagnoses as active Conditions. Clinical facts and history are not part of an order.
    public static func request(for encounter: Encounter, hook: CRDService, hookInstance: String,
                               payers: PayerDirectory = .standard) -> JSONValue {
        let member = encounter.member
        let coverageId = "coverage-\(member.id)"
        let tpiLines = encounter.lines.enumerated().filter { FHIRMapping.treatmentProcedures.contains($0.element.code) }
        var requests: [JSONValue] = []
        var tpiIds: [String] = []
        for (offset, line) in encounter.lines.enumerated() {
            let isTPI = FHIRMapping.treatmentProcedures.contains(line.code)
            let id = isTPI && tpiLines.count == 1 ? encounter.id : "\(encounter.id)-\(offset + 1)"
            if isTPI { tpiIds.append(id) }
            let sites = isTPI ? (encounter.procedure?.sites ?? []).map(FHIRMapping.siteConcept) : []
            requests.append(FHIRBuild.object([
                ("resourceType", .string("ServiceRequest")),
                ("id", .string(id)),
                ("status", .string("draft")),
                ("intent", .string("order")),
                ("code", FHIRBuild.concept(FHIRSystem.cpt, line.code)),
                ("quantityQuantity", line.units.map { FHIRBuild.object([("value", .integer($0))]) }),
                ("subject", FHIRBuild.reference("Patient/\(member.id)")),
                ("occurrenceDateTime", .string(encounter.dateOfService.description)),
                ("reasonCode", FHIRBuild.array(encounter.diagnoses(for: line).map(FHIRMapping.diagnosisConcept))),
                ("bodySite", FHIRBuild.array(sites)),
            ]))
        }
        var context: [(String, JSONValue?)] = [
            ("userId", .string("Practitioner/ordering-provider")),
            ("patientId", .string(member.id)),
        ]
        switch hook {
        case .orderSign:
            context.append(("draftOrders", bundle(type: "collection", requests)))
        case .orderSelect:
            context.append(("selections", .array(tpiIds.map { .string("ServiceRequest/\($0)") })))
            context.append(("draftOrders", bundle(type: "collection", requests)))
        case .appointmentBook:
            var appointments: [JSONValue] = []
            for id in tpiIds {
                appointments.append(FHIRBuild.object([
                    ("resourceType", .string("Appointment")),
                    ("id", .string(id)),
                    ("status", .string("proposed")),
                    ("start", .string("\(encounter.dateOfService)T09:00:00Z")),
                    ("end", .string("\(encounter.dateOfService)T09:30:00Z")),
                    ("basedOn", .array([FHIRBuild.reference("ServiceRequest/\(id)")])),
                    ("participant", .array([FHIRBuild.object([
                        ("actor", FHIRBuild.reference("Patient/\(member.id)")), ("status", .string("accepted")),
                    ])])),
                ]))
            }
            context.append(("appointments", bundle(type: "collection", appointments + requests)))
        case .orderDispatch:
            context.append(("dispatchedOrders", .array(tpiIds.map { .string("ServiceRequest/\($0)") })))
            context.append(("performer", .string("Practitioner/performing-provider")))
        }
        let conditions = encounter.diagnosisList.enumerated().map { offset, code in
            FHIRBuild.object([
                ("resourceType", .string("Condition")),
                ("id", .string("condition-\(offset + 1)")),
                ("clinicalStatus", FHIRBuild.concept(FHIRSystem.conditionClinical, "active")),
                ("code", FHIRMapping.diagnosisConcept(code)),
                ("subject", FHIRBuild.reference("Patient/\(member.id)")),
            ])
        }
        let coverage = FHIRMapping.coverageResource(id: coverageId, coverage: encounter.coverage, member: member, payers: payers)
        return FHIRBuild.object([
            ("hookInstance", .string(hookInstance)),
            ("hook", .string(hook.hook)),
            ("context", FHIRBuild.object(context)),
            ("prefetch", FHIRBuild.object([
                ("patient", FHIRMapping.patientResource(member)),
                ("coverage", bundle(type: "searchset", [coverage])),
                ("conditions", bundle(type: "searchset", conditions)),
                ("orders", hook == .orderDispatch ? bundle(type: "searchset", requests) : nil),
            ])),
        ])
    }

    /// `request(for:hook:hookInstance:)` as JSON text.
    public static func requestData(for encounter: Encounter, hook: CRDService, hookInstance: String) -> Data {
        FHIRJSONWriter.data(request(for: encounter, hook: hook, hookInstance: hookInstance))
    }

    static func bundle(type: String, _ resources: [JSONValue]) -> JSONValue {
        FHIRBuild.object([
            ("resourceType", .string("Bundle")),
            ("type", .string(type)),
            ("total", type == "searchset" ? .integer(resources.count) : nil),
            ("entry", .array(resources.map { FHIRBuild.object([("resource", $0)]) })),
        ])
    }
}

/// Plain-language renderings of a determination for CRD cards (markdown) and PAS process notes.
enum FHIRNarrative {
    static func reason(_ reason: Reason) -> String {
        var text = reason.message
        if let carc = reason.carc { text += " (CARC \(carc)\(reason.rarc.isEmpty ? "" : ", RARC " + reason.rarc.joined(separator: ", ")))" }
        if let citation = reason.citation { text += " — \(citation.source) § \(citation.section)" }
        return text
    }

    static func markdown(_ determination: Determination) -> String {
        var text = "**Outcome: \(determination.outcome.rawValue)**"
        if let policy = determination.policy { text += " under *\(policy.title)* (`\(policy.id)`)" }
        text += "\n"
        let reasons = determination.reasons.map { ($0, nil as Int?) } + determination.lines.flatMap { line in line.reasons.map { ($0, line.index) } }
        if !reasons.isEmpty {
            text += "\n**Reasons**\n\n"
            for (reason, line) in reasons {
                text += "- " + (line.map { "line \($0): " } ?? "") + self.reason(reason) + " [`\(reason.rule)`]\n"
            }
        }
        if !determination.coding.issues.isEmpty {
            text += "\n**Coding**\n\n"
            for issue in determination.coding.issues { text += "- \(issue.message) [`\(issue.rule)`]\n" }
        }
        let documentation = determination.documentation
        if !documentation.requests.isEmpty || !documentation.missing.isEmpty {
            text += "\n**Documentation needed**\n\n"
            for request in documentation.requests {
                text += "- \(request.name)" + (request.loinc.map { " (LOINC \($0))" } ?? "") + "\n"
            }
            for element in documentation.missing { text += "- \(element.replacingOccurrences(of: "_", with: " "))\n" }
        }
        return text
    }
}

/// What a payer's policy asks of prior authorization for an ordered service (CRD `pa-needed`).
public enum CRDPriorAuthorization: Sendable, Equatable {
    /// The policy decides medical necessity only: `no-auth` when covered, `conditional` when documentation decides.
    case notRequired
    /// The policy's criteria are met at claim time by an approved prior authorization: `auth-needed`.
    case required
    /// An approved prior authorization on file covers the order: `satisfied`, with its number (`satisfied-pa-id`).
    case satisfied(number: String)
}
