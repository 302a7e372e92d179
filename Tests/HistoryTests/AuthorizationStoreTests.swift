import Foundation
import GRDB
import History
import Model
import Testing

/// Issue 19: prior authorizations on file, in both stores.
@Suite("History store: prior authorizations")
struct AuthorizationStoreTests {
    static func authorization(_ number: String, member: String = "M1", payer: String = "harvard-pilgrim",
                              issued: String = "2025-09-01", units: Int = 3) -> Authorization {
        Authorization(number: number, payer: payer, memberId: member, status: .approved, issued: LocalDate(issued)!,
                      policy: "harvard-pilgrim/trigger-point-injections",
                      items: [AuthorizedService(code: "20552", units: units, from: LocalDate(issued)!, to: LocalDate("2026-02-28")!)],
                      clinical: Clinical(painOnset: LocalDate("2025-07-01")!, findings: Findings(tautBand: true),
                                         conservativeTherapy: [ConservativeTherapy(type: .physicalTherapy, outcome: .failed)]))
    }

    @Test("recorded authorizations are read back by member and payer, oldest issued first", arguments: StoreKind.allCases)
    func recordAndList(_ kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, location in
            let later = Self.authorization("PA-2", issued: "2025-10-01")
            let earlier = Self.authorization("PA-1")
            var partial = Self.authorization("PA-3", payer: "aetna")
            partial.status = .partial
            partial.policy = nil
            partial.clinical = nil
            try await store.record(authorizations: [later, earlier, partial, Self.authorization("PA-9", member: "M2")])
            #expect(try await store.authorizations(member: "M1", payer: "harvard-pilgrim") == [earlier, later])
            #expect(try await store.authorizations(member: "M1", payer: nil) == [earlier, partial, later])  // by issue date, then number
            #expect(try await store.authorizations(member: "M1", payer: "truecare").isEmpty)
            #expect(try await store.authorizations(member: "nobody", payer: nil).isEmpty)
            // Another instance (another process) reads the same.
            let other = try await location.open()
            #expect(try await other.authorizations(member: "M2", payer: nil).map(\.number) == ["PA-9"])
            try await other.close()
        }
    }

    @Test("a payer's authorizations are kept once one of them is on file, and only that payer's", arguments: StoreKind.allCases)
    func keepsAPayersAuthorizations(_ kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            #expect(try await store.keepsAuthorizations(payer: "harvard-pilgrim") == false)
            try await store.record(authorizations: [Self.authorization("PA-1", member: "M7")])
            #expect(try await store.keepsAuthorizations(payer: "harvard-pilgrim"))
            #expect(try await store.keepsAuthorizations(payer: "aetna") == false)
            #expect(try await store.keepsAuthorizations(payer: "harvard-pilgrim\u{0}") == false)  // text no store holds
        }
    }

    @Test("the same number again replaces the authorization on file", arguments: StoreKind.allCases)
    func sameNumberReplaces(_ kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            try await store.record(authorizations: [Self.authorization("PA-1", units: 3)])
            try await store.record(authorizations: [Self.authorization("PA-1", units: 5)])
            let onFile = try await store.authorizations(member: "M1", payer: nil)
            #expect(onFile.count == 1)
            #expect(onFile.first?.items.first?.units == 5)
        }
    }

    @Test("a number on file for another member or payer is refused, and the one on file stays", arguments: StoreKind.allCases)
    func anotherMembersNumberIsRefused(_ kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            try await store.record(authorizations: [Self.authorization("PA-1", member: "M1")])
            for intruder in [Self.authorization("PA-1", member: "M2", units: 9), Self.authorization("PA-1", payer: "aetna", units: 9)] {
                do {
                    try await store.record(authorizations: [Self.authorization("PA-7", member: "M2"), intruder])
                    Issue.record("another member's authorization replaced \(intruder.number)")
                } catch let error as HistoryError {
                    #expect(error == .authorizationOfAnotherMember(number: "PA-1"))
                }
            }
            #expect(try await store.authorizations(member: "M1", payer: nil).map(\.items.first?.units) == [3])
            #expect(try await store.authorizations(member: "M2", payer: nil).isEmpty)  // all or nothing
        }
    }

    @Test("a list with an authorization a store cannot hold records none of it", arguments: StoreKind.allCases)
    func allOrNothing(_ kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            do {
                try await store.record(authorizations: [Self.authorization("PA-1"), Self.authorization("PA-\u{0}2")])
                Issue.record("an authorization number with a NUL character was recorded")
            } catch let error as HistoryError {
                #expect(error == .unstorableText(field: "authorization number"))
            }
            let onFile = try await store.authorizations(member: "M1", payer: nil)
            #expect(onFile.isEmpty)
        }
    }

    @Test("SQLite: a history from before authorizations (schema 3) opens, keeps its claims and gains the table")
    func olderSQLiteGainsTheTable() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("history.sqlite").path
        let store = try await HistoryStores.openSQLite(path: path)
        let claim = encounter("CLM-1")
        _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
        try await store.close()
        // As schema version 3 left the file: no authorizations table.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE authorizations")
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        try queue.close()

        let upgraded = try await HistoryStores.openSQLite(path: path)
        #expect(try await upgraded.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
        try await upgraded.record(authorizations: [Self.authorization("PA-1")])
        #expect(try await upgraded.authorizations(member: "M1", payer: nil).map(\.number) == ["PA-1"])
        try await upgraded.close()
    }

    @Test("PostgreSQL: a history from before authorizations (schema 2) opens, keeps its claims and gains the table")
    func olderPostgresGainsTheTable() async throws {
        let url = try await PostgresForTests.freshSchemaURL()
        let schema = try #require(url.components(separatedBy: "schema=").last)
        let store = try await HistoryStores.openPostgres(url: url)
        let claim = encounter("CLM-1")
        _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
        try await store.close()
        _ = try await PostgresBadInputTests.sql([
            "DROP TABLE \(schema).authorizations",
            "UPDATE \(schema).meta SET value = '2' WHERE key = 'schema_version'",
        ])
        let upgraded = try await HistoryStores.openPostgres(url: url)
        #expect(try await upgraded.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
        try await upgraded.record(authorizations: [Self.authorization("PA-1")])
        #expect(try await upgraded.authorizations(member: "M1", payer: "harvard-pilgrim").map(\.number) == ["PA-1"])
        try await upgraded.close()
        let version = try await PostgresBadInputTests.sql(["SELECT value FROM \(schema).meta WHERE key = 'schema_version'"])
        #expect(version == [["3"]])
    }
}
