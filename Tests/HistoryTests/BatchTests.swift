import Foundation
import History
import Model
import Testing

/// `adjudicate(batch:)`: one transaction for many claims, each decided as if alone and in order.
@Suite("History store batches")
struct BatchTests {
    /// A batch decide that applies the same limit as ``limited(_:limit:)``.
    static func limitedBatch(limit: Int) -> @Sendable (Encounter, [PriorService]) -> Determination {
        { encounter, prior in limited(encounter, limit: limit)(prior) }
    }

    @Test("each claim of a batch sees the claims before it: the fifth of five under a limit of 4 is denied",
          arguments: StoreKind.allCases)
    func claimsSeeEarlierClaimsOfTheBatch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let claims = (1...5).map { encounter("B-\($0)", member: "BATCHER", date: "2025-09-1\($0)") }
            let results = try await store.adjudicate(batch: claims, decide: Self.limitedBatch(limit: 4))
            let outcomes = try results.map { try $0.get().determination.outcome }
            #expect(outcomes == [.approved, .approved, .approved, .approved, .denied])
            #expect(try results.allSatisfy { try $0.get().recorded })
            // The denied fifth line does not count; every determination is in the audit trail.
            #expect(try await store.priorServices(member: "BATCHER").map(\.claimId) == ["B-1", "B-2", "B-3", "B-4"])
            #expect(try await store.determinations(claimId: "B-5").map(\.determination.outcome) == [.denied])
        }
    }

    @Test("a refused claim in a batch writes nothing; the rest of the batch is recorded", arguments: StoreKind.allCases)
    func refusalsDoNotSinkTheBatch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let first = encounter("R-1", member: "MIXED")
            let batch = [
                first,
                encounter("R-2", member: "MIXED", frequency: .replacement, replaces: "NEVER-SEEN"),
                encounter("R-1", member: "MIXED", date: "2025-09-11"),  // same id, other content
                first,  // identical resubmission: replayed
                encounter("R-3", member: "MIXED", frequency: .replacement, replaces: "R-1"),
            ]
            let results = try await store.adjudicate(batch: batch, decide: { encounter, _ in decision(encounter, .approved) })
            #expect(results.count == 5)
            #expect(try results[0].get().recorded)
            #expect(results[1].failureValue == .unknownReplacedClaim("NEVER-SEEN"))
            #expect(results[2].failureValue == .conflictingResubmission(claimId: "R-1"))
            #expect(try results[3].get().replayed)
            #expect(try results[4].get().recorded)
            // R-3 replaced R-1: only R-3 counts; nothing of R-2 was written.
            #expect(try await store.priorServices(member: "MIXED").map(\.claimId) == ["R-3"])
            #expect(try await store.determinations(claimId: "R-2").isEmpty)
            #expect(try await store.determinations(claimId: "R-1").count == 1)
        }
    }

    @Test("an empty batch does nothing", arguments: StoreKind.allCases)
    func emptyBatch(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let results = try await store.adjudicate(batch: [], decide: { encounter, _ in decision(encounter, .approved) })
            #expect(results.isEmpty)
            #expect(try await store.priorServices(member: "M1").isEmpty)
        }
    }

    @Test("batches racing for the same members stay within the limit, without deadlock", arguments: StoreKind.allCases)
    func racingBatches(kind: StoreKind) async throws {
        let limit = 4
        try await withStores(kind, count: 3) { stores in
            // Six batches of six claims, each naming the three members in a different order.
            let members = ["RACE-A", "RACE-B", "RACE-C"]
            let approvedPerBatch = try await withThrowingTaskGroup(of: [String].self) { group in
                for batch in 0..<6 {
                    let store = stores[batch % stores.count]
                    let claims = (0..<6).map { index in
                        encounter("RB-\(batch)-\(index)", member: members[(batch + index) % members.count],
                                  date: "2025-09-\(10 + index)")
                    }
                    group.addTask {
                        let results = try await store.adjudicate(batch: claims, decide: Self.limitedBatch(limit: limit))
                        return try results.map { try $0.get() }.filter { $0.determination.outcome == .approved }
                            .map(\.determination.encounterId)
                    }
                }
                var all: [[String]] = []
                for try await approved in group { all.append(approved) }
                return all
            }
            #expect(approvedPerBatch.joined().count == limit * members.count)
            for member in members {
                #expect(try await stores[0].priorServices(member: member).count == limit)
            }
        }
    }
}

extension Result {
    /// The error of a failure, or nil.
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
