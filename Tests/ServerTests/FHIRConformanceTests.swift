import FHIRInterchange
import Foundation
import Interchange
import MedPolicyServer
import Model
import Testing

/// What the Da Vinci IGs and CDS Hooks 2.0 require of the resources medpolicy returns, checked on
/// parsed JSON (written from the IG sources: CRD ext-coverage-information and its invariants
/// crd-ci-q1…q9, PAS ClaimResponse and CommunicationRequest profiles, CDS Hooks cards).
/// Each check returns what is wrong, as "path: problem"; empty means conformant.
enum IGConformance {
    typealias Object = [String: Any]

    static let covered: Set<String> = ["covered", "not-covered", "conditional"]
    static let paNeeded: Set<String> = ["no-auth", "auth-needed", "satisfied", "performpa", "conditional"]
    static let docNeeded: Set<String> = ["no-doc", "clinical", "admin", "both", "conditional"]
    static let docPurpose: Set<String> = ["withpa", "withclaim", "withorder", "retain-doc", "OTH"]
    static let infoNeeded: Set<String> = ["performer", "location", "timeframe", "contract-window", "detail-code", "OTH"]
    static let coverageInformationURL = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"

    /// CDS Hooks 2.0 response: cards and system actions.
    static func cdsResponse(_ response: Object) -> [String] {
        var problems: [String] = []
        guard let cards = response["cards"] as? [Object] else { return ["cards: required"] }
        for (index, card) in cards.enumerated() {
            let path = "cards[\(index)]"
            let summary = card["summary"] as? String ?? ""
            if summary.isEmpty { problems.append("\(path).summary: required") }
            if summary.count >= 140 { problems.append("\(path).summary: \(summary.count) characters, CDS Hooks wants fewer than 140") }
            if summary.hasSuffix("…") { problems.append("\(path).summary: cut short: \(summary)") }
            if !["info", "warning", "critical"].contains(card["indicator"] as? String ?? "") { problems.append("\(path).indicator: not info | warning | critical") }
            if ((card["source"] as? Object)?["label"] as? String ?? "").isEmpty { problems.append("\(path).source.label: required") }
            for (offset, link) in (card["links"] as? [Object] ?? []).enumerated() {
                if link["label"] == nil || link["url"] == nil || !["absolute", "smart"].contains(link["type"] as? String ?? "") {
                    problems.append("\(path).links[\(offset)]: label, url and type absolute | smart are required")
                }
            }
        }
        for (index, action) in (response["systemActions"] as? [Object] ?? []).enumerated() {
            let path = "systemActions[\(index)]"
            if !["create", "update", "delete"].contains(action["type"] as? String ?? "") { problems.append("\(path).type: not create | update | delete") }
            guard let resource = action["resource"] as? Object else { problems.append("\(path).resource: required for \(action["type"] ?? "")"); continue }
            let infos = (resource["extension"] as? [Object] ?? []).filter { $0["url"] as? String == coverageInformationURL }
            if infos.isEmpty { problems.append("\(path).resource: no coverage-information extension") }
            for (offset, info) in infos.enumerated() { problems += coverageInformation(info).map { "\(path).resource.extension[\(offset)] \($0)" } }
        }
        return problems
    }

    /// The CRD coverage-information extension: cardinalities, bindings and invariants crd-ci-q1…q9.
    static func coverageInformation(_ info: Object) -> [String] {
        let parts = info["extension"] as? [Object] ?? []
        func all(_ url: String) -> [Object] { parts.filter { $0["url"] as? String == url } }
        func codes(_ url: String) -> [String] { all(url).compactMap { $0["valueCode"] as? String } }
        var problems: [String] = []
        for (url, key) in [("coverage", "valueReference"), ("covered", "valueCode"), ("date", "valueDate"),
                           ("coverage-assertion-id", "valueString")] {
            let found = all(url)
            if found.count != 1 { problems.append("\(url): 1..1, found \(found.count)") }
            if found.contains(where: { $0[key] == nil }) { problems.append("\(url): needs \(key)") }
        }
        for url in ["pa-needed", "doc-needed", "satisfied-pa-id"] where all(url).count > 1 { problems.append("\(url): 0..1") }
        for (url, allowed) in [("covered", covered), ("pa-needed", paNeeded), ("doc-needed", docNeeded), ("doc-purpose", docPurpose),
                               ("info-needed", infoNeeded)] {
            for code in codes(url) where !allowed.contains(code) { problems.append("\(url): \"\(code)\" is not in the required value set") }
        }
        if let date = all("date").first?["valueDate"] as? String, LocalDate(date) == nil { problems.append("date: not a FHIR date: \(date)") }
        let reasons = all("reason")
        let coveredCode = codes("covered").first, pa = codes("pa-needed").first, doc = codes("doc-needed").first
        // q1: questionnaire (or response) only with doc-needed other than no-doc.
        if !(all("questionnaire") + all("response")).isEmpty && (doc == nil || doc == "no-doc") { problems.append("crd-ci-q1: questionnaire without doc-needed") }
        // q2: not-covered has no pa-needed.
        if coveredCode == "not-covered" && pa != nil { problems.append("crd-ci-q2: pa-needed on a not-covered assertion") }
        // q3: info-needed if and only if something is conditional.
        let conditional = [coveredCode, pa, doc].contains("conditional")
        if conditional != !all("info-needed").isEmpty { problems.append("crd-ci-q3: info-needed \(conditional ? "missing on" : "without") a conditional assertion") }
        // q4: no withpa documentation when no prior authorization is needed (satisfied, no-auth, not covered).
        if codes("doc-purpose").contains("withpa") && (pa == "satisfied" || pa == "no-auth" || coveredCode == "not-covered") {
            problems.append("crd-ci-q4: doc-purpose withpa where no prior authorization is needed")
        }
        // q5: satisfied-pa-id exactly when pa-needed is satisfied.
        if (pa == "satisfied") != !all("satisfied-pa-id").isEmpty { problems.append("crd-ci-q5: satisfied-pa-id and pa-needed satisfied go together") }
        // q6: info-needed OTH names the reason.
        if codes("info-needed").contains("OTH") && reasons.isEmpty { problems.append("crd-ci-q6: info-needed OTH without a reason") }
        // q7: a reason coded outside the CRD value set carries text.
        for reason in reasons {
            let concept = reason["valueCodeableConcept"] as? Object ?? [:]
            let systems = (concept["coding"] as? [Object] ?? []).compactMap { $0["system"] as? String }
            let fromCRD = systems.contains { $0.hasPrefix("http://hl7.org/fhir/us/davinci-crd/") }
            if !fromCRD && (concept["text"] as? String ?? "").isEmpty { problems.append("crd-ci-q7: a reason without text") }
        }
        // q8: documentation asked for says why.
        if !codes("doc-purpose").isEmpty && reasons.isEmpty { problems.append("crd-ci-q8: doc-purpose without a reason") }
        // q9: an indeterminate assertion says why.
        if [coveredCode, pa, doc].contains("indeterminate") && reasons.isEmpty { problems.append("crd-ci-q9: indeterminate without a reason") }
        // CRD 2.2 detail: code, value and category; a policy link is a url.
        for (offset, detail) in all("detail").enumerated() {
            let inner = detail["extension"] as? [Object] ?? []
            for url in ["code", "value", "category"] where inner.filter({ $0["url"] as? String == url }).count != 1 {
                problems.append("detail[\(offset)].\(url): 1..1")
            }
            let code = inner.first { $0["url"] as? String == "code" }.flatMap { (($0["valueCodeableConcept"] as? Object)?["coding"] as? [Object])?.first?["code"] as? String }
            if code == "policy-link", inner.first(where: { $0["url"] as? String == "value" })?["valueUrl"] == nil {
                problems.append("detail[\(offset)]: policy-link needs valueUrl")
            }
        }
        return problems
    }

    /// The PAS response Bundle: a collection whose first entry is a PAS ClaimResponse; its
    /// CommunicationRequests follow the PAS profile.
    static func pasResponse(_ bundle: Object, request: Object) -> [String] {
        var problems: [String] = []
        if bundle["type"] as? String != "collection" { problems.append("Bundle.type: collection") }
        if bundle["timestamp"] == nil { problems.append("Bundle.timestamp: 1..1") }
        let entries = bundle["entry"] as? [Object] ?? []
        for (index, entry) in entries.enumerated() where entry["fullUrl"] == nil || entry["resource"] == nil {
            problems.append("Bundle.entry[\(index)]: fullUrl and resource are 1..1")
        }
        let resources = entries.compactMap { $0["resource"] as? Object }
        guard let response = resources.first, response["resourceType"] as? String == "ClaimResponse" else {
            return problems + ["Bundle.entry[0]: the ClaimResponse"]
        }
        let claim = ((request["entry"] as? [Object])?.first?["resource"] as? Object) ?? [:]
        if response["status"] as? String != "active" { problems.append("ClaimResponse.status: active") }
        if response["use"] as? String != "preauthorization" { problems.append("ClaimResponse.use: preauthorization") }
        for key in ["type", "patient", "created", "insurer", "outcome"] where response[key] == nil { problems.append("ClaimResponse.\(key): 1..1") }
        if !["complete", "error", "partial"].contains(response["outcome"] as? String ?? "") {
            problems.append("ClaimResponse.outcome: complete | error | partial, found \(response["outcome"] ?? "nothing")")
        }
        if claim["identifier"] != nil && response["identifier"] == nil { problems.append("ClaimResponse.identifier: the request gives one (must-support)") }
        if claim["provider"] != nil && response["requestor"] == nil { problems.append("ClaimResponse.requestor: the request gives one (must-support)") }
        for (index, item) in (response["item"] as? [Object] ?? []).enumerated() {
            if item["itemSequence"] == nil { problems.append("ClaimResponse.item[\(index)].itemSequence: 1..1") }
            let adjudications = item["adjudication"] as? [Object] ?? []
            if adjudications.isEmpty { problems.append("ClaimResponse.item[\(index)].adjudication: 1..*") }
            for adjudication in adjudications {
                let code = ((adjudication["category"] as? Object)?["coding"] as? [Object])?.first?["code"] as? String
                if code != "submitted" { problems.append("ClaimResponse.item[\(index)].adjudication.category: fixed to submitted") }
            }
        }
        for (index, note) in (response["processNote"] as? [Object] ?? []).enumerated() where note["number"] == nil || note["text"] == nil {
            problems.append("ClaimResponse.processNote[\(index)]: number and text")
        }
        let communications = resources.filter { $0["resourceType"] as? String == "CommunicationRequest" }
        let cited = Set((response["communicationRequest"] as? [Object] ?? []).compactMap { $0["reference"] as? String })
        let urls = Set(entries.filter { ($0["resource"] as? Object)?["resourceType"] as? String == "CommunicationRequest" }.compactMap { $0["fullUrl"] as? String })
        if cited != urls { problems.append("ClaimResponse.communicationRequest: cites \(cited.sorted()), the Bundle has \(urls.sorted())") }
        for (index, communication) in communications.enumerated() {
            problems += communicationRequest(communication).map { "CommunicationRequest[\(index)] \($0)" }
        }
        return problems
    }

    /// PAS CommunicationRequest (profile-communicationrequest).
    static func communicationRequest(_ resource: Object) -> [String] {
        var problems: [String] = []
        if resource["status"] as? String != "active" { problems.append("status: fixed to active") }
        let identifiers = resource["identifier"] as? [Object] ?? []
        let voice = (resource["medium"] as? [Object] ?? []).contains { (($0["coding"] as? [Object]) ?? []).contains { $0["code"] as? String == "VO" } }
        if identifiers.count > 1 { problems.append("identifier: 0..1") }
        if identifiers.isEmpty && !voice { problems.append("IdentifierUnlessVO: identifier is required unless the medium is VO") }
        let payload = resource["payload"] as? [Object] ?? []
        if payload.count > 1 { problems.append("payload: 0..1, found \(payload.count)") }
        for part in payload {
            guard let content = part["contentString"] as? String else { problems.append("payload.content[x]: only string"); continue }
            if content.wholeMatch(of: /\d{1,7}-\d/) == nil { problems.append("payload.contentString: \"\(content)\" is not a LOINC code (valid-hl7-attachment-requests)") }
        }
        if resource["requester"] == nil { problems.append("requester: the insurer (must-support)") }
        if (resource["recipient"] as? [Object] ?? []).isEmpty { problems.append("recipient: the requesting provider (must-support)") }
        return problems
    }

    /// A DTR questionnaire: R4 Questionnaire rules that a form filler relies on.
    static func questionnaire(_ resource: Object) -> [String] {
        var problems: [String] = []
        if resource["resourceType"] as? String != "Questionnaire" { problems.append("resourceType: Questionnaire") }
        if !["draft", "active", "retired", "unknown"].contains(resource["status"] as? String ?? "") { problems.append("status: 1..1") }
        if (resource["url"] as? String ?? "").isEmpty { problems.append("url: a canonical DTR can cite") }
        var linkIds: Set<String> = []
        func walk(_ items: [Object], _ path: String) {
            for (index, item) in items.enumerated() {
                let here = "\(path)[\(index)]"
                guard let linkId = item["linkId"] as? String, !linkId.isEmpty else { problems.append("\(here).linkId: 1..1"); continue }
                if !linkIds.insert(linkId).inserted { problems.append("\(here).linkId: \"\(linkId)\" is not unique (que-2)") }
                let type = item["type"] as? String ?? ""
                let types: Set<String> = ["group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text",
                                          "url", "choice", "open-choice", "attachment", "reference", "quantity"]
                if !types.contains(type) { problems.append("\(here).type: \"\(type)\"") }
                let children = item["item"] as? [Object] ?? []
                if type == "group" && children.isEmpty { problems.append("\(here): a group needs items (que-1)") }
                if type == "display" && !children.isEmpty { problems.append("\(here): a display item has no items (que-1)") }
                if (type == "choice" || type == "open-choice") && item["answerOption"] == nil && item["answerValueSet"] == nil {
                    problems.append("\(here): a choice needs answerOption or answerValueSet (que-5)")
                }
                walk(children, here + ".item")
            }
        }
        walk(resource["item"] as? [Object] ?? [], "item")
        return problems
    }
}

@Suite("FHIR conformance of what the server returns", .serialized)
struct FHIRConformanceTests {
    @Test("every CRD response (cards, system actions, coverage information) for every example and hook conforms")
    func crdResponses() async throws {
        let server = try await RunningServer.start()
        var checked = 0
        for name in exampleNames {
            let encounter = try EncounterReader.decode(try example(name))
            for hook in CRDService.allCases {
                let reply = try await server.send("POST", "/cds-services/\(hook.id)",
                                                  body: CRD.requestData(for: encounter, hook: hook, hookInstance: "conformance-\(name)"))
                #expect(reply.status == 200, "\(name) \(hook.hook): \(reply.text)")
                #expect(IGConformance.cdsResponse(reply.object) == [], "\(name) \(hook.hook)")
                checked += (reply.object["systemActions"] as? [Any])?.count ?? 0
            }
        }
        #expect(checked > 0)
        await server.stop()
    }

    @Test("every PAS response bundle (ClaimResponse, CommunicationRequests) for every example conforms")
    func pasResponses() async throws {
        let server = try await RunningServer.start()
        var communications = 0
        for name in exampleNames {
            let bundle = PAS.requestBundle(for: try EncounterReader.decode(try example(name)))
            let request = try #require(try JSONSerialization.jsonObject(with: FHIRJSONWriter.data(bundle)) as? [String: Any])
            let reply = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(bundle), contentType: "application/fhir+json")
            #expect(reply.status == 200, "\(name): \(reply.text)")
            #expect(IGConformance.pasResponse(reply.object, request: request) == [], "\(name)")
            communications += (reply.object["entry"] as? [[String: Any]] ?? []).filter {
                ($0["resource"] as? [String: Any])?["resourceType"] as? String == "CommunicationRequest"
            }.count
        }
        #expect(communications > 0)
        await server.stop()
    }

    @Test("every DTR questionnaire the server serves conforms")
    func questionnaires() async throws {
        let server = try await RunningServer.start()
        let library = try sharedEvaluator.get().context.library
        for policy in library.policies {
            let reply = try await server.send("GET", "/fhir/Questionnaire/\(DTR.questionnaireId(policyId: policy.id))")
            #expect(reply.status == 200)
            #expect(IGConformance.questionnaire(reply.object) == [], "\(policy.id)")
        }
        await server.stop()
    }

    @Test("the checks are not vacuous: each invariant catches its breach")
    func checksCatchBreaches() {
        func info(_ parts: [[String: Any]]) -> [String: Any] {
            ["url": IGConformance.coverageInformationURL, "extension": [
                ["url": "coverage", "valueReference": ["reference": "Coverage/1"]], ["url": "date", "valueDate": "2025-09-01"],
                ["url": "coverage-assertion-id", "valueString": "a"],
            ] + parts]
        }
        func code(_ url: String, _ value: String) -> [String: Any] { ["url": url, "valueCode": value] }
        let reason: [String: Any] = ["url": "reason", "valueCodeableConcept": ["text": "why"]]
        let cases: [(String, [[String: Any]])] = [
            ("crd-ci-q1", [code("covered", "covered"), code("pa-needed", "no-auth"), ["url": "questionnaire", "valueCanonical": "x"]]),
            ("crd-ci-q2", [code("covered", "not-covered"), code("pa-needed", "no-auth")]),
            ("crd-ci-q3", [code("covered", "conditional"), code("pa-needed", "conditional")]),
            ("crd-ci-q4", [code("covered", "covered"), code("pa-needed", "no-auth"), code("doc-needed", "clinical"), code("doc-purpose", "withpa"), reason]),
            ("crd-ci-q5", [code("covered", "covered"), code("pa-needed", "satisfied")]),
            ("crd-ci-q6", [code("covered", "conditional"), code("pa-needed", "conditional"), code("info-needed", "OTH")]),
            ("crd-ci-q7", [code("covered", "not-covered"), ["url": "reason", "valueCodeableConcept": ["coding": [["system": "https://x12.org/codes/claim-adjustment-reason-codes", "code": "50"]]]]]),
            ("crd-ci-q8", [code("covered", "covered"), code("pa-needed", "no-auth"), code("doc-needed", "admin"), code("doc-purpose", "withclaim")]),
            ("crd-ci-q9", [code("covered", "indeterminate"), code("pa-needed", "no-auth")]),
            ("detail[0].category", [code("covered", "covered"), code("pa-needed", "no-auth"), ["url": "detail", "extension": [
                ["url": "code", "valueCodeableConcept": ["coding": [["code": "policy-link"]]]], ["url": "value", "valueUrl": "https://x"]]]]),
        ]
        for (invariant, parts) in cases {
            let problems = IGConformance.coverageInformation(info(parts))
            #expect(problems.contains { $0.contains(invariant) }, "\(invariant): \(problems)")
        }
        #expect(IGConformance.coverageInformation(info([code("covered", "covered"), code("pa-needed", "no-auth")])) == [])
        let summary = String(repeating: "a", count: 140)
        #expect(!IGConformance.cdsResponse(["cards": [["summary": summary, "indicator": "info", "source": ["label": "x"]]]]).isEmpty)
        let twoPayloads: [String: Any] = ["status": "active", "identifier": [["value": "1"]], "payload": [["contentString": "28626-0"], ["contentString": "Notes"]],
                                          "requester": ["reference": "Organization/p"], "recipient": [["reference": "Practitioner/1"]]]
        let problems = IGConformance.communicationRequest(twoPayloads)
        #expect(problems.contains { $0.contains("payload: 0..1") } && problems.contains { $0.contains("\"Notes\"") })
    }
}
