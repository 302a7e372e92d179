import Foundation
import History
import MedPolicyServer
import Model
import Testing
import Workflows

@Suite("JSON API")
struct JSONAPITests {
    @Test("every example is decided as the engine decides it", arguments: exampleNames)
    func determinationMatchesTheEngine(name: String) async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let body = try example(name)
        let reply = try await server.send("POST", "/v1/determinations", body: body)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("Content-Type") == "application/json")
        let served = try JSONDecoder().decode(Determination.self, from: reply.body)
        let direct = try sharedEvaluator.get().evaluate(try EncounterReader.decode(body))
        #expect(served == direct)
        #expect(reply.header("Medpolicy-Recorded") == "false")
        await server.stop()
    }

    @Test func allPayersSideBySide() async throws {
        let server = try await RunningServer.start()
        let reply = try await server.send("POST", "/v1/determinations?payers=all", body: try example("florida-blue-approved.json"))
        #expect(reply.status == 200)
        let determinations = try JSONDecoder().decode([Determination].self, from: reply.body)
        #expect(Set(determinations.map(\.payer)) == Set(try sharedEvaluator.get().context.library.payers))
        let aetna = try await server.send("POST", "/v1/determinations?payer=aetna", body: try example("florida-blue-approved.json"))
        #expect(try JSONDecoder().decode(Determination.self, from: aetna.body).payer == "aetna")
        await server.stop()
    }

    @Test func malformedEncountersAreLocated422s() async throws {
        let server = try await RunningServer.start()
        var encounter = try #require(try JSONSerialization.jsonObject(with: try example("florida-blue-approved.json")) as? [String: Any])
        var lines = try #require(encounter["lines"] as? [[String: Any]])
        lines[0]["units"] = 0
        encounter["lines"] = lines
        encounter["surprise"] = true
        let reply = try await server.send("POST", "/v1/determinations", body: try JSONSerialization.data(withJSONObject: encounter))
        #expect(reply.status == 422)
        #expect(reply.header("Content-Type") == "application/problem+json")
        let paths = (reply.object["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        #expect(paths.contains("lines[0].units"), "\(reply.text)")
        #expect(paths.contains("surprise"), "\(reply.text)")
        #expect(reply.object["status"] as? Int == 422)

        let syntax = try await server.send("POST", "/v1/determinations", body: Data("{\"id\": ".utf8))
        #expect(syntax.status == 422)
        #expect((syntax.object["detail"] as? String)?.contains("line 1") == true, "\(syntax.text)")
        await server.stop()
    }

    @Test func badQueriesAndUnknownPayersAre400() async throws {
        let server = try await RunningServer.start()
        let body = try example("florida-blue-approved.json")
        for query in ["?payers=some", "?record=maybe", "?payer=aetna&payers=all", "?payer=nobody"] {
            let reply = try await server.send("POST", "/v1/determinations" + query, body: body)
            #expect(reply.status == 400, "\(query): \(reply.text)")
            #expect(reply.header("Content-Type") == "application/problem+json")
        }
        await server.stop()
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let server = try await RunningServer.start(maxBodyBytes: 512)
        let reply = try await server.send("POST", "/v1/determinations", body: try example("florida-blue-approved.json"))
        #expect(reply.status == 413)
        #expect(reply.header("Content-Type") == "application/problem+json")
        await server.stop()
    }

    @Test func policiesAndCodes() async throws {
        let server = try await RunningServer.start()
        let list = try await server.send("GET", "/v1/policies")
        #expect(list.status == 200)
        let ids = (list.json as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.contains("florida-blue/02-20000-28"))
        let one = try await server.send("GET", "/v1/policies/florida-blue/02-20000-28")
        #expect(one.status == 200)
        let rules = one.object["rules"] as? [[String: Any]] ?? []
        #expect(!rules.isEmpty)
        #expect(rules.allSatisfy { ($0["citation"] as? [String: Any])?["section"] is String })
        #expect(try await server.send("GET", "/v1/policies/nobody/none").status == 404)

        let code = try await server.send("GET", "/v1/codes/M79.1?date=2025-01-01")
        #expect(code.status == 200)
        #expect(code.object["billable"] as? Bool == false)
        #expect(code.object["children"] as? [String] == ["M79.10", "M79.11", "M79.12", "M79.18"])
        let old = try await server.send("GET", "/v1/codes/M54.5?date=2021-06-01")
        #expect(old.object["billable"] as? Bool == true)
        #expect(try await server.send("GET", "/v1/codes/M54.5?date=June").status == 400)
        #expect(try await server.send("GET", "/v1/codes/NOTACODE").status == 404)
        // Issue 27.12 and 27.13: the code is percent-decoded, and J1030 is the HCPCS code carried.
        let encoded = try await server.send("GET", "/v1/codes/M79%2E18?date=2025-01-01")
        #expect(encoded.status == 200, "\(encoded.text)")
        #expect(encoded.object["code"] as? String == "M79.18")
        #expect(try await server.send("GET", "/v1/codes/J1030").object["system"] as? String == "hcpcs")
        #expect(try await server.send("GET", "/v2/nothing").status == 404)
        await server.stop()
    }

    @Test func recordsIntoSQLiteAndReplays() async throws {
        let path = temporaryFile("history.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await recordsAndReplays(history: try await HistoryStores.openSQLite(path: path))
    }

    @Test func recordsIntoPostgreSQLAndReplays() async throws {
        guard let url = try postgresURL("server") else { return }
        try await recordsAndReplays(history: try await HistoryStores.openPostgres(url: url))
    }

    /// A dry run records nothing; the first real call records; the same claim again is a replay.
    private func recordsAndReplays(history: any HistoryStore) async throws {
        let server = try await RunningServer.start(history: history)
        let body = try example("florida-blue-approved.json")
        let dry = try await server.send("POST", "/v1/determinations?record=false", body: body)
        #expect(dry.status == 200)
        #expect(dry.header("Medpolicy-Recorded") == "false")
        let first = try await server.send("POST", "/v1/determinations", body: body)
        #expect(first.header("Medpolicy-Recorded") == "true")
        #expect(first.header("Medpolicy-Replayed") == "false")
        let again = try await server.send("POST", "/v1/determinations", body: body)
        #expect(again.header("Medpolicy-Replayed") == "true")
        #expect(again.body == first.body)
        let member = try EncounterReader.decode(body).member.id
        #expect(try await history.priorServices(member: member).count == EncounterReader.decode(body).lines.count)

        // The same claim id with other content conflicts with the record: 409, nothing written.
        var changed = try EncounterReader.decode(body)
        changed.dateOfService = changed.dateOfService.adding(days: 1)
        let conflict = try await server.send("POST", "/v1/determinations", body: Data(try CanonicalJSON.encode(changed)))
        #expect(conflict.status == 409, "\(conflict.text)")
        #expect(conflict.header("Content-Type") == "application/problem+json")
        #expect(try await history.priorServices(member: member).count == EncounterReader.decode(body).lines.count)

        // A claim id the store cannot hold as given (a NUL character) is the caller's to fix: 422,
        // recorded or not, and nothing is written.
        var unstorable = try EncounterReader.decode(body)
        unstorable.id += "\u{0}X"
        for query in ["", "?record=false"] {
            let refused = try await server.send("POST", "/v1/determinations\(query)", body: Data(try CanonicalJSON.encode(unstorable)))
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.text.contains("NUL character"), "\(refused.text)")
        }
        #expect(try await history.priorServices(member: member).count == EncounterReader.decode(body).lines.count)

        // A store that can no longer serve is the server's trouble, not the caller's: 503.
        try await history.close()
        let closed = try await server.send("POST", "/v1/determinations", body: body)
        #expect(closed.status == 503, "\(closed.text)")
        await server.stop()
    }
}
