import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import History
import Model
import Testing

/// `medpolicy serve` as an operator runs it: the built binary, a port chosen by the system, SIGTERM.
@Suite("medpolicy serve")
struct ServeCommandTests {
    static func launch(_ arguments: [String], output: String) throws -> Process {
        FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = medpolicyBinary
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))  // files, not pipes (EINTR)
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    @Test func sigtermStopsGracefullyWithTheRecordKept() async throws {
        let db = temporaryFile("serve.sqlite"), output = temporaryFile("serve.out")
        defer { for path in [db, output, db + "-wal", db + "-shm"] { try? FileManager.default.removeItem(atPath: path) } }
        let process = try Self.launch(["serve", "--port", "0", "--db", db, "--policies", checkout.appendingPathComponent("Policies").path],
                                      output: output)
        defer { if process.isRunning { process.terminate() } }
        var base: String?
        for _ in 0..<100 where base == nil {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression), text.contains("serving on") {
                base = String(text[range])
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let url = try #require(base, "the server printed no address")
        var request = URLRequest(url: URL(string: url + "/v1/determinations")!)
        request.httpMethod = "POST"
        request.httpBody = try example("florida-blue-approved.json")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let store = try await HistoryStores.openSQLite(path: db)
        let member = try EncounterReader.decode(try example("florida-blue-approved.json")).member.id
        #expect(try await store.priorServices(member: member).count == 1)
        try await store.close()
    }

    @Test func beyondLoopbackWithoutKeysIsRefused() throws {
        let output = temporaryFile("refused.out")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try Self.launch(["serve", "--host", "0.0.0.0"], output: output)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("--api-keys"))
    }
}
