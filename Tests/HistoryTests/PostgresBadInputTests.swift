import Foundation
import History
import PostgresNIO
import Testing

/// Refusals that only PostgreSQL has: a schema holding another application's tables, and a
/// history written by a newer medpolicy. Both must leave the schema exactly as it was.
@Suite("PostgreSQL history bad input")
struct PostgresBadInputTests {
    /// Runs SQL statements directly on the test database (outside any medpolicy store).
    static func sql(_ statements: [String]) async throws -> [[String]] {
        guard let base = ProcessInfo.processInfo.environment["MEDPOLICY_TEST_POSTGRES"],
              let url = URLComponents(string: base), let host = url.host, let user = url.user else {
            _ = try await PostgresForTests.freshSchemaURL()  // skips, or fails under MEDPOLICY_REQUIRE_ALL=1
            return []
        }
        let configuration = PostgresConnection.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: url.password,
            database: String(url.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "medpolicy.history.tests")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        var rows: [[String]] = []
        do {
            for statement in statements {
                rows = []
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) {
                    rows.append(try row.map { try $0.decode(String.self) })
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return rows
    }

    static func url(schema: String) throws -> String {
        let base = try #require(ProcessInfo.processInfo.environment["MEDPOLICY_TEST_POSTGRES"])
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    @Test("a schema holding another application's tables is refused and left untouched")
    func foreignSchema() async throws {
        let schema = "mpt_foreign_" + UUID().uuidString.lowercased().prefix(8)
        _ = try await Self.sql([
            "CREATE SCHEMA \(schema)",
            "CREATE TABLE \(schema).appointments (id integer PRIMARY KEY, patient text)",
            "INSERT INTO \(schema).appointments VALUES (1, 'Alice')",
        ])
        let url = try Self.url(schema: schema)
        do {
            let store = try await HistoryStores.openPostgres(url: url)
            try await store.close()
            Issue.record("another application's schema was opened as a claim history")
        } catch let error as HistoryError {
            guard case .notOurDatabase = error else { Issue.record("expected notOurDatabase, got \(error)"); return }
        }
        let tables = try await Self.sql([
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = '\(schema)' ORDER BY 1"])
        #expect(tables == [["appointments"]])
        #expect(try await Self.sql(["SELECT patient FROM \(schema).appointments"]) == [["Alice"]])
    }

    @Test("a history written by a newer medpolicy is refused and left untouched")
    func newerSchema() async throws {
        let url = try await PostgresForTests.freshSchemaURL()
        let schema = try #require(url.split(separator: "schema=").last.map(String.init))
        _ = try await Self.sql(["UPDATE \(schema).meta SET value = '99' WHERE key = 'schema_version'"])
        await #expect(throws: HistoryError.newerSchema(found: 99, supported: 3)) {
            _ = try await HistoryStores.openPostgres(url: url)
        }
        #expect(try await Self.sql(["SELECT value FROM \(schema).meta WHERE key = 'schema_version'"]) == [["99"]])
    }
}

/// The server ends a connection in the middle of an adjudication (`pg_terminate_backend`, what a
/// restart or an administrator does): the adjudication fails with a located error instead of
/// waiting for an answer that never comes, nothing of it is kept, and the store goes on with a new
/// connection.
@Suite("PostgreSQL history losing its connection")
struct PostgresLostConnectionTests {
    // The limit turns a hang into a failure. It is generous because the fresh schema alone took
    // 27-48 s when this ran inside the whole suite with two fuzzers beside it: PostgreSQL sat waiting
    // for each next statement of ~40 migrations from a process whose threads were all busy.
    @Test("an adjudication whose connection the server ends fails, and the store recovers",
          .timeLimit(.minutes(3)))
    func connectionEndedMidTransaction() async throws {
        let url = try await PostgresForTests.freshSchemaURL()
        let schema = try #require(url.split(separator: "schema=").last.map(String.init))
        let base = try #require(ProcessInfo.processInfo.environment["MEDPOLICY_TEST_POSTGRES"])
        let components = try #require(URLComponents(string: base))
        let logger = Logger(label: "medpolicy.history.tests")
        // Another session holds the member's lock, so the store's transaction waits inside the server.
        let holder = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: try #require(components.host), port: components.port ?? 5432,
                username: try #require(components.user), password: components.password,
                database: String(components.path.dropFirst()), tls: .disable),
            id: 1, logger: logger)
        func run(_ sql: String) async throws -> [String] {
            var values: [String] = []
            for try await row in try await holder.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                values.append(try row.decode(String.self))
            }
            return values
        }
        _ = try await run("BEGIN")
        _ = try await run("SELECT pg_advisory_xact_lock(hashtext('medpolicy:\(schema)'), hashtext('M-LOST'))::text")
        let holderPid = try await run("SELECT pg_backend_pid()::text")[0]

        let store = try await HistoryStores.openPostgres(url: url)
        let claim = encounter("LOST-1", member: "M-LOST")
        let adjudication = Task { try await store.adjudicate(claim, dryRun: false, decide: approving(claim)) }
        var ended: [String] = []
        for _ in 0..<500 where ended.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            // The session waiting for the very lock the holder has (other tests take other locks).
            ended = try await run("""
                SELECT pg_terminate_backend(waiting.pid)::text FROM pg_locks waiting
                JOIN pg_locks held ON held.locktype = 'advisory' AND held.granted AND held.pid = \(holderPid)
                     AND held.classid = waiting.classid AND held.objid = waiting.objid AND held.objsubid = waiting.objsubid
                WHERE waiting.locktype = 'advisory' AND NOT waiting.granted
                """)
        }
        #expect(ended == ["true"], "the adjudication never waited on the member's lock")
        let failure = await adjudication.result
        guard case .failure(let error) = failure, let historyError = error as? HistoryError else {
            Issue.record("the adjudication did not fail with a HistoryError: \(failure)")
            return
        }
        #expect("\(historyError)".contains("(schema \(schema))"), "\(historyError)")
        #expect("\(historyError)".contains("terminating connection"), "the server's reason: \(historyError)")

        _ = try await run("ROLLBACK")
        try await holder.close()
        #expect(try await store.determinations(claimId: "LOST-1").isEmpty, "nothing of the ended transaction kept")
        let again = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
        #expect(again.determination.outcome == .approved)
        #expect(try await store.determinations(claimId: "LOST-1").count == 1)
        try await store.close()
    }
}
