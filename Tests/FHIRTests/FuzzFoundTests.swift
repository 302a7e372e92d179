import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

// What fuzzing the FHIR readers found (Fuzz/regressions/cds-hooks, pas-bundle, questionnaire-response):
// each reader accepted a part Contract 1 refuses, so the engine was handed an encounter no other
// reader would make. Each is now refused where it is; its valid neighbour is still read.

private func crd(_ example: String, edit: (JSONValue) -> JSONValue = { $0 }) throws -> CRDRequest {
    try CRDRequest(json: FHIRJSONWriter.data(edit(CRD.request(for: try Repository.example(example), hook: .orderSign, hookInstance: "hook-1"))))
}

private func pas(_ example: String, edit: (JSONValue) -> JSONValue = { $0 }) throws -> PASRequest {
    try PASRequest(json: FHIRJSONWriter.data(edit(PAS.requestBundle(for: try Repository.example(example)))))
}

private let firstSite: [Step] = ["context", "draftOrders", "entry", 0, "resource", "bodySite", 0]
private let claimItem: [Step] = ["entry", 0, "resource", "item", 0]
private let answers: [Step] = ["entry", 4, "resource", "item"]

private func answer(_ linkId: String, _ key: String, _ value: JSONValue) -> JSONValue {
    .object([(key: "linkId", value: .string(linkId)), (key: "answer", value: .array([.object([(key: key, value: value)])]))])
}

private func group(_ linkId: String, _ children: [JSONValue]) -> JSONValue {
    .object([(key: "linkId", value: .string(linkId)), (key: "item", value: .array(children))])
}

@Suite("FHIR readers on what fuzzing found")
struct FuzzFoundTests {
    @Test("a body site with 0 trigger points or a text naming no muscle is refused at it (CRD, regression site-with-zero-trigger-points)")
    func siteWithoutTriggerPointsOrMuscle() throws {
        let zero = expectIssue { _ = try crd("aetna-pended") { $0.setting(firstSite + ["extension", 0, "valueInteger"], to: .integer(0)) } }
        #expect(zero?.location == "context.draftOrders.entry[0].resource.bodySite[0].extension[0].valueInteger")
        let blank = expectIssue { _ = try crd("aetna-pended") { $0.setting(firstSite + ["text"], to: .string("  ")) } }
        #expect(blank?.location == "context.draftOrders.entry[0].resource.bodySite[0].text")
        let one = try crd("aetna-pended") { $0.setting(firstSite + ["extension", 0, "valueInteger"], to: .integer(1)) }
        #expect(one.orders(today: day("2025-09-01")).first?.encounter?.procedure?.sites?.first?.triggerPoints == 1)
    }

    @Test("more diagnoses than an encounter holds (the order's and the active conditions') are refused at the order")
    func tooManyDiagnoses() throws {
        let codes = (10 ... 22).map { "M62.8\($0 % 10)" + String($0 / 10) }  // 13 distinct well-formed codes
        let concepts = JSONValue.array(codes.map { code in
            .object([(key: "coding", value: .array([.object([(key: "system", value: .string(FHIRSystem.icd10cm)), (key: "code", value: .string(code))])]))])
        })
        let issue = expectIssue { _ = try crd("aetna-pended") { $0.setting(["context", "draftOrders", "entry", 0, "resource", "reasonCode"], to: concepts) } }
        #expect(issue?.location == "context.draftOrders.entry[0].resource")
        #expect(issue?.message.contains("at most 12") == true)
    }

    @Test("a PAS item's modifier must have a modifier's shape, at most 4 of them")
    func modifiers() throws {
        func modifier(_ code: String) -> JSONValue { .object([(key: "coding", value: .array([.object([(key: "code", value: .string(code))])]))]) }
        let bad = expectIssue { _ = try pas("aetna-pended") { $0.setting(claimItem + ["modifier"], to: .array([modifier("RIGHT")])) } }
        #expect(bad?.location == "Bundle.entry[0].resource.item[0].modifier[0]")
        let many = expectIssue { _ = try pas("aetna-pended") { $0.setting(claimItem + ["modifier"], to: .array(Array(repeating: modifier("RT"), count: 5))) } }
        #expect(many?.location == "Bundle.entry[0].resource.item[0].modifier")
        #expect(try pas("aetna-pended") { $0.setting(claimItem + ["modifier"], to: .array([modifier("RT")])) }.encounter.lines[0].modifiers == ["RT"])
    }

    @Test("a PAS item's diagnosisSequence names 1 to 4 diagnoses, and its place of service is two digits")
    func pointersAndPlaceOfService() throws {
        let empty = expectIssue { _ = try pas("aetna-pended") { $0.setting(claimItem + ["diagnosisSequence"], to: .array([])) } }
        #expect(empty?.location == "Bundle.entry[0].resource.item[0].diagnosisSequence")
        let many = expectIssue { _ = try pas("aetna-pended") { $0.setting(claimItem + ["diagnosisSequence"], to: .array(Array(repeating: .integer(1), count: 5))) } }
        #expect(many?.location == "Bundle.entry[0].resource.item[0].diagnosisSequence")
        let place = JSONValue.object([(key: "coding", value: .array([.object([
            (key: "system", value: .string(FHIRSystem.placeOfService)), (key: "code", value: .string("1A"))])]))])
        let badPlace = expectIssue { _ = try pas("aetna-pended") { $0.setting(claimItem + ["locationCodeableConcept"], to: place) } }
        #expect(badPlace?.location == "Bundle.entry[0].resource.item[0].locationCodeableConcept.coding[0].code")
        let office = place.setting(["coding", 0, "code"], to: .string("11"))
        #expect(try pas("aetna-pended") { $0.setting(claimItem + ["locationCodeableConcept"], to: office) }.encounter.placeOfService == "11")
    }

    @Test("therapy ending before it starts, or pain beginning after the date of service, is refused in the QuestionnaireResponse (regressions *-ending-before-it-starts)")
    func answeredDatesInOrder() throws {
        func course(_ start: String, _ end: String) -> JSONValue {
            group("clinical.conservativeTherapy", [
                answer("clinical.conservativeTherapy.type", "valueCoding", .object([(key: "code", value: .string("physical_therapy"))])),
                answer("clinical.conservativeTherapy.start", "valueDate", .string(start)),
                answer("clinical.conservativeTherapy.end", "valueDate", .string(end)),
            ])
        }
        let backwards = expectIssue { _ = try pas("aetna-pended") { $0.setting(answers, to: .array([course("2025-07-01", "2025-06-01")])) } }
        #expect(backwards?.location == "Bundle.entry[4].resource.item[0].item")
        #expect(backwards?.message.contains("before it starts") == true)
        let forwards = try pas("aetna-pended") { $0.setting(answers, to: .array([course("2025-06-01", "2025-07-01")])) }
        #expect(forwards.encounter.clinical?.conservativeTherapy?.first?.end == day("2025-07-01"))

        let dateOfService = try pas("aetna-pended").encounter.dateOfService
        let late = expectIssue {
            _ = try pas("aetna-pended") {
                $0.setting(answers, to: .array([answer("clinical.painOnset", "valueDate", .string(dateOfService.adding(days: 1).description))]))
            }
        }
        #expect(late?.location == "Bundle.entry[4].resource.item")
        let sameDay = try pas("aetna-pended") { $0.setting(answers, to: .array([answer("clinical.painOnset", "valueDate", .string(dateOfService.description))])) }
        #expect(sameDay.encounter.clinical?.painOnset == dateOfService)
    }

    @Test("DTR: a percentage past 100 and a site with 0 trigger points are refused; 100 and 1 are read")
    func answeredNumbersInRange() throws {
        func read(_ items: [JSONValue]) throws -> DTRAnswers {
            try DTR.answers(json: FHIRJSONWriter.data(.object([
                (key: "resourceType", value: .string("QuestionnaireResponse")), (key: "item", value: .array(items))])))
        }
        let percent = "clinical.priorInjectionResponse.percentPainImprovement"
        #expect(expectIssue { _ = try read([answer(percent, "valueInteger", .integer(101))]) }?.location == "QuestionnaireResponse.item[0].answer")
        #expect(try read([answer(percent, "valueInteger", .integer(100))]).clinical?.priorInjectionResponse?.percentPainImprovement == 100)
        func site(_ points: Int) -> JSONValue {
            group("procedure.sites", [answer("procedure.sites.muscle", "valueString", .string("trapezius")),
                                      answer("procedure.sites.triggerPoints", "valueInteger", .integer(points))])
        }
        #expect(expectIssue { _ = try read([site(0)]) }?.location == "QuestionnaireResponse.item[0].item")
        #expect(try read([site(1)]).sites == [InjectionSite(muscle: "trapezius", triggerPoints: 1)])
        #expect(expectIssue { _ = try DTR.answers(json: Data("[1]".utf8)) }?.location == "QuestionnaireResponse")
    }
}
