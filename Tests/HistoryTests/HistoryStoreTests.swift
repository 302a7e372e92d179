import Foundation
import GRDB
import History
import Model
import Testing

/// The behavior every history store must have, run against SQLite and PostgreSQL alike.
@Suite("History store behavior")
struct HistoryStoreTests {
    @Test("records every service line and determination, and reads them back", arguments: StoreKind.allCases)
    func recordAndReadBack(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, location in
            let first = encounter("CLM-1", date: "2025-09-10",
                                  lines: [ServiceLine(code: "20552", units: 1),
                                          ServiceLine(code: "99213", modifiers: ["25"])],
                                  sites: [trapeziusRight, levatorLeft])
            let log = DecideLog()
            let result = try await store.adjudicate(first, dryRun: false, decide: approving(first, log: log))
            #expect(result.recorded)
            #expect(!result.replayed)
            #expect(result.determination == decision(first, .approved))
            #expect(log.priors == [[]])

            let expected = [
                StoredService(memberId: "M1", payer: "florida-blue", claimId: "CLM-1", lineNumber: 1,
                              dateOfService: LocalDate("2025-09-10")!, code: "20552", units: 1,
                              sites: [trapeziusRight, levatorLeft], outcome: .approved),
                StoredService(memberId: "M1", payer: "florida-blue", claimId: "CLM-1", lineNumber: 2,
                              dateOfService: LocalDate("2025-09-10")!, code: "99213", units: 1,
                              sites: [trapeziusRight, levatorLeft], outcome: .approved),
            ]
            #expect(try await store.priorServices(member: "M1") == expected)
            #expect(try await store.priorServices(member: "M2") == [])

            let audit = try await store.determinations(claimId: "CLM-1")
            #expect(audit.count == 1)
            #expect(audit.first?.claimId == "CLM-1")
            #expect(audit.first?.policyId == "test/tpi-1")
            #expect(audit.first?.determination == decision(first, .approved))

            // The next claim for the member sees the first one, as the engine's prior services.
            let second = encounter("CLM-2", date: "2025-10-01", sites: nil)
            _ = try await store.adjudicate(second, dryRun: false, decide: approving(second, log: log))
            #expect(log.priors.last == [
                PriorService(id: "CLM-1", dateOfService: LocalDate("2025-09-10")!, code: "20552", units: 1,
                             sites: [trapeziusRight, levatorLeft]),
                PriorService(id: "CLM-1", dateOfService: LocalDate("2025-09-10")!, code: "99213", units: 1,
                             sites: [trapeziusRight, levatorLeft]),
            ])
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-1", "CLM-2"])
            #expect(try await store.priorServices(member: "M1").last?.sites == [])

            // Another instance (another process) sees the same history.
            let other = try await location.open()
            #expect(try await other.priorServices(member: "M1").count == 3)
            #expect(try await other.determinations(claimId: "CLM-2").map(\.determination.outcome) == [.approved])
            try await other.close()
        }
    }

    @Test("prior services come oldest first, by date of service", arguments: StoreKind.allCases)
    func oldestFirst(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            for (id, date) in [("CLM-C", "2025-06-01"), ("CLM-A", "2025-02-01"), ("CLM-B", "2025-04-01")] {
                let claim = encounter(id, date: date)
                _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
            }
            let services = try await store.priorServices(member: "M1")
            #expect(services.map(\.claimId) == ["CLM-A", "CLM-B", "CLM-C"])
            #expect(services.map(\.dateOfService.description) == ["2025-02-01", "2025-04-01", "2025-06-01"])
        }
    }

    @Test("what one instance read stays current when another instance (another process) records, replaces or voids",
          arguments: StoreKind.allCases)
    func readsSeeOtherWriters(kind: StoreKind) async throws {
        try await withFreshStore(kind) { reader, location in
            let writer = try await location.open()
            let first = encounter("CLM-1", date: "2025-09-01")
            _ = try await writer.adjudicate(first, dryRun: false, decide: approving(first))
            // The reader reads (and the SQLite store caches) the member's services, twice.
            let log = DecideLog()
            let probe = encounter("PROBE", date: "2025-12-01")
            for _ in 0..<2 { _ = try await reader.adjudicate(probe, dryRun: true, decide: approving(probe, log: log)) }
            #expect(try await reader.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])

            let second = encounter("CLM-2", date: "2025-09-02")
            _ = try await writer.adjudicate(second, dryRun: false, decide: approving(second))
            _ = try await reader.adjudicate(probe, dryRun: true, decide: approving(probe, log: log))
            #expect(try await reader.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-2"])

            let replacement = encounter("CLM-3", date: "2025-09-03", frequency: .replacement, replaces: "CLM-1")
            _ = try await writer.adjudicate(replacement, dryRun: false, decide: approving(replacement))
            #expect(try await reader.priorServices(member: "M1").map(\.claimId) == ["CLM-2", "CLM-3"])

            let void = encounter("CLM-V", frequency: .void, replaces: "CLM-2")
            _ = try await writer.adjudicate(void, dryRun: false, decide: { _ in decision(void, .notApplicable) })
            _ = try await reader.adjudicate(probe, dryRun: true, decide: approving(probe, log: log))
            #expect(try await reader.priorServices(member: "M1").map(\.claimId) == ["CLM-3"])
            #expect(log.priors.map { $0.map(\.id) } == [["CLM-1"], ["CLM-1"], ["CLM-1", "CLM-2"], ["CLM-3"]])

            // The reader's own writes are seen by the reader, and by the writer.
            let own = encounter("CLM-4", date: "2025-09-04")
            _ = try await reader.adjudicate(own, dryRun: false, decide: approving(own))
            #expect(try await reader.priorServices(member: "M1").map(\.claimId) == ["CLM-3", "CLM-4"])
            #expect(try await writer.priorServices(member: "M1").map(\.claimId) == ["CLM-3", "CLM-4"])
            try await writer.close()
        }
    }

    @Test("SQLite: a change made to the file with plain SQL (an older medpolicy, an administrator) is seen by a running store")
    func sqlChangesAreSeen() async throws {
        try await withFreshStore(.sqlite) { store, location in
            for id in ["CLM-1", "CLM-2"] {
                let claim = encounter(id)
                _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
            }
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-2"])
            // Dry runs read the history the same way; the second of each pair is answered from the
            // store's one-statement probe and its cache.
            let log = DecideLog()
            let probe = encounter("PROBE", date: "2025-12-01")
            func preview() async throws {
                for _ in 0..<2 { _ = try await store.adjudicate(probe, dryRun: true, decide: approving(probe, log: log)) }
            }
            try await preview()
            let outside = try DatabaseQueue(path: location.place)
            try await outside.write { db in
                try db.execute(sql: "UPDATE services SET state = 'voided' WHERE claim_id = 'CLM-1'")
            }
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-2"])
            try await preview()
            try await outside.write { db in try db.execute(sql: "DELETE FROM services WHERE claim_id = 'CLM-2'") }
            #expect(try await store.priorServices(member: "M1").isEmpty)
            try await preview()
            #expect(log.priors.map { $0.map(\.id) } == [["CLM-1", "CLM-2"], ["CLM-1", "CLM-2"], ["CLM-2"], ["CLM-2"], [], []])
            // Once the probe's claim id is recorded, a dry run of it is its replay: not decided again.
            _ = try await store.adjudicate(probe, dryRun: false, decide: approving(probe))
            let replay = try await store.adjudicate(probe, dryRun: true, decide: { _ in decision(probe, .denied) })
            #expect(replay.replayed)
            #expect(replay.determination.outcome == .approved)
            try await outside.close()
        }
    }

    @Test("a refused claim in a batch leaves no trace in what later reads see", arguments: StoreKind.allCases)
    func refusedClaimLeavesNoTrace(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let first = encounter("CLM-1", date: "2025-09-01")
            _ = try await store.adjudicate(first, dryRun: false, decide: approving(first))
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
            // The second claim is recorded, then the third (a replacement of an unknown claim) is refused.
            let batch = [encounter("CLM-2", date: "2025-09-02"),
                         encounter("CLM-3", date: "2025-09-03", frequency: .replacement, replaces: "CLM-UNKNOWN")]
            let results = try await store.adjudicate(batch: batch) { claim, _ in decision(claim, .approved) }
            #expect(results.map { (try? $0.get()) != nil } == [true, false])
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-2"])
            let later = encounter("CLM-4", date: "2025-09-04")
            let log = DecideLog()
            _ = try await store.adjudicate(later, dryRun: true, decide: approving(later, log: log))
            #expect(log.priors.map { $0.map(\.id) } == [["CLM-1", "CLM-2"]])
        }
    }

    @Test("a chain of five replacements leaves one service that counts", arguments: StoreKind.allCases)
    func replacementChain(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let log = DecideLog()
            for number in 1...5 {
                let claim = encounter("FB-\(number)", member: "FB-MEMBER", date: "2025-09-1\(number)",
                                      frequency: number == 1 ? .original : .replacement,
                                      replaces: number == 1 ? nil : "FB-\(number - 1)")
                let result = try await store.adjudicate(claim, dryRun: false, decide: approving(claim, log: log))
                #expect(result.recorded)
            }
            // Each replacement saw exactly the claim it replaced.
            #expect(log.priors.map { $0.map(\.id) } == [[], ["FB-1"], ["FB-2"], ["FB-3"], ["FB-4"]])
            let services = try await store.priorServices(member: "FB-MEMBER")
            #expect(services.count == 1)
            #expect(services.first?.claimId == "FB-5")
            #expect(services.first?.dateOfService == LocalDate("2025-09-15"))

            // A replacement must name the latest version.
            let stale = encounter("FB-6", member: "FB-MEMBER", frequency: .replacement, replaces: "FB-2")
            await #expect(throws: HistoryError.replacedClaimNotCurrent(claimId: "FB-2", state: "superseded", by: "FB-3")) {
                _ = try await store.adjudicate(stale, dryRun: false, decide: approving(stale))
            }
            #expect(try await store.priorServices(member: "FB-MEMBER").map(\.claimId) == ["FB-5"])
        }
    }

    @Test("a replacement that keeps the claim id (X12 style) supersedes the original", arguments: StoreKind.allCases)
    func replacementWithSameId(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let original = encounter("CLM-7", date: "2025-09-10")
            _ = try await store.adjudicate(original, dryRun: false, decide: approving(original))
            let corrected = encounter("CLM-7", date: "2025-09-11", frequency: .replacement)
            let result = try await store.adjudicate(corrected, dryRun: false, decide: approving(corrected))
            #expect(result.recorded)
            let services = try await store.priorServices(member: "M1")
            #expect(services.count == 1)
            #expect(services.first?.dateOfService == LocalDate("2025-09-11"))
            #expect(try await store.determinations(claimId: "CLM-7").count == 2)
        }
    }

    @Test("a void stops the claim's services from counting", arguments: StoreKind.allCases)
    func voidRemoves(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            for id in ["CLM-1", "CLM-2"] {
                let claim = encounter(id)
                _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
            }
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-2"])

            let void = encounter("CLM-V", frequency: .void, replaces: "CLM-1")
            let result = try await store.adjudicate(void, dryRun: false, decide: { _ in decision(void, .notApplicable) })
            #expect(result.recorded)
            #expect(result.determination.outcome == .notApplicable)
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-2"])
            let audit = try await store.determinations(claimId: "CLM-V")
            #expect(audit.map(\.determination.outcome) == [.notApplicable])
            #expect(audit.map(\.policyId) == [nil])

            // A voided claim can be neither replaced nor voided again.
            let late = encounter("CLM-8", frequency: .replacement, replaces: "CLM-1")
            await #expect(throws: HistoryError.replacedClaimNotCurrent(claimId: "CLM-1", state: "voided", by: "CLM-V")) {
                _ = try await store.adjudicate(late, dryRun: false, decide: approving(late))
            }
        }
    }

    @Test("each recorded claim keeps its record number; a replacement or void hands back the claim it retires, as recorded",
          arguments: StoreKind.allCases)
    func retiredClaimIsHandedBack(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            var original = encounter("CLM-1")
            original.lines[0].charge = 150
            let first = try await store.adjudicate(original, dryRun: false, decide: approving(original))
            let record = try #require(first.record)
            #expect(first.retired == nil)
            // A replay is the same recorded claim: the same number; an original retires nothing.
            let replay = try await store.adjudicate(original, dryRun: false, decide: approving(original))
            #expect(replay.replayed && replay.record == record && replay.retired == nil)

            let replacement = encounter("CLM-2", date: "2025-09-11", frequency: .replacement, replaces: "CLM-1")
            let replaced = try await store.adjudicate(replacement, dryRun: false, decide: { _ in decision(replacement, .denied) })
            #expect(replaced.retired == RecordedClaim(record: record, encounter: original, determination: first.determination))
            let replacementRecord = try #require(replaced.record)
            #expect(replacementRecord != record)

            // A dry run says what it would retire and records nothing (no number).
            let void = encounter("CLM-V", frequency: .void, replaces: "CLM-2")
            let preview = try await store.adjudicate(void, dryRun: true, decide: { _ in decision(void, .notApplicable) })
            #expect(preview.record == nil)
            #expect(preview.retired == RecordedClaim(record: replacementRecord, encounter: replacement, determination: replaced.determination))
            let voided = try await store.adjudicate(void, dryRun: false, decide: { _ in decision(void, .notApplicable) })
            #expect(voided.retired?.record == replacementRecord)
            #expect(voided.retired?.determination.outcome == .denied)
            // Resubmitting the void replays it, with the claim it voided: a replay is remitted again
            // (its first 835 may never have been written), reversal included.
            let again = try await store.adjudicate(void, dryRun: false, decide: { _ in decision(void, .notApplicable) })
            #expect(again.replayed && again.record == voided.record)
            #expect(again.retired == voided.retired)
            let replayedReplacement = try await store.adjudicate(replacement, dryRun: false, decide: { _ in decision(replacement, .denied) })
            #expect(replayedReplacement.replayed && replayedReplacement.retired == replaced.retired)
        }
    }

    @Test("replacing or voiding an unknown claim is refused", arguments: StoreKind.allCases)
    func replacingAnUnknownClaim(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let replacement = encounter("CLM-2", frequency: .replacement, replaces: "CLM-NOPE")
            await #expect(throws: HistoryError.unknownReplacedClaim("CLM-NOPE")) {
                _ = try await store.adjudicate(replacement, dryRun: false, decide: approving(replacement))
            }
            let void = encounter("CLM-3", frequency: .void, replaces: "CLM-NOPE")
            await #expect(throws: HistoryError.unknownReplacedClaim("CLM-NOPE")) {
                _ = try await store.adjudicate(void, dryRun: false, decide: approving(void))
            }
            let services = try await store.priorServices(member: "M1")
            #expect(services == [])
            #expect(try await store.determinations(claimId: "CLM-2") == [])
            #expect(try await store.determinations(claimId: "CLM-3") == [])
        }
    }

    @Test("a replacement cannot move another member's claim", arguments: StoreKind.allCases)
    func replacementOfAnotherMembersClaim(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let original = encounter("CLM-1", member: "M1")
            _ = try await store.adjudicate(original, dryRun: false, decide: approving(original))
            let replacement = encounter("CLM-2", member: "M2", frequency: .replacement, replaces: "CLM-1")
            await #expect(throws: HistoryError.replacedClaimOfAnotherMember(claimId: "CLM-1", recordedMember: "M1",
                                                                            member: "M2")) {
                _ = try await store.adjudicate(replacement, dryRun: false, decide: approving(replacement))
            }
            #expect(try await store.priorServices(member: "M1").count == 1)
            #expect(try await store.priorServices(member: "M2").count == 0)
        }
    }

    @Test("an identical resubmission replays the stored answer; a different one is refused",
          arguments: StoreKind.allCases)
    func resubmission(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let claim = encounter("CLM-1")
            let first = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
            #expect(first.determination.outcome == .approved)

            // Same claim again: the stored determination, even though decide would now deny; decide is not called.
            let log = DecideLog()
            let again = try await store.adjudicate(claim, dryRun: false, decide: { prior in
                log.record(prior)
                return decision(claim, .denied)
            })
            #expect(again.replayed)
            #expect(!again.recorded)
            #expect(again.determination == first.determination)
            #expect(log.priors.isEmpty)
            #expect(try await store.priorServices(member: "M1").count == 1)
            #expect(try await store.determinations(claimId: "CLM-1").count == 1)

            // Same claim id, different content.
            let changed = encounter("CLM-1", date: "2025-09-12")
            await #expect(throws: HistoryError.conflictingResubmission(claimId: "CLM-1")) {
                _ = try await store.adjudicate(changed, dryRun: false, decide: approving(changed))
            }
            await #expect(throws: HistoryError.conflictingResubmission(claimId: "CLM-1")) {
                _ = try await store.adjudicate(changed, dryRun: true, decide: approving(changed))
            }
            // A dry run of the recorded claim replays its answer too, with the member's history cached.
            let preview = try await store.adjudicate(claim, dryRun: true, decide: { prior in
                log.record(prior)
                return decision(claim, .denied)
            })
            #expect(preview.replayed)
            #expect(preview.determination == first.determination)
            #expect(log.priors.isEmpty)
            #expect(try await store.priorServices(member: "M1").map(\.dateOfService.description) == ["2025-09-10"])
            #expect(try await store.determinations(claimId: "CLM-1").count == 1)
        }
    }

    @Test("a dry run decides with the history but writes nothing", arguments: StoreKind.allCases)
    func dryRun(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let log = DecideLog()
            let planned = encounter("CLM-1")
            let preview = try await store.adjudicate(planned, dryRun: true, decide: approving(planned, log: log))
            #expect(!preview.recorded)
            #expect(!preview.replayed)
            #expect(preview.determination == decision(planned, .approved))
            #expect(try await store.priorServices(member: "M1") == [])
            #expect(try await store.determinations(claimId: "CLM-1") == [])

            _ = try await store.adjudicate(planned, dryRun: false, decide: approving(planned, log: log))
            let next = encounter("CLM-2")
            let nextPreview = try await store.adjudicate(next, dryRun: true, decide: approving(next, log: log))
            #expect(!nextPreview.recorded)
            #expect(log.priors.map { $0.map(\.id) } == [[], [], ["CLM-1"]])
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
            #expect(try await store.determinations(claimId: "CLM-2") == [])

            // Nor does a dry-run replacement or void change what counts.
            let void = encounter("CLM-V", frequency: .void, replaces: "CLM-1")
            _ = try await store.adjudicate(void, dryRun: true, decide: { _ in decision(void, .notApplicable) })
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1"])
            #expect(try await store.determinations(claimId: "CLM-V") == [])
        }
    }

    @Test("determinations form an audit trail in the order issued", arguments: StoreKind.allCases)
    func auditTrail(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let original = encounter("CLM-9", date: "2025-09-10")
            _ = try await store.adjudicate(original, dryRun: false, decide: approving(original))
            let unrelated = encounter("CLM-X", member: "M2")
            _ = try await store.adjudicate(unrelated, dryRun: false, decide: approving(unrelated))
            let replacement = encounter("CLM-9", date: "2025-09-11", frequency: .replacement)
            _ = try await store.adjudicate(replacement, dryRun: false, decide: { _ in decision(replacement, .pended) })
            let void = encounter("CLM-9", date: "2025-09-11", frequency: .void)
            _ = try await store.adjudicate(void, dryRun: false, decide: { _ in decision(void, .notApplicable) })

            let audit = try await store.determinations(claimId: "CLM-9")
            #expect(audit.map(\.determination.outcome) == [.approved, .pended, .notApplicable])
            #expect(audit.map(\.policyId) == ["test/tpi-1", "test/tpi-1", nil])
            #expect(audit.map(\.determination) == [decision(original, .approved), decision(replacement, .pended),
                                                   decision(void, .notApplicable)])
            let sequences = audit.map(\.issuedSequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == 3)
            let other = try await store.determinations(claimId: "CLM-X")
            #expect(other.count == 1)
            #expect(other[0].issuedSequence > sequences[0] && other[0].issuedSequence < sequences[1])
            #expect(try await store.priorServices(member: "M1") == [])
        }
    }

    @Test("denied lines do not count; approved and pended ones do", arguments: StoreKind.allCases)
    func deniedLinesDoNotCount(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            let mixed = encounter("CLM-1", lines: [ServiceLine(code: "20552"), ServiceLine(code: "20553")])
            _ = try await store.adjudicate(mixed, dryRun: false, decide: { _ in
                decision(mixed, .partial, lineOutcomes: [.approved, .denied])
            })
            let pended = encounter("CLM-2", date: "2025-09-20")
            _ = try await store.adjudicate(pended, dryRun: false, decide: { _ in decision(pended, .pended) })
            let denied = encounter("CLM-3", date: "2025-09-25")
            _ = try await store.adjudicate(denied, dryRun: false, decide: { _ in decision(denied, .denied) })

            let services = try await store.priorServices(member: "M1")
            #expect(services.map { "\($0.claimId)#\($0.lineNumber) \($0.code) \($0.outcome.rawValue)" }
                    == ["CLM-1#1 20552 approved", "CLM-2#1 20552 pended"])
            // The denied lines are still in the audit trail.
            #expect(try await store.determinations(claimId: "CLM-3").map(\.determination.outcome) == [.denied])
        }
    }

    @Test("a claim with a NUL character in text a store writes is refused, dry run or not; keys with one name nothing",
          arguments: StoreKind.allCases)
    func nulCharactersAreRefused(kind: StoreKind) async throws {
        try await withFreshStore(kind) { store, _ in
            // SQLite (through GRDB) would have recorded and looked up "CLM-1\u{0}X" as "CLM-1".
            let first = encounter("CLM-1")
            _ = try await store.adjudicate(first, dryRun: false, decide: approving(first))
            let cases: [(Encounter, String)] = [
                (encounter("CLM-1\u{0}X", date: "2025-09-11"), "claim id"),
                (encounter("CLM-2", member: "M1\u{0}X"), "member id"),
                (encounter("CLM-3", payer: "florida-blue\u{0}"), "payer"),
                (encounter("CLM-4", frequency: .replacement, replaces: "CLM-1\u{0}"), "replaced claim id"),
                (encounter("CLM-5", lines: [ServiceLine(code: "20552"), ServiceLine(code: "99213\u{0}")]), "line 2 code"),
            ]
            for (claim, field) in cases {
                for dryRun in [true, false] {
                    await #expect(throws: HistoryError.unstorableText(field: field)) {
                        _ = try await store.adjudicate(claim, dryRun: dryRun, decide: approving(claim))
                    }
                }
            }
            let results = try await store.adjudicate(batch: [cases[0].0, encounter("CLM-6", date: "2025-09-12")]) { claim, _ in
                decision(claim, .approved)
            }
            #expect(results.count == 2)
            #expect(results[0].failureValue == .unstorableText(field: "claim id"))
            #expect((try? results[1].get())?.recorded == true)
            #expect(try await store.priorServices(member: "M1").map(\.claimId) == ["CLM-1", "CLM-6"])
            #expect(try await store.priorServices(member: "M1\u{0}X") == [])
            #expect(try await store.determinations(claimId: "CLM-1\u{0}X") == [])
            #expect(try await store.determinations(claimId: "CLM-1").count == 1)
        }
    }

    @Test("a closed store refuses further use", arguments: StoreKind.allCases)
    func closed(kind: StoreKind) async throws {
        let location = try await kind.makeLocation()
        defer { location.removeFiles() }
        let store = try await location.open()
        try await store.close()
        let claim = encounter("CLM-1")
        await #expect(throws: HistoryError.closed) {
            _ = try await store.adjudicate(claim, dryRun: false, decide: approving(claim))
        }
        await #expect(throws: HistoryError.closed) {
            _ = try await store.adjudicate(claim, dryRun: true, decide: approving(claim))
        }
        // Nothing was recorded.
        let reopened = try await location.open()
        #expect(try await reopened.priorServices(member: "M1") == [])
        try await reopened.close()
    }
}
