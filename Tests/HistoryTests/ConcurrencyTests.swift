import Foundation
import History
import Model
import Testing

/// Adjudications of one member must not race: when a limit allows N services, N are approved,
/// however many claims arrive at once and through however many store instances (processes).
@Suite("History store concurrency")
struct ConcurrencyTests {
    static let claims = 20
    static let limit = 4

    @Test("20 concurrent claims for one member under a limit of 4: exactly 4 approved", arguments: StoreKind.allCases)
    func concurrentClaimsRespectTheLimit(kind: StoreKind) async throws {
        // Four independent instances, as four processes would open the same history.
        try await withStores(kind, count: 4) { stores in
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for number in 1...Self.claims {
                    let store = stores[number % stores.count]
                    let claim = encounter("RACE-\(number)", member: "RACER", date: "2025-09-\(10 + number % 10)")
                    group.addTask {
                        try await store.adjudicate(claim, dryRun: false, decide: limited(claim, limit: Self.limit))
                            .determination.outcome
                    }
                }
                var outcomes: [Outcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == Self.claims)
            #expect(outcomes.filter { $0 == .approved }.count == Self.limit)
            #expect(outcomes.filter { $0 == .denied }.count == Self.claims - Self.limit)

            let counted = try await stores[0].priorServices(member: "RACER")
            #expect(counted.count == Self.limit)
            #expect(Set(counted.map(\.claimId)).count == Self.limit)
            var recorded = 0
            for number in 1...Self.claims {
                recorded += try await stores[1].determinations(claimId: "RACE-\(number)").count
            }
            #expect(recorded == Self.claims)
        }
    }

    @Test("concurrent identical submissions record the claim once", arguments: StoreKind.allCases)
    func concurrentDuplicates(kind: StoreKind) async throws {
        try await withStores(kind, count: 3) { stores in
            let claim = encounter("DUP-1", member: "DUPER")

            let results = try await withThrowingTaskGroup(of: Adjudication.self) { group in
                for number in 0..<10 {
                    let store = stores[number % stores.count]
                    group.addTask { try await store.adjudicate(claim, dryRun: false, decide: approving(claim)) }
                }
                var results: [Adjudication] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results.filter(\.recorded).count == 1)
            #expect(results.filter(\.replayed).count == 9)
            #expect(Set(results.map(\.determination.outcome)) == [.approved])
            #expect(try await stores[0].priorServices(member: "DUPER").count == 1)
            #expect(try await stores[0].determinations(claimId: "DUP-1").count == 1)
        }
    }
}

extension ConcurrencyTests {
    @Test("one claim id sent for two members at once: one is recorded, the other refused, nothing half-written",
          arguments: StoreKind.allCases)
    func sameClaimIdForTwoMembers(kind: StoreKind) async throws {
        try await withStores(kind, count: 2) { stores in
            for round in 0..<10 {
                let id = "SHARED-\(round)"
                let claims = [encounter(id, member: "FIRST-\(round)"), encounter(id, member: "SECOND-\(round)")]
                let results = await Self.approvedAtOnce(claims.map { [$0] }, on: stores).map { $0[0] }
                #expect(results.filter { (try? $0.get())?.recorded == true }.count == 1)
                #expect(results.filter { $0.failureValue == .conflictingResubmission(claimId: id) }.count == 1)
                let recorded = try await stores[0].priorServices(member: "FIRST-\(round)").count
                    + (try await stores[0].priorServices(member: "SECOND-\(round)").count)
                #expect(recorded == 1)
                #expect(try await stores[1].determinations(claimId: id).count == 1)
            }
        }
    }

    @Test("one claim id in two members' batches at once: recorded once, and every other claim of both batches recorded",
          arguments: StoreKind.allCases)
    func sameClaimIdInTwoBatches(kind: StoreKind) async throws {
        try await withStores(kind, count: 2) { stores in
            for round in 0..<10 {
                let shared = "SHARED-BATCH-\(round)"
                let members = ["FIRST-B\(round)", "SECOND-B\(round)"]
                let batches = members.map { member in
                    [encounter("\(member)-1", member: member, date: "2025-08-01"), encounter(shared, member: member),
                     encounter("\(member)-2", member: member, date: "2025-10-01")]
                }
                let results = await Self.approvedAtOnce(batches, on: stores)
                // Each batch answers for its three claims: its own two recorded, the shared one
                // recorded in exactly one of them and refused as a conflict in the other.
                #expect(results.allSatisfy { $0.count == 3 })
                let sharedResults = results.compactMap { $0.count == 3 ? $0[1] : nil }
                #expect(sharedResults.filter { (try? $0.get())?.recorded == true }.count == 1)
                #expect(sharedResults.filter { $0.failureValue == .conflictingResubmission(claimId: shared) }.count == 1)
                for result in results where result.count == 3 {
                    #expect((try? result[0].get())?.recorded == true)
                    #expect((try? result[2].get())?.recorded == true)
                }
                #expect(try await stores[0].determinations(claimId: shared).count == 1)
                for member in members {
                    #expect(try await stores[1].determinations(claimId: "\(member)-1").count == 1)
                    #expect(try await stores[1].determinations(claimId: "\(member)-2").count == 1)
                }
                let counted = try await stores[0].priorServices(member: members[0]).count
                    + (try await stores[0].priorServices(member: members[1]).count)
                #expect(counted == 5)
            }
        }
    }

    /// Each batch adjudicated on its own store, all at once, every claim approved; a batch that
    /// throws answers with one failure naming its error.
    static func approvedAtOnce(_ batches: [[Encounter]], on stores: [any HistoryStore]) async
        -> [[Result<Adjudication, HistoryError>]] {
        await withTaskGroup(of: [Result<Adjudication, HistoryError>].self) { group in
            for (index, batch) in batches.enumerated() {
                let store = stores[index]
                group.addTask {
                    do {
                        return try await store.adjudicate(batch: batch) { encounter, _ in decision(encounter, .approved) }
                    } catch let error as HistoryError {
                        return [.failure(error)]
                    } catch {
                        return [.failure(.storage("the batch failed: \(error)"))]
                    }
                }
            }
            var results: [[Result<Adjudication, HistoryError>]] = []
            for await result in group { results.append(result) }
            return results
        }
    }

    @Test("64 dry runs at once for one member all see its history; few handles to the file stay open",
          arguments: StoreKind.allCases)
    func concurrentDryRuns(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, location in
            for id in ["CLM-1", "CLM-2"] {
                let claim = encounter(id)
                _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
            }
            let log = DecideLog()
            // The first dry run reads the member; the rest are answered at once (SQLite: by the probe).
            let first = encounter("PREVIEW-0")
            _ = try await store.adjudicate(first, dryRun: true, decide: approving(first, log: log))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for number in 1...64 {
                    let claim = encounter("PREVIEW-\(number)")
                    group.addTask {
                        let preview = try await store.adjudicate(claim, dryRun: true, decide: approving(claim, log: log))
                        #expect(!preview.recorded && !preview.replayed)
                    }
                }
                try await group.waitForAll()
            }
            #expect(log.priors.count == 65)
            #expect(log.priors.allSatisfy { $0.map(\.id) == ["CLM-1", "CLM-2"] })
            #expect(try await store.priorServices(member: "M1").count == 2)
            #if os(Linux)
            if kind == .sqlite {
                // The pool's writer and readers, and the probe's idle connections (at most eight).
                // How many dry runs overlap depends on the threads; on two cores it is two.
                let handles = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter {
                    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == location.place
                }
                #expect(handles.count <= 6 + 8, "\(handles.count) open handles to the history file")
            }
            #endif
        }
    }
}

/// Opens `count` independent instances of one fresh store, runs `body`, and closes them all.
func withStores(_ kind: StoreKind, count: Int, _ body: ([any HistoryStore]) async throws -> Void) async throws {
    let location = try await kind.makeLocation()
    defer { location.removeFiles() }
    var stores: [any HistoryStore] = []
    do {
        for _ in 0..<count { stores.append(try await location.open()) }
        try await body(stores)
    } catch {
        for store in stores { try? await store.close() }
        throw error
    }
    for store in stores { try await store.close() }
}
