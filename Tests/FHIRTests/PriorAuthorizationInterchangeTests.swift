import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

/// Issue 19: what PAS records for an approved request, and how CRD says an authorization is needed or on file.
@Suite("PAS and CRD: prior authorizations")
struct PriorAuthorizationInterchangeTests {
    func request(_ encounter: Encounter, servicedThrough end: String? = nil) throws -> PASRequest {
        var bundle = PAS.requestBundle(for: encounter)
        if let end {
            // Each item served over a period instead of on one date.
            var text = FHIRJSONWriter.string(bundle)
            text = text.replacingOccurrences(of: #""servicedDate":"\#(encounter.dateOfService)""#,
                                             with: #""servicedPeriod":{"start":"\#(encounter.dateOfService)","end":"\#(end)"}"#)
            bundle = try JSONValue.parse(Data(text.utf8))
        }
        return try PASRequest(value: bundle)
    }

    @Test func anApprovedRequestGrantsItsLinesForTheRequestedDates() throws {
        let encounter = try Repository.example("harvard-pilgrim-approved")
        let request = try request(encounter)
        let determination = try Repository.evaluator.get().evaluate(request.encounter)
        #expect(determination.outcome == .approved)
        let authorization = try #require(PAS.authorization(for: determination, request: request, issued: LocalDate("2025-08-01")!))
        #expect(authorization.number == PAS.preAuthRef(for: determination))
        #expect(authorization.payer == "harvard-pilgrim" && authorization.memberId == encounter.member.id)
        #expect(authorization.status == .approved && authorization.issued == LocalDate("2025-08-01")!)
        #expect(authorization.items == [AuthorizedService(code: "20552", units: 1, from: encounter.dateOfService,
                                                           to: encounter.dateOfService.adding(days: 180))])
        #expect(authorization.clinical == request.encounter.clinical)
        #expect(authorization.clinical != nil)
        // A service period's end bounds the authorization instead.
        let period = try self.request(encounter, servicedThrough: "2025-12-31")
        #expect(period.servicedThrough == LocalDate("2025-12-31")!)
        let bounded = try #require(PAS.authorization(for: determination, request: period, issued: LocalDate("2025-08-01")!))
        #expect(bounded.items.first?.to == LocalDate("2025-12-31")!)
        #expect(throws: FHIRIssue.self) { try self.request(encounter, servicedThrough: "2025-01-01") }
    }

    @Test func onlyWhatWasCertifiedIsGranted() throws {
        let evaluator = try Repository.evaluator.get()
        for name in ["harvard-pilgrim-denied", "harvard-pilgrim-pended"] {
            let example = try Repository.example(name)
            let request = try request(example)
            // The example's history is the payer's own record (a PAS bundle does not carry it).
            let determination = evaluator.evaluate(request.encounter, priorServices: example.history)
            #expect(determination.outcome != .approved && determination.outcome != .partial)
            #expect(PAS.authorization(for: determination, request: request, issued: LocalDate("2025-08-01")!) == nil)
        }
        // Partly certified: the certified line only, as a partial authorization, and a preAuthRef.
        let encounter = try Repository.example("harvard-pilgrim-approved")
        let request = try request(encounter)
        var determination = try evaluator.evaluate(request.encounter)
        determination.outcome = .partial
        determination.lines.append(LineDetermination(index: 2, code: "20553", outcome: .denied, reasons: []))
        let partial = try #require(PAS.authorization(for: determination, request: request, issued: LocalDate("2025-08-01")!))
        #expect(partial.status == .partial)
        #expect(partial.items.map(\.code) == ["20552"])
        let response = PAS.responseBundle(for: determination, request: request, created: "2025-08-01T10:00:00Z")
        #expect(response["entry", 0, "resource", "preAuthRef"]?.stringValue == partial.number)
    }

    func coverageInformation(_ example: String, _ authorization: CRDPriorAuthorization) throws -> [String: String] {
        let encounter = try Repository.example(example)
        let determination = try Repository.evaluator.get().evaluate(encounter)
        let orders = try CRDRequest(json: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "pa")).orders(today: encounter.dateOfService)
        let response = CRD.response(for: orders.map { ($0, determination) }, questionnaireBase: "https://payer.example/fhir",
                                    policyURL: { _ in nil }, priorAuthorization: { _ in authorization })
        let info = try #require(response["systemActions", 0, "resource", "extension"]?.arrayValue.first {
            $0["url"]?.stringValue == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
        })
        var parts: [String: String] = [:]
        for part in info["extension"]?.arrayValue ?? [] {
            guard let url = part["url"]?.stringValue else { continue }
            parts[url] = part["valueCode"]?.stringValue ?? part["valueString"]?.stringValue ?? part["valueCanonical"]?.stringValue
        }
        return parts
    }

    @Test func crdSaysAuthNeededOrSatisfied() throws {
        let pended = try coverageInformation("harvard-pilgrim-pended", .required)
        #expect(pended["pa-needed"] == "auth-needed")
        #expect(pended["doc-purpose"] == "withpa" && pended["questionnaire"] != nil)
        #expect(try coverageInformation("harvard-pilgrim-approved", .required)["pa-needed"] == "auth-needed")
        let satisfied = try coverageInformation("harvard-pilgrim-approved", .satisfied(number: "MP-1"))
        #expect(satisfied["pa-needed"] == "satisfied" && satisfied["satisfied-pa-id"] == "MP-1")
        let satisfiedPended = try coverageInformation("harvard-pilgrim-pended", .satisfied(number: "MP-1"))
        #expect(satisfiedPended["doc-purpose"] == nil && satisfiedPended["questionnaire"] == nil)  // crd-ci-q4, q1
        #expect(satisfiedPended["info-needed"] != nil)  // crd-ci-q3: covered stays conditional
        // Not covered: no pa-needed at all (crd-ci-q2), authorization or not.
        #expect(try coverageInformation("harvard-pilgrim-denied", .satisfied(number: "MP-1"))["pa-needed"] == nil)
        // Policies without authorization rules answer as before.
        #expect(try coverageInformation("florida-blue-approved", .notRequired)["pa-needed"] == "no-auth")
        #expect(try coverageInformation("florida-blue-pended", .notRequired)["pa-needed"] == "conditional")
    }
}
