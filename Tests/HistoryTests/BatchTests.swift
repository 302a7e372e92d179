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

    @Test("a batch decides each claim with exactly the services that claim-by-claim adjudication, reading the table, sees",
          arguments: StoreKind.allCases)
    func batchSeesWhatSeparateProcessesSee(kind: StoreKind) async throws {
        let claims = Self.mixedClaims(count: 240)
        let batched = CallLog(), separate = CallLog()
        try await withFreshStore(kind) { store, _ in
            for start in stride(from: 0, to: claims.count, by: 40) {
                _ = try await store.adjudicate(batch: Array(claims[start..<min(start + 40, claims.count)])) { encounter, prior in
                    batched.record(encounter.id, prior)
                    return Self.mixedDecision(encounter)
                }
            }
        }
        // The reference: every claim in its own transaction, by a store instance opened for it
        // alone (like a process of its own: nothing cached), so every read comes from the table.
        let location = try await kind.makeLocation()
        defer { location.removeFiles() }
        var refused = 0
        for claim in claims {
            let store = try await location.open()
            do {
                _ = try await store.adjudicate(claim, dryRun: false) { prior in
                    separate.record(claim.id, prior)
                    return Self.mixedDecision(claim)
                }
            } catch is HistoryError {
                refused += 1
            }
            try await store.close()
        }
        #expect(refused > 0)
        #expect(batched.calls.count == separate.calls.count)
        for (one, other) in zip(batched.calls, separate.calls) {
            #expect(one.claimId == other.claimId)
            #expect(one.prior == other.prior, "\(one.claimId)")
        }
        // The mix exercised what changes a history: several services per member, replaced and voided ones.
        #expect(batched.calls.contains { $0.prior.count >= 10 })
    }

    /// Originals (one or two lines, varied sites, dates out of order), replacements under the same
    /// and under a new id, voids, identical resubmissions and refused ones, for three members.
    static func mixedClaims(count: Int) -> [Encounter] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let members = ["MIX-A", "MIX-B", "MIX-C"]
        let siteChoices: [[InjectionSite]?] = [[trapeziusRight], [levatorLeft], [trapeziusRight, levatorLeft], nil]
        var claims: [Encounter] = []
        for index in 0..<count {
            let date = LocalDate("2025-01-01")!.adding(days: next(300))
            let roll = next(100)
            if roll < 55 || claims.isEmpty {
                let lines = next(2) == 0 ? [ServiceLine(code: "20552")] : [ServiceLine(code: "20553"), ServiceLine(code: "J3301", units: 2)]
                claims.append(encounter("MIX-\(index)", member: members[next(3)], date: date.description, lines: lines,
                                        sites: siteChoices[next(4)]))
                continue
            }
            var earlier = claims[next(claims.count)]
            switch roll {
            case ..<70:  // a replacement that keeps the claim id
                earlier.frequency = .replacement; earlier.replaces = nil; earlier.dateOfService = date
                claims.append(earlier)
            case ..<82:  // a replacement under a new id
                claims.append(encounter("MIX-\(index)", member: earlier.member.id, date: date.description, frequency: .replacement,
                                        replaces: earlier.id, sites: siteChoices[next(4)]))
            case ..<92:  // a void
                claims.append(encounter("MIX-V\(index)", member: earlier.member.id, date: earlier.dateOfService.description,
                                        frequency: .void, replaces: earlier.id))
            default:  // the same claim again: a replay, or a refusal when it was replaced meanwhile
                claims.append(earlier)
            }
        }
        return claims
    }

    /// Outcomes that vary with the claim: approved, pended, denied, and partial with a denied line.
    static func mixedDecision(_ encounter: Encounter) -> Determination {
        switch encounter.id.unicodeScalars.reduce(encounter.dateOfService.description.count) { $0 &+ Int($1.value) } % 4 {
        case 0: return decision(encounter, .pended)
        case 1: return decision(encounter, .denied)
        case 2 where encounter.lines.count > 1: return decision(encounter, .partial, lineOutcomes: [.approved, .denied])
        default: return decision(encounter, .approved)
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

/// The claim id and prior services of every `decide` call, in order.
final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(claimId: String, prior: [PriorService])] = []

    func record(_ claimId: String, _ prior: [PriorService]) {
        lock.lock(); defer { lock.unlock() }
        entries.append((claimId, prior))
    }

    var calls: [(claimId: String, prior: [PriorService])] {
        lock.lock(); defer { lock.unlock() }
        return entries
    }
}
