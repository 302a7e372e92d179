import Foundation
import History
import Interchange
import FHIRInterchange
import MedPolicyServer
import Model
import Testing

/// Issue 27, item 12: every refusal has the body its route promises (problem+json for the JSON
/// API, OperationOutcome for PAS), duplicate query parameters are refused, HEAD answers as GET.
@Suite struct ErrorShapeTests {
    @Test func headOnGetRoutesAnswersLikeGetWithoutABody() async throws {
        let server = try await RunningServer.start()
        for path in ["/health", "/v1/policies", "/openapi.json"] {
            let get = try await server.send("GET", path)
            let head = try await server.send("HEAD", path)
            #expect(get.status == 200 && !get.body.isEmpty, "\(path)")
            #expect(head.status == 200, "HEAD \(path): \(head.status)")
            #expect(head.body.isEmpty, "HEAD \(path) has a body")
            #expect(head.header("Content-Type") == get.header("Content-Type"), "\(path)")
        }
        // A path no GET answers is still not found.
        #expect(try await server.send("HEAD", "/v1/nothing-here").status == 404)
        await server.stop()
    }

    @Test func duplicateQueryParametersAreRefusedNamingTheParameter() async throws {
        let server = try await RunningServer.start()
        let body = try example("florida-blue-approved.json")
        let once = try await server.send("POST", "/v1/determinations?payer=florida-blue&record=false", body: body)
        #expect(once.status == 200, "\(once.text)")
        for (path, name) in [("/v1/determinations?payer=florida-blue&payer=aetna&record=false", "payer"),
                             ("/v1/determinations?record=false&record=false", "record"),
                             ("/v1/batch?format=json&format=x12", "format"),
                             ("/v1/codes/M79.18?date=2025-01-01&date=2025-02-01", "date")] {
            let method = path.hasPrefix("/v1/codes") ? "GET" : "POST"
            let twice = try await server.send(method, path, body: method == "POST" ? body : nil)
            #expect(twice.status == 400, "\(path): \(twice.text)")
            #expect(twice.header("Content-Type") == "application/problem+json", "\(path)")
            #expect((twice.object["detail"] as? String)?.hasPrefix("\(name): given 2 times") == true, "\(path): \(twice.text)")
        }
        #expect(try await server.send("GET", "/v1/codes/M79.18?date=2025-01-01").status == 200)
        await server.stop()
    }

    @Test func unreadableRequestsGetAProblemBodyAndTheirStatus() async throws {
        let server = try await RunningServer.start()
        let cases: [(request: String, status: Int)] = [
            ("GET /health?q=\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 431),
            ("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "b", count: 100_000))\r\n\r\n", 431),
            ("FROB /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 501),
            ("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n", 400),
        ]
        for (request, status) in cases {
            let connection = try RawConnection(port: server.port)
            connection.send(request)
            let answer = await connection.read()
            let label = String(request.prefix(30))
            #expect(answer.text.hasPrefix("HTTP/1.1 \(status)"), "\(label): \(answer.text.prefix(200))")
            #expect(answer.text.lowercased().contains("content-type: application/problem+json"), "\(label)")
            let body = try #require(answer.text.range(of: "\r\n\r\n").map { answer.text[$0.upperBound...] })
            let problem = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(problem?["status"] as? Int == status, "\(label): \(body)")
            #expect((problem?["detail"] as? String)?.isEmpty == false)
        }
        // The server still answers afterwards.
        #expect(try await server.send("GET", "/health").status == 200)
        await server.stop()
    }

    @Test func pasRefusalsAreOperationOutcomes() async throws {
        let path = temporaryFile("pas-refusals.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = try await HistoryStores.openSQLite(path: path)
        let server = try await RunningServer.start(history: history)
        var planned = try EncounterReader.decode(try example("harvard-pilgrim-approved.json"))
        planned.member.id = "M-PAS-NUL"
        let accepted = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(PAS.requestBundle(for: planned)),
                                             contentType: "application/fhir+json")
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(accepted.object["resourceType"] as? String == "Bundle")

        // A member id the store cannot hold (a NUL character) and a request too large to read.
        planned.member.id = "M-PAS\u{0}NUL"
        let nul = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(PAS.requestBundle(for: planned)),
                                        contentType: "application/fhir+json")
        let tooLarge = try await server.send("POST", "/fhir/Claim/$submit", body: Data(repeating: 0x20, count: 2 << 20),
                                             contentType: "application/fhir+json")
        for (refused, status) in [(nul, 422), (tooLarge, 413)] {
            #expect(refused.status == status, "\(refused.text)")
            #expect(refused.header("Content-Type") == "application/fhir+json", "\(refused.text)")
            #expect(refused.object["resourceType"] as? String == "OperationOutcome", "\(refused.text)")
            let issue = (refused.object["issue"] as? [[String: Any]])?.first
            #expect((issue?["diagnostics"] as? String)?.isEmpty == false, "\(refused.text)")
        }
        await server.stop()
        try await history.close()
    }
    /// Issue 27.7: size caps hold on the server, for Contract 1 JSON (422 problem) and PAS (OperationOutcome).
    @Test func oversizedEncountersAreRefusedWithTheirLocation() async throws {
        let server = try await RunningServer.start()
        var encounter = try JSONSerialization.jsonObject(with: try example("florida-blue-approved.json")) as! [String: Any]
        encounter["lines"] = Array(repeating: ["code": "20552", "units": 1], count: 10_000)
        let json = try await server.send("POST", "/v1/determinations?payers=all", body: JSONSerialization.data(withJSONObject: encounter))
        #expect(json.status == 422, "\(json.text.prefix(300))")
        let errors = try #require(json.object["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["path"] as? String == "lines")
        #expect(errors.first?["message"] as? String == "10000 lines; at most \(EncounterLimits.lines)")

        var planned = try EncounterReader.decode(try example("harvard-pilgrim-approved.json"))
        #expect(try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(PAS.requestBundle(for: planned)),
                                      contentType: "application/fhir+json").status == 200)
        planned.lines = Array(repeating: planned.lines[0], count: EncounterLimits.lines + 1)
        let pas = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(PAS.requestBundle(for: planned)),
                                        contentType: "application/fhir+json")
        #expect(pas.status == 400, "\(pas.text.prefix(300))")
        #expect(pas.object["resourceType"] as? String == "OperationOutcome")
        let issue = (pas.object["issue"] as? [[String: Any]])?.first
        #expect((issue?["expression"] as? [String])?.first?.hasSuffix("item") == true, "\(pas.text.prefix(300))")
        #expect((issue?["diagnostics"] as? String)?.contains("51 items; at most 50") == true, "\(pas.text.prefix(300))")
        await server.stop()
    }
}
