import FHIRInterchange
import Foundation
import Interchange
import MedPolicyServer
import Model
import Testing

/// The same encounter through the command line, the JSON API, Da Vinci PAS and Da Vinci CRD gives
/// the same outcome and the same reasons.
@Suite("CLI, JSON API, PAS and CRD agree")
struct InterfaceAgreementTests {
    /// `medpolicy check FILE --format json`, the built binary beside the test bundle.
    static func checkWithCLI(_ encounter: Data) throws -> Determination {
        let input = temporaryFile("encounter.json"), output = temporaryFile("determination.json")
        defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: output) }
        try encounter.write(to: URL(fileURLWithPath: input))
        FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = medpolicyBinary
        process.arguments = ["check", input, "--format", "json", "--policies", checkout.appendingPathComponent("Policies").path]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))  // a file, not a pipe (EINTR)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(Determination.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test(arguments: exampleNames)
    func sameOutcomeAndReasons(name: String) async throws {
        let server = try await RunningServer.start()
        // A prior-authorization request carries what PAS can: the example as a PAS bundle gives it back.
        let bundle = PAS.requestBundle(for: try EncounterReader.decode(try example(name)))
        let encounter = try PASRequest(value: bundle).encounter
        let encounterJSON = Data(try CanonicalJSON.encode(encounter))

        let cli = try Self.checkWithCLI(encounterJSON)
        let apiReply = try await server.send("POST", "/v1/determinations?record=false", body: encounterJSON)
        let api = try JSONDecoder().decode(Determination.self, from: apiReply.body)
        #expect(api == cli)

        // PAS: the ClaimResponse's outcome, each item's review action and CARCs, and every reason in its notes.
        let pasReply = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(bundle), contentType: "application/fhir+json")
        #expect(pasReply.status == 200, "\(pasReply.text)")
        let claimResponse = try #require(((pasReply.object["entry"] as? [[String: Any]])?.first?["resource"]) as? [String: Any])
        #expect(claimResponse["resourceType"] as? String == "ClaimResponse")
        #expect(claimResponse["outcome"] as? String == PAS.outcomeCode(for: api.outcome))
        let items = claimResponse["item"] as? [[String: Any]] ?? []
        #expect(items.count == api.lines.count)
        for (item, line) in zip(items, api.lines) {
            let adjudications = item["adjudication"] as? [[String: Any]] ?? []
            let carcs = adjudications.compactMap { (($0["reason"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String }
            #expect(Set(carcs) == Set(line.reasons.compactMap(\.carc)), "line \(line.index)")
            #expect(pasReply.text.contains(PAS.reviewAction(for: line.outcome).code))
        }
        let notes = (claimResponse["processNote"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
        for reason in api.reasons + api.lines.flatMap(\.reasons) {
            #expect(notes.contains(reason.message), "PAS notes lack: \(reason.message)")
        }

        // CRD: an order carries no clinical record, so compare with the order's encounter through the API.
        let hookRequest = CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "agreement-\(name)")
        let order = try #require(try CRDRequest(json: hookRequest).orders(today: encounter.dateOfService).first?.encounter)
        let orderDecision = try JSONDecoder().decode(Determination.self, from: try await server.send(
            "POST", "/v1/determinations?record=false", body: Data(try CanonicalJSON.encode(order))).body)
        let crdReply = try await server.send("POST", "/cds-services/medpolicy-order-sign", body: hookRequest)
        #expect(crdReply.status == 200, "\(crdReply.text)")
        #expect(!(crdReply.object["cards"] as? [Any] ?? []).isEmpty)
        if let covered = CRD.coveredCode(for: orderDecision.outcome) {
            #expect(crdReply.text.contains(#""valueCode":"\#(covered)""#), "\(crdReply.text)")
        }
        for reason in orderDecision.reasons + orderDecision.lines.flatMap(\.reasons) {
            #expect(crdReply.text.contains(Self.jsonEscaped(reason.message)), "CRD answer lacks: \(reason.message)")
        }
        await server.stop()
    }

    static func jsonEscaped(_ text: String) -> String {
        String(decoding: try! CanonicalJSON.encode(text), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test func badFHIRIsLocated() async throws {
        let server = try await RunningServer.start()
        let pas = try await server.send("POST", "/fhir/Claim/$submit", body: Data(#"{"resourceType": "Bundle", "type": "collection", "entry": []}"#.utf8))
        #expect(pas.status == 400)
        #expect(pas.header("Content-Type") == "application/fhir+json")
        #expect(pas.object["resourceType"] as? String == "OperationOutcome")
        let crd = try await server.send("POST", "/cds-services/medpolicy-order-sign", body: Data(#"{"hook": 7}"#.utf8))
        #expect(crd.status == 400)
        #expect((crd.object["detail"] as? String)?.contains("hook") == true)
        #expect(try await server.send("POST", "/cds-services/nothing", body: Data("{}".utf8)).status == 404)
        let discovery = try await server.send("GET", "/cds-services")
        #expect((discovery.object["services"] as? [Any])?.count == CRDService.allCases.count)
        let questionnaire = try await server.send("GET", "/fhir/Questionnaire/florida-blue-02-20000-28")
        #expect(questionnaire.object["resourceType"] as? String == "Questionnaire")
        #expect(!(questionnaire.object["item"] as? [Any] ?? []).isEmpty)
        #expect(try await server.send("GET", "/fhir/Questionnaire/nothing").status == 404)
        await server.stop()
    }

    /// A CRD request without coverage in prefetch is a card saying so, not an error.
    @Test func missingPrefetchIsACard() async throws {
        let server = try await RunningServer.start()
        let encounter = try EncounterReader.decode(try example("florida-blue-approved.json"))
        var request = try #require(try JSONSerialization.jsonObject(with: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "x")) as? [String: Any])
        var prefetch = try #require(request["prefetch"] as? [String: Any])
        prefetch["coverage"] = nil
        request["prefetch"] = prefetch
        let reply = try await server.send("POST", "/cds-services/medpolicy-order-sign", body: try JSONSerialization.data(withJSONObject: request))
        #expect(reply.status == 200)
        let cards = reply.object["cards"] as? [[String: Any]] ?? []
        #expect(cards.count == 1)
        #expect(cards.first?["indicator"] as? String == "warning")
        #expect(reply.text.contains("prefetch.coverage"))
        await server.stop()
    }
}
