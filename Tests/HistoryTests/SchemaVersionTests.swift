import Foundation
import GRDB
import History
import Model
import Testing

/// SQLite schema versions through GRDB's `DatabaseMigrator`: files from before it keep working,
/// and a file a more recent migrator migrated is refused.
@Suite("SQLite schema versions")
struct SchemaVersionTests {
    /// A copy of the file medpolicy wrote before the migrator (schema 4 in `user_version`, no
    /// `grdb_migrations`): `medpolicy check` of Examples/florida-blue-approved.json, then of
    /// Examples/florida-blue-denied.json, with `--db`.
    static func fileBeforeMigrator(in directory: URL) throws -> String {
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/history-v4-before-migrator", withExtension: "sqlite"))
        let path = directory.appendingPathComponent("history.sqlite").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    static func migrationsAndVersion(_ path: String) throws -> (identifiers: [String], version: Int) {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let identifiers = try db.tableExists("grdb_migrations")
                ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : []
            return (identifiers, try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
        }
    }

    @Test("a history written before the migrator (schema 4) opens with its claims; its versions are recorded as applied")
    func fileBeforeMigratorOpens() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.fileBeforeMigrator(in: directory)
        #expect(try Self.migrationsAndVersion(path) == ([], 4))

        let store = try await HistoryStores.openSQLite(path: path, creating: false)
        // The denied claim's line does not count; the approved one's does.
        #expect(try await store.priorServices(member: "M-001").map(\.claimId) == ["FB-APPROVED-001"])
        let recorded = try await store.determinations(claimId: "FB-APPROVED-001")
        #expect(recorded.map(\.determination.outcome) == [.approved])
        // The recorded claim sent again replays its determination: nothing is decided or written.
        let example = try JSONDecoder().decode(Encounter.self, from: Data(contentsOf: Self.checkout
            .appendingPathComponent("Examples/florida-blue-approved.json")))
        let stored = recorded[0].determination
        let replay = try await store.adjudicate(example, dryRun: false) { _ in
            Issue.record("a replay decided again")
            return stored
        }
        #expect(replay.replayed && !replay.recorded && replay.determination == recorded[0].determination)
        // And a new claim is recorded next to the old ones.
        let claim = encounter("CLM-NEW", member: "M-001")
        #expect(try await store.adjudicate(claim, dryRun: false, decide: approving(claim)).recorded)
        try await store.close()

        let after = try Self.migrationsAndVersion(path)
        #expect(after.version == 4)
        #expect(after.identifiers.count == 4)
        let reopened = try await HistoryStores.openSQLite(path: path, creating: false)
        #expect(try await reopened.priorServices(member: "M-001").map(\.claimId).sorted() == ["CLM-NEW", "FB-APPROVED-001"])
        try await reopened.close()
    }

    @Test("a history written before the migrator at schema 3 gains the authorizations table and records four versions")
    func schema3BeforeMigratorIsUpgraded() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.fileBeforeMigrator(in: directory)
        // As schema 3 left a file: no authorizations table.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE authorizations")
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        try queue.close()
        #expect(try Self.migrationsAndVersion(path) == ([], 3))

        let store = try await HistoryStores.openSQLite(path: path)
        #expect(try await store.priorServices(member: "M-001").map(\.claimId) == ["FB-APPROVED-001"])
        try await store.record(authorizations: [AuthorizationStoreTests.authorization("PA-9", member: "M-001")])
        #expect(try await store.authorizations(member: "M-001", payer: nil).map(\.number) == ["PA-9"])
        try await store.close()
        let after = try Self.migrationsAndVersion(path)
        #expect(after.version == 4 && after.identifiers.count == 4)
    }

    @Test("a history a more recent migrator migrated (a migration this medpolicy does not know) is refused and left untouched")
    func supersededByNewerMigrator() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        try await recordOneClaim(at: path)
        let known = try Self.migrationsAndVersion(path)
        #expect(known.version == 4 && known.identifiers.count == 4)
        // A future medpolicy that added a migration without raising user_version.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v5 from the future')")
        }
        try queue.close()
        let bytes = try #require(contents(path))

        await #expect(throws: HistoryError.newerSchema(found: 5, supported: 4)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(contents(path) == bytes)

        // The same file with the unknown migration gone opens again.
        let repaired = try DatabaseQueue(path: path)
        try await repaired.write { db in try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5 from the future'") }
        try repaired.close()
        let store = try await HistoryStores.openSQLite(path: path)
        #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
        try await store.close()
    }

    /// The source checkout, for the example encounter the fixture was made from.
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("a first use killed after the file was claimed, before version 1 committed, is set up by the next open")
    func interruptedFirstUseResumes() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        // What a process killed at that point leaves: the file marked as ours, the migrator's table, no tables of ours.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "PRAGMA application_id = 1297108812")  // 'MPOL'
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        try queue.close()

        let store = try await HistoryStores.openSQLite(path: path)
        let claim = encounter("RESUMED-1", member: "M-RESUMED")
        let result = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
        #expect(result.recorded)
        try await store.close()
        #expect(try Self.migrationsAndVersion(path).version == 4)
    }

    @Test("a file of another application's with only the migrator's table stays refused")
    func unclaimedFileWithTablesIsRefused() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("other.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        try queue.close()
        await #expect(throws: HistoryError.notOurDatabase(path)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
    }
}
