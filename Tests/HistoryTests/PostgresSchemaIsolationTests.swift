import Foundation
import History
import Model
import Testing

/// Two stores in two schemas of one database, in one process and with the same claim ids, never see
/// each other's claims (a guard for any change to how statements name their tables, such as
/// statements prepared per connection with unqualified tables).
@Suite("PostgreSQL schemas")
struct PostgresSchemaIsolationTests {
    @Test("two schemas in one process keep their own claims: same id, recorded in each, replayed in neither")
    func schemasStayApart() async throws {
        let first = try await StoreKind.postgres.makeLocation()
        let second = try await StoreKind.postgres.makeLocation()
        let storeA = try await first.open()
        let storeB = try await second.open()
        let claim = encounter("CLM-SCHEMA-1", member: "M-SCHEMA")
        let inA = try await storeA.adjudicate(claim, dryRun: false, decide: approving(claim))
        let inB = try await storeB.adjudicate(claim, dryRun: false, decide: approving(claim))
        // Recorded in each schema, not found as a replay of the other schema's claim.
        #expect(inA.recorded && !inA.replayed)
        #expect(inB.recorded && !inB.replayed)
        // A batch claim goes to the schema of the store that adjudicates it.
        let later = encounter("CLM-SCHEMA-2", member: "M-SCHEMA", date: "2025-10-20")
        let batch = try await storeB.adjudicate(batch: [later]) { encounter, _ in decision(encounter, .approved) }
        #expect(batch.count == 1)
        #expect(try await storeA.determinations(claimId: "CLM-SCHEMA-1").count == 1)
        #expect(try await storeB.determinations(claimId: "CLM-SCHEMA-1").count == 1)
        #expect(try await storeA.determinations(claimId: "CLM-SCHEMA-2").isEmpty)
        #expect(try await storeB.determinations(claimId: "CLM-SCHEMA-2").count == 1)
        #expect(try await storeA.priorServices(member: "M-SCHEMA").count == 1)
        #expect(try await storeB.priorServices(member: "M-SCHEMA").count == 2)
        // The same submission again replays in its own schema.
        let again = try await storeA.adjudicate(claim, dryRun: false, decide: approving(claim))
        #expect(again.replayed && !again.recorded)
        try await storeA.close()
        try await storeB.close()
    }
}
