import FHIRInterchange
import Foundation
import Interchange
import Model
import Policies
import TestSupport
import Testing

/// The linkIds a fact must be asked under (written out here, apart from the generator).
private func expectedLinkIds(_ fact: Fact) -> [String] {
    switch fact {
    case .finding(let finding): return ["clinical.findings.\(finding.rawValue)"]
    case .conservativeTherapy: return ["clinical.conservativeTherapy"]
    case .pharmacotherapy: return ["clinical.pharmacotherapy"]
    case .treatmentPlan: return ["clinical.treatmentPlan"]
    case .documented: return ["clinical.documentation"]
    case .painOnset: return ["clinical.painOnset"]
    case .priorImprovement: return ["clinical.priorInjectionResponse.percentPainImprovement"]
    case .priorResponse(let measures):
        return measures.map {
            switch $0 {
            case .pain: return "clinical.priorInjectionResponse.percentPainImprovement"
            case .function: return "clinical.priorInjectionResponse.functionalImprovement"
            case .rangeOfMotion: return "clinical.priorInjectionResponse.rangeOfMotionImproved"
            }
        }
    case .sitesDocumented: return ["procedure.sites"]
    case .priorServices: return []
    }
}

private func facts(_ criterion: Criterion) -> [Fact] {
    switch criterion {
    case .all(let parts), .any(let parts), .atLeast(_, let parts): return parts.flatMap(facts)
    case .not(let inner): return facts(inner)
    case .fact(let fact): return [fact]
    }
}

@Suite("DTR: questionnaires and answers")
struct DTRTests {
    @Test func everyPolicyAsksForEveryFactItsCriteriaUse() throws {
        let library = try Repository.library.get()
        #expect(library.policies.count == 11)  // five payers plus the 2024 trigger point LCDs medicare/l34211, l36859, l39656, l39662, l39671, l39713 (issue 23)
        for policy in library.policies {
            let questionnaire = DTR.questionnaire(for: policy, canonicalBase: "https://payer.example/fhir")
            let items = questionnaire["item"]?.arrayValue ?? []
            let linkIds = items.compactMap { $0["linkId"]?.stringValue }
            var expected: Set<String> = []
            for rule in policy.rules {
                let used = (rule.when.map(facts) ?? []) + { if case .criteria(let c) = rule.check { return facts(c) } else { return [] } }()
                expected.formUnion(used.flatMap(expectedLinkIds))
            }
            #expect(!expected.isEmpty, "\(policy.id) uses no clinical fact?")
            #expect(Set(linkIds) == expected, "\(policy.id)")
            #expect(linkIds.count == Set(linkIds).count, "\(policy.id): a fact asked twice")
            let id = DTR.questionnaireId(policyId: policy.id)
            #expect(!id.contains("/"))
            #expect(questionnaire["id"]?.stringValue == id)
            #expect(questionnaire["url"]?.stringValue == "https://payer.example/fhir/Questionnaire/\(id)")
            #expect(questionnaire["status"]?.stringValue == "active")
            for item in items {
                #expect(item["text"]?.stringValue?.isEmpty == false)
                // Each question cites the rules that use it.
                #expect(item["extension", 0, "valueString"]?.stringValue?.contains(policy.source) == true, "\(policy.id)")
                let type = item["type"]?.stringValue ?? ""
                if item["linkId"]?.stringValue?.hasPrefix("clinical.findings.") == true { #expect(type == "boolean") }
                if item["linkId"]?.stringValue == "clinical.painOnset" { #expect(type == "date") }
                if item["linkId"]?.stringValue == "clinical.documentation" { #expect(type == "choice") }
            }
        }
    }

    @Test func aetnaAsksAboutConservativeCareMedicationAndSites() throws {
        let policy = try #require(try Repository.library.get().policy(id: "aetna/trigger-point-injections"))
        let questionnaire = DTR.questionnaire(for: policy, canonicalBase: "https://payer.example/fhir")
        let linkIds = (questionnaire["item"]?.arrayValue ?? []).compactMap { $0["linkId"]?.stringValue }
        #expect(linkIds == ["clinical.conservativeTherapy", "clinical.pharmacotherapy", "procedure.sites"])
        #expect(questionnaire["item", 0, "type"]?.stringValue == "group")
        #expect(questionnaire["item", 0, "item", 0, "linkId"]?.stringValue == "clinical.conservativeTherapy.type")
    }

    @Test func answersComeBackAsClinicalFacts() throws {
        let qr = try JSONValue.parse(Data("""
        {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
          {"linkId": "clinical.findings.tautBand", "answer": [{"valueBoolean": true}]},
          {"linkId": "clinical.findings.localTwitchResponse", "answer": [{"valueBoolean": false}]},
          {"linkId": "clinical.findings.spotTenderness"},
          {"linkId": "clinical.painOnset", "answer": [{"valueDate": "2025-06-01"}]},
          {"linkId": "some-wrapper", "item": [
            {"linkId": "clinical.priorInjectionResponse.percentPainImprovement", "answer": [{"valueInteger": 40}]}]},
          {"linkId": "clinical.conservativeTherapy", "item": [
            {"linkId": "clinical.conservativeTherapy.type", "answer": [{"valueCoding": {"code": "physical_therapy"}}]},
            {"linkId": "clinical.conservativeTherapy.start", "answer": [{"valueDate": "2025-06-05"}]},
            {"linkId": "clinical.conservativeTherapy.outcome", "answer": [{"valueCoding": {"code": "failed"}}]}]},
          {"linkId": "clinical.documentation", "answer": [{"valueCoding": {"code": "treatment_plan"}}, {"valueString": "procedure_note"}]}
        ]}
        """.utf8))
        let clinical = try DTR.clinical(from: qr)
        #expect(clinical.findings?.tautBand == true)
        #expect(clinical.findings?.localTwitchResponse == false)  // documented as absent stays false
        #expect(clinical.findings?.spotTenderness == nil)          // unanswered stays unknown
        #expect(clinical.findings?.muscleWeakness == nil)
        #expect(clinical.painOnset == day("2025-06-01"))
        #expect(clinical.priorInjectionResponse?.percentPainImprovement == 40)
        #expect(clinical.priorInjectionResponse?.functionalImprovement == nil)
        #expect(clinical.conservativeTherapy == [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-05"), outcome: .failed)])
        #expect(clinical.documentation == [.treatmentPlan, .procedureNote])
        #expect(clinical.pharmacotherapy == nil)
        #expect(clinical.treatmentPlan == nil)
    }

    @Test func anEmptyResponseIsAllUnknown() throws {
        let qr = JSONValue.object([(key: "resourceType", value: .string("QuestionnaireResponse")), (key: "item", value: .array([]))])
        #expect(try DTR.clinical(from: qr) == Clinical())
        #expect(try DTR.answers(from: qr) == DTRAnswers())
    }

    @Test func everyExampleClinicalRecordRoundTrips() throws {
        for (name, encounter) in try Repository.examples() {
            let qr = DTR.questionnaireResponse(clinical: encounter.clinical, sites: encounter.procedure?.sites,
                                               questionnaire: "https://payer.example/fhir/Questionnaire/x", id: "qr-1", subject: nil)
            let answers = try DTR.answers(from: qr)
            #expect(answers.clinical == encounter.clinical, "\(name)")
            #expect(answers.sites == encounter.procedure?.sites, "\(name)")
        }
    }

    @Test("a medication's outcome goes out in the QuestionnaireResponse and comes back (issue 20.6)")
    func medicationOutcomeRoundTrips() throws {
        let clinical = Clinical(pharmacotherapy: [Pharmacotherapy(drugClass: .nsaid, start: LocalDate("2025-07-01"), outcome: .intolerant),
                                                  Pharmacotherapy(drugClass: .muscleRelaxant)])
        let qr = DTR.questionnaireResponse(clinical: clinical, sites: nil, questionnaire: "https://payer.example/fhir/Questionnaire/x",
                                           id: "qr-1", subject: nil)
        #expect(try DTR.answers(from: qr).clinical == clinical)
    }

    @Test func wrongAnswersAreLocated() throws {
        func issue(_ item: String) -> FHIRIssue? {
            expectIssue {
                _ = try DTR.clinical(from: JSONValue.parse(Data("{\"resourceType\":\"QuestionnaireResponse\",\"item\":[\(item)]}".utf8)))
            }
        }
        #expect(issue(#"{"linkId":"clinical.findings.tautBand","answer":[{"valueString":"yes"}]}"#)?.location
            == "QuestionnaireResponse.item[0].answer[0].valueBoolean")
        #expect(issue(#"{"linkId":"clinical.documentation","answer":[{"valueCoding":{"code":"x-ray"}}]}"#)?.location
            == "QuestionnaireResponse.item[0].answer[0].valueCoding.code")
        #expect(issue(#"{"linkId":"clinical.painOnset","answer":[{"valueDate":"2025-06-01"},{"valueDate":"2025-06-02"}]}"#)?.location
            == "QuestionnaireResponse.item[0].answer[1]")
        #expect(issue(#"{"linkId":"clinical.conservativeTherapy","item":[{"linkId":"clinical.conservativeTherapy.start","answer":[{"valueDate":"2025-06-01"}]}]}"#)?.location
            == "QuestionnaireResponse.item[0]")
        #expect(issue(#"{"answer":[]}"#)?.location == "QuestionnaireResponse.item[0].linkId")
        #expect(expectIssue { _ = try DTR.clinical(from: .object([(key: "resourceType", value: .string("Patient"))])) }?.location
            == "QuestionnaireResponse.resourceType")
    }
}
