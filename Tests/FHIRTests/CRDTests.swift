import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

private let today = day("2025-09-01")

/// A request built from an example, with `edit` applied to its JSON.
private func request(_ example: String, hook: CRDService = .orderSign,
                     edit: (JSONValue) -> JSONValue = { $0 }) throws -> CRDRequest {
    let json = edit(CRD.request(for: try Repository.example(example), hook: hook, hookInstance: "hook-1"))
    return try CRDRequest(json: FHIRJSONWriter.data(json))
}

@Suite("CRD: discovery and request reading")
struct CRDRequestTests {
    @Test func discoveryListsOneServicePerHookWithPrefetch() {
        let services = CRDService.discoveryDocument()["services"]?.arrayValue ?? []
        #expect(services.map { $0["id"]?.stringValue }
            == ["medpolicy-order-sign", "medpolicy-order-select", "medpolicy-appointment-book", "medpolicy-order-dispatch"])
        #expect(services.map { $0["hook"]?.stringValue } == ["order-sign", "order-select", "appointment-book", "order-dispatch"])
        for service in services {
            #expect(service["prefetch", "patient"]?.stringValue == "Patient/{{context.patientId}}")
            #expect(service["prefetch", "coverage"]?.stringValue == "Coverage?patient={{context.patientId}}&status=active")
            #expect(service["prefetch", "conditions"]?.stringValue == "Condition?patient={{context.patientId}}&clinical-status=active")
            #expect(service["description"]?.stringValue?.isEmpty == false)
        }
        #expect(CRDService(serviceId: "medpolicy-order-select") == .orderSelect)
        #expect(CRDService(serviceId: "order-select") == nil)
    }

    @Test("every example round-trips through every hook", arguments: CRDService.allCases)
    func examplesRoundTrip(hook: CRDService) throws {
        for (name, encounter) in try Repository.examples() {
            let data = CRD.requestData(for: encounter, hook: hook, hookInstance: "hook-\(name)")
            let parsed = try CRDRequest(json: data)
            #expect(parsed.hook == hook)
            #expect(parsed.hookInstance == "hook-\(name)")
            #expect(parsed.patientId == encounter.member.id)
            let orders = parsed.orders(today: today)
            let tpiLines = encounter.lines.filter { ["20552", "20553"].contains($0.code) }
            #expect(orders.count == tpiLines.count, "\(name)")
            for (order, line) in zip(orders, tpiLines) {
                guard let back = order.encounter else {
                    Issue.record("\(name): order missing \(order.missing)")
                    continue
                }
                if tpiLines.count == 1 { #expect(back.id == encounter.id, "\(name)") }
                #expect(back.member == encounter.member, "\(name)")
                #expect(back.coverage == encounter.coverage, "\(name)")
                #expect(back.dateOfService == encounter.dateOfService, "\(name)")
                #expect(back.diagnoses == encounter.diagnoses, "\(name)")
                #expect(back.lines.map(\.code) == [line.code], "\(name)")
                #expect(back.lines.map(\.units) == [line.units], "\(name)")
                #expect(back.procedure?.sites == encounter.procedure?.sites, "\(name)")
                // Clinical facts are unknown at order time: the engine pends and asks for documentation.
                #expect(back.clinical == nil)
                #expect(order.coverageReference == "Coverage/coverage-\(encounter.member.id)")
            }
        }
    }

    @Test func absentCoveragePrefetchIsReportedByName() throws {
        let orders = try request("florida-blue-approved") { $0.setting(["prefetch", "coverage"], to: nil) }.orders(today: today)
        #expect(orders.count == 1)
        #expect(orders.first?.encounter == nil)
        #expect(orders.first?.missing.map(\.location) == ["prefetch.coverage"])
    }

    @Test func nullPatientPrefetchIsReportedByName() throws {
        let orders = try request("florida-blue-approved") { $0.setting(["prefetch", "patient"], to: .null) }.orders(today: today)
        #expect(orders.first?.missing.map(\.location) == ["prefetch.patient"])
    }

    @Test func unknownPayerIsReportedWithWhatWasThere() throws {
        let orders = try request("aetna-approved") {
            $0.setting(["prefetch", "coverage", "entry", 0, "resource", "payor", 0, "display"], to: .string("ACME HEALTH"))
        }.orders(today: today)
        let missing = orders.first?.missing ?? []
        #expect(missing.count == 1)
        #expect(missing.first?.location == "prefetch.coverage.entry[0].resource.payor")
        #expect(missing.first?.message.contains("ACME HEALTH") == true)
    }

    @Test func callerDirectoryCanRecognizeMorePayers() throws {
        let parsed = try request("aetna-approved") {
            $0.setting(["prefetch", "coverage", "entry", 0, "resource", "payor", 0, "display"], to: .string("ACME HEALTH"))
        }
        var directory = PayerDirectory.standard
        directory.add(name: "Acme Health", payer: "aetna")
        #expect(parsed.orders(today: today, payers: directory).first?.encounter?.coverage.payer == "aetna")
    }

    @Test func coverageBundleWithoutActiveCoverageIsMissing() throws {
        let orders = try request("aetna-approved") {
            $0.setting(["prefetch", "coverage", "entry", 0, "resource", "status"], to: .string("cancelled"))
        }.orders(today: today)
        #expect(orders.first?.missing.first?.location == "prefetch.coverage")
    }

    @Test func nonTPIOrdersGetNoOrder() throws {
        // aetna-approved bills 20552 and 99213-25: only the injection is reviewed.
        let orders = try request("aetna-approved").orders(today: today)
        #expect(orders.map(\.code) == ["20552"])
        let only99213 = try request("aetna-approved") { $0.setting(["context", "draftOrders", "entry", 0], to: nil) }
        #expect(only99213.orders(today: today).isEmpty)
    }

    @Test func orderSelectReviewsOnlySelections() throws {
        let none = try request("aetna-approved", hook: .orderSelect) { $0.setting(["context", "selections"], to: .array([])) }
        #expect(none.orders(today: today).isEmpty)
    }

    @Test func orderWithoutDateUsesToday() throws {
        let orders = try request("truecare-approved") {
            $0.setting(["context", "draftOrders", "entry", 0, "resource", "occurrenceDateTime"], to: nil)
        }.orders(today: today)
        #expect(orders.first?.encounter?.dateOfService == today)
        #expect(orders.first?.dateDefaulted == true)
    }

    @Test func occurrencePeriodStartIsTheDate() throws {
        let orders = try request("truecare-approved") {
            $0.setting(["context", "draftOrders", "entry", 0, "resource", "occurrenceDateTime"], to: nil)
                .setting(["context", "draftOrders", "entry", 0, "resource", "occurrencePeriod"],
                         to: .object([(key: "start", value: .string("2025-10-02T08:00:00-04:00"))]))
        }.orders(today: today)
        #expect(orders.first?.encounter?.dateOfService == day("2025-10-02"))
    }

    @Test func malformedInputIsLocated() throws {
        #expect(expectIssue { _ = try CRDRequest(json: Data("{\"hook\":".utf8)) }?.message.contains("not valid JSON") == true)
        #expect(expectIssue { _ = try request("aetna-approved") { $0.setting(["hook"], to: .integer(3)) } }?.location == "hook")
        #expect(expectIssue { _ = try request("aetna-approved") { $0.setting(["hook"], to: .string("patient-view")) } }?.location == "hook")
        #expect(expectIssue { _ = try request("aetna-approved") { $0.setting(["hookInstance"], to: nil) } }?.location == "hookInstance")
        #expect(expectIssue { _ = try request("aetna-approved") { $0.setting(["context", "draftOrders"], to: nil) } }?.location
            == "context.draftOrders")
        let quantity = expectIssue {
            _ = try request("aetna-approved") {
                $0.setting(["context", "draftOrders", "entry", 0, "resource", "quantityQuantity", "value"], to: .string("one"))
            }
        }
        #expect(quantity?.location == "context.draftOrders.entry[0].resource.quantityQuantity.value")
        let birthDate = expectIssue {
            _ = try request("aetna-approved") { $0.setting(["prefetch", "patient", "birthDate"], to: .string("12/04/1968")) }
        }
        #expect(birthDate?.location == "prefetch.patient.birthDate")
        let diagnosis = expectIssue {
            _ = try request("aetna-approved") {
                $0.setting(["context", "draftOrders", "entry", 0, "resource", "reasonCode", 0, "coding", 0, "code"], to: .string("not a code"))
            }
        }
        #expect(diagnosis?.location == "context.draftOrders.entry[0].resource.reasonCode[0].coding[0].code")
        let coverageType = expectIssue {
            _ = try request("aetna-approved") { $0.setting(["prefetch", "coverage", "resourceType"], to: .string("Patient")) }
        }
        #expect(coverageType?.location == "prefetch.coverage.resourceType")
    }
}

@Suite("CRD: response cards and coverage information")
struct CRDResponseTests {
    /// Evaluates the example's CRD order with the real engine and builds the response.
    func response(_ example: String) throws -> (response: JSONValue, determination: Determination) {
        let evaluator = try Repository.evaluator.get()
        // The example's own history and clinical facts are what the payer knows; the order alone lacks them,
        // so evaluate the example itself and attach the determination to its order.
        let encounter = try Repository.example(example)
        let determination = evaluator.evaluate(encounter)
        let orders = try CRDRequest(json: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "hook-7")).orders(today: today)
        let response = CRD.response(for: orders.map { ($0, determination) }, questionnaireBase: "https://payer.example/fhir") {
            "https://payer.example/policies/\($0)"
        }
        return (response, determination)
    }

    func coverageInformation(_ response: JSONValue) -> JSONValue? {
        response["systemActions", 0, "resource", "extension"]?.arrayValue
            .first { $0["url"]?.stringValue == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information" }
    }

    @Test func approvedIsCovered() throws {
        let (response, determination) = try response("florida-blue-approved")
        #expect(determination.outcome == .approved)
        let info = try #require(coverageInformation(response))
        #expect(info.subExtensions("covered").first?["valueCode"]?.stringValue == "covered")
        #expect(info.subExtensions("pa-needed").first?["valueCode"]?.stringValue == "no-auth")
        #expect(info.subExtensions("doc-needed").isEmpty)
        #expect(info.subExtensions("questionnaire").isEmpty)
        #expect(info.subExtensions("coverage").first?["valueReference", "reference"]?.stringValue == "Coverage/coverage-M-001")
        #expect(info.subExtensions("date").first?["valueDate"]?.stringValue == "2025-09-01")
        #expect(info.subExtensions("coverage-assertion-id").first?["valueString"]?.stringValue == "hook-7/ServiceRequest/FB-APPROVED-001")
        #expect(response["systemActions", 0, "type"]?.stringValue == "update")
        #expect(response["systemActions", 0, "resource", "resourceType"]?.stringValue == "ServiceRequest")
        #expect(response["cards", 0, "indicator"]?.stringValue == "info")
        #expect(response["cards", 0, "source", "label"]?.stringValue == "medpolicy")
        #expect(response["cards", 0, "links", 0, "url"]?.stringValue == "https://payer.example/policies/florida-blue/02-20000-28")
    }

    @Test func deniedIsNotCoveredWithCARCReasons() throws {
        let (response, determination) = try response("florida-blue-denied")
        #expect(determination.outcome == .denied)
        let info = try #require(coverageInformation(response))
        #expect(info.subExtensions("covered").first?["valueCode"]?.stringValue == "not-covered")
        #expect(info.subExtensions("pa-needed").isEmpty)  // CRD: no pa-needed on a not-covered assertion
        let carcs = Set(determination.lines.flatMap(\.reasons).compactMap(\.carc))
        let reasonCodes = Set(info.subExtensions("reason").compactMap { $0["valueCodeableConcept", "coding", 0, "code"]?.stringValue })
        #expect(!carcs.isEmpty && reasonCodes == carcs)
        #expect(response["cards", 0, "indicator"]?.stringValue == "critical")
        let detail = response["cards", 0, "detail"]?.stringValue ?? ""
        #expect(detail.contains("CARC"))
        #expect(detail.contains(determination.lines[0].reasons[0].citation?.source ?? "no citation"))
    }

    @Test func pendedIsConditionalAndAsksForDocumentation() throws {
        let (response, determination) = try response("florida-blue-pended")
        #expect(determination.outcome == .pended)
        let info = try #require(coverageInformation(response))
        #expect(info.subExtensions("covered").first?["valueCode"]?.stringValue == "conditional")
        #expect(info.subExtensions("doc-needed").first?["valueCode"]?.stringValue == "clinical")
        #expect(info.subExtensions("questionnaire").first?["valueCanonical"]?.stringValue
            == "https://payer.example/fhir/Questionnaire/florida-blue-02-20000-28")
        #expect(response["cards", 0, "indicator"]?.stringValue == "warning")
        let detail = response["cards", 0, "detail"]?.stringValue ?? ""
        for request in determination.documentation.requests { #expect(detail.contains(request.loinc ?? request.name)) }
    }

    @Test func everySummaryFitsIn140Characters() throws {
        for (name, encounter) in try Repository.examples() {
            let determination = try Repository.evaluator.get().evaluate(encounter)
            let orders = try CRDRequest(json: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "h")).orders(today: today)
            let response = CRD.response(for: orders.map { ($0, determination) }) { _ in nil }
            for card in response["cards"]?.arrayValue ?? [] {
                let summary = card["summary"]?.stringValue ?? ""
                #expect(!summary.isEmpty && summary.count <= 140, "\(name): \(summary)")
            }
        }
    }

    @Test func missingPrefetchGivesAWarningCardAndNoAction() throws {
        let json = CRD.request(for: try Repository.example("aetna-approved"), hook: .orderSign, hookInstance: "h")
            .setting(["prefetch", "coverage"], to: nil)
        let orders = try CRDRequest(json: FHIRJSONWriter.data(json)).orders(today: today)
        let response = CRD.response(for: orders.map { ($0, nil) }) { _ in nil }
        #expect(response["cards"]?.arrayValue.count == 1)
        #expect(response["cards", 0, "indicator"]?.stringValue == "warning")
        #expect(response["cards", 0, "summary"]?.stringValue?.contains("prefetch.coverage") == true)
        #expect(response["systemActions"] == nil)
    }

    @Test func existingExtensionsOnTheOrderAreKept() throws {
        let encounter = try Repository.example("florida-blue-approved")
        let marker = JSONValue.object([(key: "url", value: .string("http://example.org/marker")), (key: "valueBoolean", value: .bool(true))])
        let json = CRD.request(for: encounter, hook: .orderSign, hookInstance: "h")
            .setting(["context", "draftOrders", "entry", 0, "resource", "extension"], to: .array([marker]))
        let orders = try CRDRequest(json: FHIRJSONWriter.data(json)).orders(today: today)
        let determination = try Repository.evaluator.get().evaluate(encounter)
        let response = CRD.response(for: orders.map { ($0, determination) }) { _ in nil }
        let extensions = response["systemActions", 0, "resource", "extension"]?.arrayValue ?? []
        #expect(extensions.count == 2)
        #expect(extensions.first == marker)
    }
}
