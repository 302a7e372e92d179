import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

// Requests shaped as the Da Vinci IGs' own examples shape them (issue 25, items 6–15): written
// here from the IG sources' element names, not copied.

private let today = day("2025-09-01")

private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

private func crdRequest(_ example: String, hook: CRDService = .orderSign, edit: (JSONValue) throws -> JSONValue = { $0 }) throws -> CRDRequest {
    let value = try edit(CRD.request(for: try Repository.example(example), hook: hook, hookInstance: "ig-1"))
    return try CRDRequest(json: FHIRJSONWriter.data(value))
}

private func coverageInformation(_ response: JSONValue, action: Int = 0) -> JSONValue? {
    response["systemActions", .index(action), "resource", "extension"]?.arrayValue
        .first { $0["url"]?.stringValue == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information" }
}

private func respond(_ orders: [CRDOrder], link: String? = "https://payer.example/policy") throws -> JSONValue {
    let evaluator = try Repository.evaluator.get()
    return CRD.response(for: orders.map { ($0, $0.encounter.map { evaluator.evaluate($0) }) },
                        questionnaireBase: "https://payer.example/fhir") { _ in link }
}

/// The answer for an example's orders, decided on the example itself (its clinical record known), as
/// CRDResponseTests does.
private func respond(example: String, _ orders: [CRDOrder]) throws -> JSONValue {
    let determination = try Repository.evaluator.get().evaluate(try Repository.example(example))
    return CRD.response(for: orders.map { ($0, determination) }, questionnaireBase: "https://payer.example/fhir") { _ in
        "https://payer.example/policy"
    }
}

@Suite("CRD: IG-shaped orders and IG-conformant answers")
struct CRDShapeTests {
    /// The IG's pattern: the order's code is SNOMED CT, the CPT billing code in ext-billing-options.
    static let snomedWithBillingOptions = #"""
    {"coding": [{"system": "http://snomed.info/sct", "code": "231271009", "display": "Trigger point injection"}],
     "extension": [{"url": "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-billing-options",
                    "valueCodeableConcept": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "20552"}]}}]}
    """#

    @Test("item 6: CPT in ext-billing-options (SNOMED CT primary) is read; without it the order is not reviewed")
    func billingOptions() throws {
        let orders = try crdRequest("florida-blue-approved") {
            $0.setting(["context", "draftOrders", "entry", 0, "resource", "code"], to: try json(Self.snomedWithBillingOptions))
        }.orders(today: today)
        #expect(orders.map(\.code) == ["20552"])
        #expect(orders.first?.encounter?.lines.map(\.code) == ["20552"])
        let snomedOnly = try crdRequest("florida-blue-approved") {
            $0.setting(["context", "draftOrders", "entry", 0, "resource", "code"], to: try json(#"{"coding": [{"system": "http://snomed.info/sct", "code": "231271009"}]}"#))
        }.orders(today: today)
        #expect(snomedOnly.isEmpty)
    }

    @Test("item 7: Coverage.payor as a reference only resolves through an Organization in the prefetch")
    func payorReference() throws {
        let organization = try json(#"{"resourceType": "Organization", "id": "payer-1", "name": "Florida Blue"}"#)
        let orders = try crdRequest("florida-blue-approved") { value in
            value.setting(["prefetch", "coverage", "entry", 0, "resource", "payor"], to: try json(#"[{"reference": "Organization/payer-1"}]"#))
                .setting(["prefetch", "payer"], to: organization)
        }.orders(today: today)
        #expect(orders.first?.missing.map(\.description) == [])
        #expect(orders.first?.encounter?.coverage.payer == "florida-blue")
        // Also as an entry of the coverage search (an _include), by fullUrl.
        let included = try crdRequest("florida-blue-approved") { value in
            let coverage = try #require(value["prefetch", "coverage", "entry", 0])
            let entries: JSONValue = .array([coverage, try json(#"{"fullUrl": "https://ehr.example/fhir/Organization/p9", "resource": {"resourceType": "Organization", "id": "p9", "name": "Florida Blue"}}"#)])
            return value.setting(["prefetch", "coverage", "entry"], to: entries)
                .setting(["prefetch", "coverage", "entry", 0, "resource", "payor"], to: try json(#"[{"reference": "https://ehr.example/fhir/Organization/p9"}]"#))
        }.orders(today: today)
        #expect(included.first?.encounter?.coverage.payer == "florida-blue")
        // An unresolvable reference is still reported missing, with where to look.
        let unresolved = try crdRequest("florida-blue-approved") {
            $0.setting(["prefetch", "coverage", "entry", 0, "resource", "payor"], to: try json(#"[{"reference": "Organization/nowhere"}]"#))
        }.orders(today: today)
        #expect(unresolved.first?.missing.first?.location == "prefetch.coverage.entry[0].resource.payor")
    }

    @Test("item 8 (crd-ci-q3): every conditional assertion carries info-needed, with the reasons (q6)")
    func conditionalHasInfoNeeded() throws {
        let response = try respond(try crdRequest("florida-blue-pended").orders(today: today))
        let info = try #require(coverageInformation(response))
        #expect(info.subExtensions("covered").first?["valueCode"]?.stringValue == "conditional")
        #expect(info.subExtensions("info-needed").compactMap { $0["valueCode"]?.stringValue } == ["OTH"])
        #expect(!info.subExtensions("reason").isEmpty)
        // Not conditional: no info-needed.
        let approved = try #require(coverageInformation(try respond(example: "florida-blue-approved", try crdRequest("florida-blue-approved").orders(today: today))))
        #expect(approved.subExtensions("covered").first?["valueCode"]?.stringValue == "covered")
        #expect(approved.subExtensions("info-needed").isEmpty)
        // An order without a date: timeframe too.
        let undated = try crdRequest("florida-blue-pended") { $0.setting(["context", "draftOrders", "entry", 0, "resource", "occurrenceDateTime"], to: nil) }
        let undatedInfo = try #require(coverageInformation(try respond(undated.orders(today: today))))
        #expect(undatedInfo.subExtensions("info-needed").compactMap { $0["valueCode"]?.stringValue } == ["timeframe", "OTH"])
    }

    @Test("item 9: the policy-link detail has a category and a url value")
    func detailCategory() throws {
        let info = try #require(coverageInformation(try respond(try crdRequest("florida-blue-approved").orders(today: today))))
        let detail = try #require(info.subExtensions("detail").first)
        #expect(detail.subExtensions("value").first?["valueUrl"]?.stringValue == "https://payer.example/policy")
        #expect(detail.subExtensions("value").first?["valueString"] == nil)
        #expect(detail.subExtensions("category").first?["valueCodeableConcept", "coding", 0, "code"]?.stringValue == "cat-decisional")
    }

    @Test("item 10: summaries are written to fit under 140 characters; a long one ends at a word")
    func summaries() throws {
        for (name, encounter) in try Repository.examples() {
            let orders = try CRDRequest(json: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "h")).orders(today: today)
            for card in try respond(orders)["cards"]?.arrayValue ?? [] {
                let summary = card["summary"]?.stringValue ?? ""
                #expect(summary.count < 140 && !summary.hasSuffix("…"), "\(name): \(summary)")
            }
        }
        let denied = try respond(example: "florida-blue-denied", try crdRequest("florida-blue-denied").orders(today: today))
        #expect(denied["cards", 0, "summary"]?.stringValue == "CPT 20552 is not covered by florida-blue policy; see the reasons")
        #expect(denied["cards", 0, "detail"]?.stringValue?.contains("Reasons") == true)
        // A summary too long (many missing prefetch items) is cut at a word, below 140.
        let missing = try crdRequest("florida-blue-approved") {
            $0.setting(["prefetch", "coverage"], to: nil).setting(["prefetch", "patient"], to: nil)
        }.orders(today: today)
        let summary = try respond(missing)["cards", 0, "summary"]?.stringValue ?? ""
        #expect(summary.count < 140)
        #expect(summary.hasSuffix("…") ? !summary.dropLast().hasSuffix(" ") : true)
    }

    @Test("item 11: an order without a diagnosis is conditional with info-needed and a warning, not a critical not-covered")
    func noDiagnosis() throws {
        let orders = try crdRequest("florida-blue-approved") { value in
            value.setting(["context", "draftOrders", "entry", 0, "resource", "reasonCode"], to: nil)
                .setting(["prefetch", "conditions"], to: nil)
        }.orders(today: today)
        #expect(orders.first?.encounter?.diagnoses == nil)
        let response = try respond(orders)
        #expect(response["cards", 0, "indicator"]?.stringValue == "warning")
        #expect(response["cards", 0, "summary"]?.stringValue?.contains("diagnosis") == true)
        let info = try #require(coverageInformation(response))
        #expect(info.subExtensions("covered").first?["valueCode"]?.stringValue == "conditional")
        #expect(info.subExtensions("info-needed").map { $0["valueCode"]?.stringValue } == ["OTH"])
        #expect(info.subExtensions("reason").first?["valueCodeableConcept", "text"]?.stringValue?.contains("diagnosis") == true)
        #expect(info.subExtensions("doc-purpose").isEmpty)
    }

    @Test("item 12: order-dispatch is answered: dispatched orders come from the prefetch")
    func orderDispatch() throws {
        let parsed = try crdRequest("florida-blue-approved", hook: .orderDispatch)
        #expect(parsed.hook == .orderDispatch)
        let orders = parsed.orders(today: today)
        #expect(orders.map(\.orderId) == ["FB-APPROVED-001"])
        #expect(coverageInformation(try respond(orders)) != nil)
        #expect(CRDService(serviceId: "medpolicy-order-dispatch") == .orderDispatch)
        #expect(CRDService.orderDispatch.prefetch.contains { $0.key == "orders" })
        // A dispatched order the prefetch does not hold is a located error.
        #expect(throws: FHIRIssue.self) {
            _ = try crdRequest("florida-blue-approved", hook: .orderDispatch) { $0.setting(["prefetch", "orders"], to: nil) }
        }
    }
}
