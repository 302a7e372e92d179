import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Interchange
import MedPolicyServer
import Model
import Testing

/// `POST /v1/extract`, `POST /v1/claims/837` and the workbench page over real HTTP.
@Suite("Note intake and 837 routes, workbench page")
struct NoteRouteTests {
    static let notePath = checkout.appendingPathComponent("Tests/NoteIntakeTests/Corpus/01-templated-neck.txt").path
    static var note: Data { FileManager.default.contents(atPath: notePath) ?? Data() }

    /// What `medpolicy extract --format json` prints for the same note and options.
    static func commandJSON(_ arguments: [String]) throws -> Any {
        let process = Process()
        process.executableURL = medpolicyBinary
        process.arguments = ["extract", notePath, "--format", "json"] + arguments
        let output = temporaryFile("extract.json")
        FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test func extractAnswersWhatTheCommandPrints() async throws {
        let server = try await RunningServer.start()
        let reply = try await server.send("POST", "/v1/extract?payer=florida-blue&date=2025-03-14", body: Self.note, contentType: "text/plain")
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("Content-Type") == "application/json")
        let served = try #require(reply.json as? NSDictionary)
        let printed = try #require(try Self.commandJSON(["--payer", "florida-blue", "--date", "2025-03-14"]) as? NSDictionary)
        #expect(served == printed)
        let encounter = try #require(served["encounter"] as? [String: Any])
        #expect((encounter["coverage"] as? [String: Any])?["payer"] as? String == "florida-blue")
        let evidence = try #require(served["evidence"] as? [[String: Any]])
        // Every span is the note's own text at its UTF-16 offsets.
        let text = String(decoding: Self.note, as: UTF8.self) as NSString
        for span in evidence {
            let start = try #require(span["start"] as? Int), end = try #require(span["end"] as? Int)
            #expect(text.substring(with: NSRange(location: start, length: end - start)) == span["text"] as? String)
        }
        #expect(evidence.contains { $0["fact"] as? String == "lines[0].code" && $0["text"] as? String == "20552" })
        await server.stop()
    }

    @Test func unreadableNotesAreClearProblems() async throws {
        let server = try await RunningServer.start()
        let cases: [(String, Data, Int, String)] = [
            ("empty", Data(), 422, "the note is empty"),
            ("blank", Data(" \n\t\n".utf8), 422, "the note is empty"),
            ("binary", Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF]), 422, "binary data (NUL byte at byte 4)"),
            ("invalid UTF-8", Data([0x74, 0x61, 0x75, 0x74, 0xC3, 0x28, 0xFF]), 422, "not valid UTF-8"),
            ("another language", Data("Paciente con dolor de cuello desde hace dos meses. Se aplicó calor local y reposo.".utf8), 422,
             "no trigger point procedure or musculoskeletal content recognized (is the note in English?)"),
        ]
        for (name, body, status, message) in cases {
            let reply = try await server.send("POST", "/v1/extract", body: body, contentType: "text/plain")
            #expect(reply.status == status, "\(name): \(reply.text)")
            #expect(reply.header("Content-Type") == "application/problem+json", "\(name)")
            #expect((reply.object["detail"] as? String)?.contains(message) == true, "\(name): \(reply.text)")
        }
        for query in ["?date=2025-13-01", "?date=yesterday", "?payer=nobody"] {
            let reply = try await server.send("POST", "/v1/extract" + query, body: Self.note, contentType: "text/plain")
            #expect(reply.status == 400, "\(query): \(reply.text)")
            #expect(reply.header("Content-Type") == "application/problem+json")
        }
        await server.stop()
    }

    @Test func aFiveMegabyteNoteIs413() async throws {
        let fiveMB = Data(repeating: UInt8(ascii: "a"), count: 5_000_000)
        // Under the default body limit, and with a server limit above the note reader's 1 MiB.
        for limit in [1 << 20, 8 << 20] {
            let server = try await RunningServer.start(maxBodyBytes: limit)
            let reply = try await server.send("POST", "/v1/extract", body: fiveMB, contentType: "text/plain")
            #expect(reply.status == 413, "limit \(limit): \(reply.text)")
            #expect(reply.header("Content-Type") == "application/problem+json")
            #expect((reply.object["detail"] as? String)?.contains("1048576") == true, "\(reply.text)")
            // The server goes on serving.
            #expect(try await server.send("POST", "/v1/extract", body: Self.note, contentType: "text/plain").status == 200)
            await server.stop()
        }
    }

    @Test func claim837IsTheWritersInterchange() async throws {
        let server = try await RunningServer.start(today: LocalDate("2025-09-10")!)
        let body = try example("florida-blue-approved.json")
        let reply = try await server.send("POST", "/v1/claims/837", body: body)
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.header("Content-Type") == "application/edi-x12")
        #expect(reply.header("Content-Disposition") == "attachment; filename=\"FB-APPROVED-001.837\"")
        let encounter = try EncounterReader.decode(body)
        let expected = try Encounter837Writer().bytes(for: encounter, creationDate: LocalDate("2025-09-10")!)
        #expect(Array(reply.body) == expected)
        let read = try #require(try X12Reader837(bytes: Array(reply.body)).readAll().claims.first)
        #expect(read.encounter.id == encounter.id)

        let invalid = try await server.send("POST", "/v1/claims/837", body: Data(#"{"id": "X", "lines": []}"#.utf8))
        #expect(invalid.status == 422)
        #expect(invalid.header("Content-Type") == "application/problem+json")
        let paths = (invalid.object["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        #expect(paths.contains("member") && paths.contains("dateOfService"), "\(invalid.text)")
        await server.stop()
    }

    @Test func theWorkbenchIsServedWithoutAKeyAndItsCallsNeedOne() async throws {
        let server = try await RunningServer.start(apiKeys: SecurityTests.keys)
        let page = try await server.send("GET", "/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        // Every payer the policies serve is offered, and the page loads nothing from elsewhere.
        let payers = try sharedEvaluator.get().context.library.payers
        #expect(payers.count >= 2)
        for payer in payers { #expect(page.text.contains("<option value=\"\(payer)\">\(payer)</option>"), "\(payer)") }
        #expect(page.text.contains("<script src=\"/workbench.js\" defer></script>"))
        #expect(!page.text.contains("http://") && !page.text.contains("https://"))
        #expect(!page.text.contains("{{"), "an unrendered mustache tag")
        for (path, type) in [("/workbench.js", "text/javascript; charset=utf-8"), ("/workbench.css", "text/css; charset=utf-8")] {
            let asset = try await server.send("GET", path)
            #expect(asset.status == 200, "\(path)")
            #expect(asset.header("Content-Type") == type)
            #expect(!asset.text.contains("https://"), "\(path) loads nothing from elsewhere")
        }
        #expect(try await server.send("POST", "/v1/extract", body: Self.note, contentType: "text/plain").status == 401)
        #expect(try await server.send("POST", "/v1/extract", body: Self.note, key: SecurityTests.key, contentType: "text/plain").status == 200)
        #expect(try await server.send("POST", "/v1/claims/837", body: try example("florida-blue-approved.json")).status == 401)
        await server.stop()
    }
}
