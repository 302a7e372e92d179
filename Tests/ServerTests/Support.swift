import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import History
import Logging
import MedPolicyServer
import Model
import Synchronization
import Testing
import Workflows

/// The package checkout (for Examples/ and Policies/).
let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func example(_ name: String) throws -> Data {
    try Data(contentsOf: checkout.appendingPathComponent("Examples/\(name)"))
}

var exampleNames: [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: checkout.appendingPathComponent("Examples").path))?
        .filter { $0.hasSuffix(".json") }.sorted() ?? []
}

/// The engine, loaded once for all tests.
let sharedEvaluator = Result { try EngineSetup.evaluator(policies: checkout.appendingPathComponent("Policies").path) }
let sharedCodeSets = Result { try LoadedCodeSets.load() }

/// Every log line a server wrote, with its metadata, for the tests that read the logs.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger() -> Logger {
        var logger = Logger(label: "medpolicy-test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace  // everything, so nothing hides below the level read
        return logger
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            for (key, value) in event.metadata ?? [:] { all[key] = value }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}

/// A real server on a free loopback port, spoken to over HTTP.
struct RunningServer {
    let base: String
    let task: Task<Void, any Error>
    let logs: LogCapture

    static func start(history: (any HistoryStore)? = nil, apiKeys: APIKeys? = nil, maxBodyBytes: Int = 1 << 20,
                      connectionLimits: ConnectionLimits = ConnectionLimits(),
                      today: LocalDate = LocalDate("2025-09-10")!) async throws -> RunningServer {
        let logs = LogCapture()
        let application = ServerApplication(
            settings: ServerSettings(host: "127.0.0.1", port: 0, apiKeys: apiKeys, maxBodyBytes: maxBodyBytes,
                                     connectionLimits: connectionLimits),
            adjudicator: Adjudicator(evaluator: try sharedEvaluator.get(), history: history),
            codeSets: try sharedCodeSets.get(), logger: logs.logger(), today: { today })
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await application.run { port in continuation.yield(port) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return RunningServer(base: "http://127.0.0.1:\(port)", task: task, logs: logs)
    }

    /// The port the server listens on.
    var port: Int { Int(base.split(separator: ":").last ?? "") ?? 0 }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data

        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    func send(_ method: String, _ path: String, body: Data? = nil, key: String? = nil,
              contentType: String = "application/json") async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)"] = "\(value)" }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A PostgreSQL URL with a schema of the test's own, or a skip (a failure under MEDPOLICY_REQUIRE_ALL=1).
func postgresURL(_ label: String) throws -> String? {
    let environment = ProcessInfo.processInfo.environment
    guard let base = environment["MEDPOLICY_TEST_POSTGRES"], !base.isEmpty else {
        let reason = "MEDPOLICY_TEST_POSTGRES is not set (.ci/run provisions PostgreSQL)"
        if environment["MEDPOLICY_REQUIRE_ALL"] == "1" { Issue.record(Comment(rawValue: "PostgreSQL is required: \(reason)")); return nil }
        try Test.cancel(Comment(rawValue: "skipped: \(reason)"))
    }
    return base + (base.contains("?") ? "&" : "?") + "schema=mpt_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
}

/// The built `medpolicy` binary, beside the test bundle.
var medpolicyBinary: URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("medpolicy")
    return FileManager.default.fileExists(atPath: beside.path) ? beside : Bundle.main.bundleURL.appendingPathComponent("medpolicy")
}

func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-server-\(UUID().uuidString)-\(name)").path
}
