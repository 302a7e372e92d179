import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

private func bundle(_ example: String, edit: (JSONValue) -> JSONValue = { $0 }) throws -> JSONValue {
    edit(PAS.requestBundle(for: try Repository.example(example)))
}

private func read(_ json: JSONValue) throws -> PASRequest { try PASRequest(json: FHIRJSONWriter.data(json)) }

@Suite("PAS: request bundles")
struct PASRequestTests {
    @Test func everyExampleRoundTrips() throws {
        for (name, encounter) in try Repository.examples() {
            let request = try read(PAS.requestBundle(for: encounter))
            let back = request.encounter
            #expect(back.id == encounter.id, "\(name)")
            #expect(back.member == encounter.member, "\(name)")
            #expect(back.coverage == encounter.coverage, "\(name)")
            #expect(back.dateOfService == encounter.dateOfService, "\(name)")
            #expect(back.placeOfService == encounter.placeOfService, "\(name)")
            #expect(back.diagnoses == encounter.diagnoses, "\(name)")
            #expect(back.lines == encounter.lines, "\(name)")
            #expect(back.procedure?.sites == encounter.procedure?.sites, "\(name)")
            #expect(back.clinical == encounter.clinical, "\(name)")
            #expect(request.itemSequences == Array(1...encounter.lines.count))
            #expect(request.claimReference.hasSuffix("/Claim/\(request.claimId ?? "?")"))
        }
    }

    @Test func referencesResolveRelativeAndByFullUrl() throws {
        // The Claim refers to "Patient/M-001"; give the Patient entry only an absolute fullUrl of another server.
        let json = try bundle("florida-blue-approved") {
            $0.setting(["entry", 1, "fullUrl"], to: .string("https://ehr.example/fhir/Patient/M-001"))
              .setting(["entry", 1, "resource", "id"], to: nil)
              .setting(["entry", 0, "resource", "patient", "reference"], to: .string("https://ehr.example/fhir/Patient/M-001"))
              .setting(["entry", 1, "resource", "identifier", 0, "value"], to: .string("M-001"))
        }
        #expect(try read(json).encounter.member.id == "M-001")
    }

    @Test func conditionReferencesGiveDiagnoses() throws {
        let condition = JSONValue.object([
            (key: "resourceType", value: .string("Condition")), (key: "id", value: .string("c1")),
            (key: "code", value: .object([(key: "coding", value: .array([.object([
                (key: "system", value: .string("http://hl7.org/fhir/sid/icd-10-cm")), (key: "code", value: .string("M79.18"))])]))])),
        ])
        let original = try bundle("florida-blue-approved")
        let json = original
            .setting(["entry"], to: .array((original["entry"]?.arrayValue ?? []) + [.object([(key: "resource", value: condition)])]))
            .setting(["entry", 0, "resource", "diagnosis", 0, "diagnosisCodeableConcept"], to: nil)
            .setting(["entry", 0, "resource", "diagnosis", 0, "diagnosisReference"],
                     to: .object([(key: "reference", value: .string("Condition/c1"))]))
        #expect(try read(json).encounter.diagnoses == ["M79.18"])
    }

    @Test func malformedBundlesAreLocated() throws {
        func issue(_ edit: @escaping (JSONValue) -> JSONValue) -> FHIRIssue? {
            expectIssue { _ = try read(try bundle("aetna-approved", edit: edit)) }
        }
        #expect(issue { $0.setting(["entry", 0], to: nil) }?.location == "Bundle.entry[0].resource.resourceType")
        #expect(issue { $0.setting(["entry"], to: .array([])) }?.location == "Bundle.entry")
        #expect(issue { $0.setting(["type"], to: .string("transaction")) }?.location == "Bundle.type")
        #expect(issue { $0.setting(["entry", 0, "resource", "use"], to: .string("claim")) }?.location == "Bundle.entry[0].resource.use")
        #expect(issue { $0.setting(["entry", 0, "resource", "item", 0, "productOrService"], to: nil) }?.location
            == "Bundle.entry[0].resource.item[0].productOrService")
        #expect(issue { $0.setting(["entry", 0, "resource", "item", 0, "productOrService", "coding", 0, "code"], to: .string("2055")) }?.location
            == "Bundle.entry[0].resource.item[0].productOrService.coding[0].code")
        let patient = issue { $0.setting(["entry", 0, "resource", "patient", "reference"], to: .string("Patient/nobody")) }
        #expect(patient?.location == "Bundle.entry[0].resource.patient.reference")
        #expect(patient?.message.contains("Patient/nobody") == true)
        let wrongType = issue { $0.setting(["entry", 0, "resource", "patient", "reference"], to: .string("Organization/payer-aetna")) }
        #expect(wrongType?.location == "Bundle.entry[0].resource.patient.reference")
        #expect(wrongType?.message.contains("expected Patient") == true)
        #expect(issue { $0.setting(["entry", 0, "resource", "item", 0, "quantity", "value"], to: .number(1.5)) }?.location
            == "Bundle.entry[0].resource.item[0].quantity.value")
        #expect(issue { $0.setting(["entry", 0, "resource", "item", 0, "diagnosisSequence", 0], to: .integer(9)) }?.location
            == "Bundle.entry[0].resource.item[0].diagnosisSequence[0]")
        #expect(issue { $0.setting(["entry", 0, "resource", "item", 1, "servicedDate"], to: .string("2025-01-02")) }?.location
            == "Bundle.entry[0].resource.item[1]")
        #expect(issue { $0.setting(["entry", 2, "resource", "payor", 0, "display"], to: .string("ACME"))
                          .setting(["entry", 3, "resource", "name"], to: .string("ACME"))
                          .setting(["entry", 0, "resource", "insurer", "display"], to: .string("ACME")) }?.location
            == "Bundle.entry[2].resource.payor")
        #expect(issue { $0.setting(["entry", 1, "resource", "gender"], to: .integer(1)) }?.location == "Bundle.entry[1].resource.gender")
        #expect(expectIssue { _ = try PASRequest(json: Data("[]".utf8)) }?.location == "Bundle")
    }

    /// Issue 27.11: what the JSON API refuses, PAS refuses too, located.
    @Test func aNegativeChargeALaterBirthDateAndADateTimeBirthDateAreRefused() throws {
        func issue(_ edit: @escaping (JSONValue) -> JSONValue) -> FHIRIssue? {
            expectIssue { _ = try read(try bundle("aetna-approved", edit: edit)) }
        }
        let negative = issue { $0.setting(["entry", 0, "resource", "item", 0, "net"], to: .object([("value", .number(-10))])) }
        #expect(negative?.location == "Bundle.entry[0].resource.item[0].net.value")
        #expect(negative?.message.contains("negative") == true)
        _ = try read(try bundle("aetna-approved") { $0.setting(["entry", 0, "resource", "item", 0, "net"], to: .object([("value", .number(10))])) })
        let late = issue { $0.setting(["entry", 1, "resource", "birthDate"], to: .string("2025-08-21")) }
        #expect(late?.location == "Bundle.entry[1].resource.birthDate")
        #expect(late?.message.contains("after the date of service") == true)
        _ = try read(try bundle("aetna-approved") { $0.setting(["entry", 1, "resource", "birthDate"], to: .string("2025-08-20")) })
        #expect(issue { $0.setting(["entry", 1, "resource", "birthDate"], to: .string("1968-04-12T00:00:00Z")) }?.location
            == "Bundle.entry[1].resource.birthDate")
    }

    @Test func questionnaireAnswersBecomeClinicalFacts() throws {
        let json = try bundle("harvard-pilgrim-approved") {
            $0.setting(["entry", 4, "resource", "item"], to: .array([.object([
                (key: "linkId", value: .string("clinical.findings.tautBand")),
                (key: "answer", value: .array([.object([(key: "valueBoolean", value: .bool(false))])])),
            ])]))
        }
        let clinical = try read(json).encounter.clinical
        #expect(clinical?.findings?.tautBand == false)
        #expect(clinical?.findings?.spotTenderness == nil)
        #expect(clinical?.conservativeTherapy == nil)
    }
}

@Suite("PAS: ClaimResponse bundles")
struct PASResponseTests {
    func respond(_ example: String) throws -> (JSONValue, Determination, PASRequest) {
        let encounter = try Repository.example(example)
        let request = try read(PAS.requestBundle(for: encounter))
        // The example's history is the payer's own record: decide on the example as the payer sees it.
        let determination = try Repository.evaluator.get().evaluate(request.encounter, priorServices: encounter.history)
        return (PAS.responseBundle(for: determination, request: request, created: "2025-09-01T10:00:00Z"), determination, request)
    }

    func reviewCode(_ item: JSONValue?) -> String? {
        item?["adjudication", 0].flatMap { adjudication in
            adjudication.subExtensions("http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction").first?
                .subExtensions("http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode").first?[
                    "valueCodeableConcept", "coding", 0, "code"]?.stringValue
        }
    }

    @Test func approvedIsCompleteAndCertified() throws {
        let (bundle, determination, _) = try respond("truecare-approved")
        #expect(determination.outcome == .approved)
        let response = try #require(bundle["entry", 0, "resource"])
        #expect(bundle["type"]?.stringValue == "collection")
        #expect(response["resourceType"]?.stringValue == "ClaimResponse")
        #expect(response["status"]?.stringValue == "active")
        #expect(response["use"]?.stringValue == "preauthorization")
        #expect(response["outcome"]?.stringValue == "complete")
        #expect(response["created"]?.stringValue == "2025-09-01T10:00:00Z")
        #expect(response["preAuthRef"]?.stringValue == "MP-\(try Repository.example("truecare-approved").id)")
        #expect(reviewCode(response["item", 0]) == "A1")
        #expect(response["item", 0, "itemSequence"] == .integer(1))
        #expect(response["patient", "reference"]?.stringValue == "Patient/\(try Repository.example("truecare-approved").member.id)")
        let types = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource", "resourceType"]?.stringValue }
        #expect(types == ["ClaimResponse", "Patient", "Coverage", "Organization"])
    }

    @Test func deniedIsCompleteAndNotCertifiedWithCARC() throws {
        let (bundle, determination, _) = try respond("truecare-denied")
        #expect(determination.outcome == .denied)
        let response = try #require(bundle["entry", 0, "resource"])
        #expect(response["outcome"]?.stringValue == "complete")
        #expect(response["preAuthRef"] == nil)
        #expect(reviewCode(response["item", 0]) == "A3")
        let carc = determination.lines[0].reasons.first?.carc
        #expect(carc != nil && response["item", 0, "adjudication", 0, "reason", "coding", 0, "code"]?.stringValue == carc)
        let notes = (response["processNote"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        #expect(notes.contains { $0.contains(determination.lines[0].reasons[0].message) })
    }

    @Test func pendedIsCompleteWithReviewActionA4AndOneCommunicationRequestPerDocument() throws {
        let (bundle, determination, _) = try respond("florida-blue-pended")
        #expect(determination.outcome == .pended)
        let response = try #require(bundle["entry", 0, "resource"])
        // PAS binds outcome to complete | error | partial; the pend is the items' review action A4.
        #expect(response["outcome"]?.stringValue == "complete")
        #expect(reviewCode(response["item", 0]) == "A4")
        let loincs = determination.documentation.requests.compactMap(\.loinc)
        #expect(!loincs.isEmpty)
        let entries = bundle["entry"]?.arrayValue ?? []
        let communications = entries.compactMap { $0["resource"] }.filter { $0["resourceType"]?.stringValue == "CommunicationRequest" }
        #expect(communications.count == loincs.count)
        #expect(communications.compactMap { $0["payload", 0, "contentString"]?.stringValue } == loincs)
        for communication in communications {
            #expect(communication["payload"]?.arrayValue.count == 1)
            #expect(communication["identifier", 0, "value"]?.stringValue?.isEmpty == false)
            #expect(communication["requester"] != nil && communication["recipient", 0] != nil)
        }
        let references = (response["communicationRequest"]?.arrayValue ?? []).compactMap { $0["reference"]?.stringValue }
        #expect(references == entries.filter { $0["resource", "resourceType"]?.stringValue == "CommunicationRequest" }
            .compactMap { $0["fullUrl"]?.stringValue })
        let notes = (response["processNote"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        for loinc in loincs { #expect(notes.contains { $0.contains(loinc) }) }
        for missing in determination.documentation.missing {
            #expect(notes.contains { $0.contains(missing.replacingOccurrences(of: "_", with: " ")) })
        }
    }

    @Test func outcomeAndReviewActionCodes() {
        #expect(PAS.outcomeCode(for: .partial) == "partial")
        #expect(PAS.reviewAction(for: .partial).code == "A2")
        #expect(PAS.outcomeCode(for: .notApplicable) == "complete")
        #expect(PAS.outcomeCode(for: .pended) == "complete")
    }
}
