import Foundation
import History
import Model
import Testing

/// Histories medpolicy must refuse: a clear error, nothing written, never a crash.
@Suite("History store bad input")
struct BadInputTests {
    @Test("another application's SQLite database is refused and left untouched")
    func foreignSQLiteDatabase() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("appointments.db").path
        #expect(FileManager.default.createFile(atPath: path, contents: foreignDatabaseBytes))

        await #expect(throws: HistoryError.notOurDatabase(path)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(contents(path) == foreignDatabaseBytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["appointments.db"])
    }

    @Test("a file that is not SQLite is refused and left untouched")
    func notSQLite() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("claims.csv").path
        let text = Data("member,claim,date\nM1,CLM-1,2025-09-10\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: text))

        await #expect(throws: HistoryError.notOurDatabase(path)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(contents(path) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["claims.csv"])

        let description = HistoryError.notOurDatabase(path).description
        #expect(description.contains(path) && description.contains("not a medpolicy claim history"))
    }

    @Test("a directory given as the history file is refused")
    func directoryAsFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: HistoryError.notOurDatabase(directory.path)) {
            _ = try await HistoryStores.openSQLite(path: directory.path)
        }
    }

    @Test("a version 1 history is upgraded in place, its claims kept")
    func olderSchemaIsUpgraded() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let claim = try await recordOneClaim(at: path)

        // As medpolicy's first schema version left it (PRAGMA user_version, header offset 60).
        var bytes = try #require(contents(path))
        bytes.replaceSubrange(60..<64, with: [0, 0, 0, 1])
        try bytes.write(to: URL(fileURLWithPath: path))

        let upgraded = try await HistoryStores.openSQLite(path: path)
        #expect(try await upgraded.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
        #expect(try await upgraded.adjudicate(claim, dryRun: false, decide: approving(claim)).replayed)
        try await upgraded.close()
        // Opened again, it is a current history (nothing left to upgrade, nothing refused).
        let reopened = try await HistoryStores.openSQLite(path: path)
        #expect(try await reopened.determinations(claimId: "CLM-1").count == 1)
        try await reopened.close()
    }

    @Test("a history written by a newer medpolicy is refused and left untouched")
    func newerSchema() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        try await recordOneClaim(at: path)

        // Closing checkpoints the write-ahead log into the file; now raise PRAGMA user_version
        // (the header's big-endian integer at offset 60) to 7, as a future medpolicy would.
        var bytes = try #require(contents(path))
        #expect(bytes[60..<64] == Data([0, 0, 0, 4]))
        bytes.replaceSubrange(60..<64, with: [0, 0, 0, 7])
        try bytes.write(to: URL(fileURLWithPath: path))

        await #expect(throws: HistoryError.newerSchema(found: 7, supported: 4)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(contents(path) == bytes)
        #expect(HistoryError.newerSchema(found: 7, supported: 4).description.contains("Upgrade medpolicy"))
    }

    @Test("a read-only history file is refused and left untouched")
    func readOnlyFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        try await recordOneClaim(at: path)
        let before = try #require(contents(path))

        try setPermissions(path, 0o444)
        defer { try? setPermissions(path, 0o644) }
        await #expect(throws: HistoryError.readOnly(path)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(contents(path) == before)
    }

    @Test("a history in a read-only directory is refused, and no file is created")
    func readOnlyDirectory() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let locked = directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try setPermissions(locked.path, 0o555)
        defer { try? setPermissions(locked.path, 0o755) }

        let path = locked.appendingPathComponent("history.sqlite").path
        await #expect(throws: HistoryError.readOnly(locked.path)) {
            _ = try await HistoryStores.openSQLite(path: path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path) == [])
    }

    @Test("a new history is created in an existing folder, and reopened")
    func createdOnFirstUse() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        try await recordOneClaim(at: path)
        let header = try #require(contents(path)).prefix(100)
        #expect(header.prefix(16) == Data("SQLite format 3\0".utf8))
        #expect(header[68..<72] == Data("MPOL".utf8))  // PRAGMA application_id

        let reopened = try await HistoryStores.openSQLite(path: path, creating: false)
        #expect(try await reopened.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
        try await reopened.close()
    }

    @Test("a missing folder is refused, never created (issue 27.10)")
    func missingFolderIsRefused() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a/b/history.sqlite").path
        await #expect(throws: HistoryError.invalidLocation("the folder \(directory.appendingPathComponent("a/b").path) does not exist; create it first")) {
            try await recordOneClaim(at: path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("reading a missing history is refused and creates nothing (issue 27.10)")
    func readingAMissingHistoryCreatesNothing() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("missing.sqlite").path
        await #expect(throws: HistoryError.self) {
            _ = try await HistoryStores.openSQLite(path: path, creating: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("an empty file becomes a new history")
    func emptyFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try await HistoryStores.openSQLite(path: path)
        #expect(try await store.priorServices(member: "M1") == [])
        try await store.close()
    }

    @Test("an unreachable PostgreSQL server is reported, not waited on")
    func unreachablePostgres() async throws {
        // Port 1 on the loopback interface: nothing listens there.
        let url = "postgres://medpolicy:secret-password@127.0.0.1:1/medpolicy"
        do {
            _ = try await HistoryStores.openPostgres(url: url)
            Issue.record("expected HistoryError.unreachable")
        } catch let error as HistoryError {
            guard case .unreachable(let detail) = error else {
                Issue.record("expected HistoryError.unreachable, got \(error)")
                return
            }
            #expect(detail.contains("127.0.0.1:1"))
            #expect(!error.description.contains("secret-password"))
            #expect(error.description.hasPrefix("cannot reach the PostgreSQL claim history"))
        }
    }

    @Test("a malformed PostgreSQL location is refused without echoing the password")
    func invalidPostgresLocation() async throws {
        for url in ["mysql://user:hunter2@127.0.0.1/db", "postgres://user:hunter2@127.0.0.1/db?schema=Bad-Name",
                    "postgres://127.0.0.1/db", "postgres://user:hunter2@127.0.0.1/db?color=blue"] {
            do {
                _ = try await HistoryStores.openPostgres(url: url)
                Issue.record("expected HistoryError.invalidLocation for \(url)")
            } catch let error as HistoryError {
                guard case .invalidLocation = error else {
                    Issue.record("expected HistoryError.invalidLocation for \(url), got \(error)")
                    continue
                }
                #expect(!error.description.contains("hunter2"))
            }
        }
    }
}

/// Creates a SQLite history at `path` holding one approved claim (`CLM-1` of member M1), closed,
/// and returns the claim.
@discardableResult
func recordOneClaim(at path: String) async throws -> Encounter {
    let store = try await HistoryStores.openSQLite(path: path)
    let claim = encounter("CLM-1")
    _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
    try await store.close()
    return claim
}
