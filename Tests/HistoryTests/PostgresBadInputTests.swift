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
