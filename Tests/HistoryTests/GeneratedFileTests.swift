import Foundation
import History
import Interchange
import Model
import SyntheticClaims
import Testing
import Workflows
import Engine

/// A generated 837 file through the adjudication `medpolicy batch --db` runs, claim by claim
/// against the generator's sidecar: what the generator calls clean is approved, and every
/// deliberate error comes out as its kind says.
@Suite("Generated claim files against their sidecar")
struct GeneratedFileTests {
    /// What a claim came to: its outcome (or `claim_error` when the reader skipped it) and the CARCs
    /// of its denied or pended lines and of the claim.
    struct Got: Equatable, CustomStringConvertible {
        var outcome: String
        var carcs: Set<String>
        var description: String { outcome + (carcs.isEmpty ? "" : " " + carcs.sorted().joined(separator: "/")) }
    }

    static func got(_ determination: Determination) -> Got {
        var carcs = Set<String>()
        for line in determination.lines where line.outcome == .denied || line.outcome == .pended {
            carcs.formUnion(line.reasons.compactMap(\.carc))
        }
        carcs.formUnion(determination.reasons.compactMap(\.carc))
        return Got(outcome: determination.outcome.rawValue, carcs: carcs)
    }

    @Test("2,000 claims, 15 % with errors of every kind: each clean claim approved, each kind its outcome and CARC")
    func everyClaimComesOutAsItsSidecarSays() async throws {
        let evaluator = try EngineSetup.evaluator(policies: nil)
        let rules = SyntheticClaimRules(library: evaluator.context.library, icd: evaluator.context.icd)
        let configuration = Synthetic837Configuration(rules: rules, claimCount: 2000, seed: 19, errorRate: 0.15,
                                                      errorKinds: SyntheticErrorKind.adjudicated,
                                                      claimsPerTransaction: 700)
        let (bytes, summary) = Synthetic837Generator(configuration).bytes()
        // The Harvard Pilgrim claims rest on the authorizations the generator wrote (issue 19).
        let (determinations, claimErrors) = try await Self.batch(bytes, evaluator, authorizations: summary.authorizations)
        var results = determinations.mapValues(Self.got)
        for claimId in claimErrors { results[claimId] = Got(outcome: "claim_error", carcs: []) }

        #expect(summary.expectations.count == 2000)
        #expect(results.count == 2000)
        // Rows: the kind injected ("clean" for none); columns: what the claim came to.
        var confusion: [String: [String: Int]] = [:]
        var mismatches: [String] = []
        for expected in summary.expectations {
            let got = results[expected.claimId] ?? Got(outcome: "missing", carcs: [])
            let kind = expected.kind?.rawValue ?? "clean"
            confusion[kind, default: [:]][got.description, default: 0] += 1
            let wanted = Got(outcome: try #require(expected.result.name, "\(expected.claimId): no expected outcome"),
                             carcs: Set([expected.carc].compactMap { $0 }))
            if got != wanted {
                mismatches.append("\(expected.claimId) \(expected.payer) \(kind): expected \(wanted), got \(got)")
            }
        }
        let table = confusion.keys.sorted().map { kind in
            "\(kind): " + confusion[kind]!.keys.sorted().map { "\($0) \(confusion[kind]![$0]!)" }.joined(separator: ", ")
        }.joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(mismatches.count) claims disagree with the sidecar:\n\(mismatches.prefix(40).joined(separator: "\n"))\n\(table)")
        // Every kind was drawn, and clean claims are the bulk of the file.
        #expect(Set(summary.expectations.compactMap(\.kind)) == Set(SyntheticErrorKind.adjudicated), "\(table)")
        let clean = summary.expectations.filter { $0.kind == nil }.count
        #expect(clean > 1600 && clean < 1900, "\(clean) clean claims")
        #expect(confusion["clean"]?["approved", default: 0] ?? 0 > 1500)
    }

    @Test("a clean file with no authorizations on file: every claim is paid, Harvard Pilgrim's on the numbers they carry")
    func withoutAuthorizationsOnFileCleanClaimsArePaid() async throws {
        let evaluator = try EngineSetup.evaluator(policies: nil)
        let rules = SyntheticClaimRules(library: evaluator.context.library, icd: evaluator.context.icd)
        let configuration = Synthetic837Configuration(rules: rules, claimCount: 600, seed: 23, errorRate: 0,
                                                      errorKinds: SyntheticErrorKind.adjudicated, claimsPerTransaction: 600)
        let (bytes, summary) = Synthetic837Generator(configuration).bytes()
        let (determinations, claimErrors) = try await Self.batch(bytes, evaluator, authorizations: [])
        #expect(claimErrors.isEmpty)
        var harvardPilgrim = 0
        for expected in summary.expectations {
            let determination = try #require(determinations[expected.claimId])
            #expect(determination.outcome.rawValue == expected.result.name, "\(expected.claimId) \(expected.payer): \(Self.got(determination))")
            guard determination.payer == "harvard-pilgrim", determination.outcome == .approved else { continue }
            harvardPilgrim += 1
            // The injection lines, which the authorization rules govern, name the claim's number.
            let injections = determination.lines.filter { ["20552", "20553"].contains($0.code) }
            #expect(!injections.isEmpty && injections.allSatisfy { $0.authorization != nil }, "\(expected.claimId)")
            #expect(determination.documentation.attested?.contains { $0.message.contains("no authorizations of harvard-pilgrim are on file") } == true)
        }
        #expect(harvardPilgrim > 50, "\(harvardPilgrim) Harvard Pilgrim claims paid")
    }

    /// What an output that fails stops: the chunk after it may be recorded already (it is decided while the
    /// one before is written out; its transaction keeps it whole), so the history holds what a complete run
    /// records first, in order; and a second run of the file replays that, issuing what a fresh run issues.
    @Test("an output failing mid-file leaves the file's first claims recorded, and the file run again issues what a fresh run issues")
    func failingOutputLeavesWholeChunks() async throws {
        struct OutputFailed: Error {}
        let evaluator = try EngineSetup.evaluator(policies: nil)
        let rules = SyntheticClaimRules(library: evaluator.context.library, icd: evaluator.context.icd)
        let configuration = Synthetic837Configuration(rules: rules, claimCount: 3_500, seed: 29, errorRate: 0.1,
                                                      errorKinds: SyntheticErrorKind.adjudicated, claimsPerTransaction: 900)
        let (bytes, _) = Synthetic837Generator(configuration).bytes()
        // The claims in the order the batch reads them: chunk k is claims 1000(k-1) up to 1000k.
        var readOrder: [String] = []
        let reader = try X12Reader837(bytes: bytes)
        while let event = try reader.next() {
            if case .claim(let claim) = event { readOrder.append(claim.encounter.id) }
        }
        #expect(readOrder.count > 3 * ClaimFileAdjudication.chunkSize)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func run(_ store: any HistoryStore, failAfter: Int? = nil) async throws -> [String: Determination] {
            var issued: [String: Determination] = [:]
            let adjudication = ClaimFileAdjudication(evaluator: evaluator, history: store, remittances: nil)
            try await adjudication.run(try X12Reader837(bytes: bytes), issued: { determination in
                if let failAfter, issued.count == failAfter { throw OutputFailed() }
                issued[determination.encounterId] = determination
            })
            return issued
        }
        let interrupted = try await HistoryStores.openSQLite(path: directory.appendingPathComponent("interrupted.sqlite").path)
        // Fails while chunk 2 is written out, with chunk 3 being decided.
        await #expect(throws: OutputFailed.self) { _ = try await run(interrupted, failAfter: 1_500) }
        // What the interrupted run recorded is what a complete run records first, in the same order.
        let interruptedRows = try await Self.recorded(interrupted, claimIds: readOrder)
        #expect(interruptedRows.count >= 1_500 && interruptedRows.count <= 3 * ClaimFileAdjudication.chunkSize, "\(interruptedRows.count) recorded")

        let again = try await run(interrupted)
        try await interrupted.close()
        let fresh = try await HistoryStores.openSQLite(path: directory.appendingPathComponent("fresh.sqlite").path)
        let expected = try await run(fresh)
        let freshRows = try await Self.recorded(fresh, claimIds: readOrder)
        try await fresh.close()
        #expect(Array(freshRows.prefix(interruptedRows.count)) == interruptedRows)
        #expect(expected.count > 3_000)
        #expect(again.count == expected.count)
        let differing = expected.keys.filter { again[$0] != expected[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.count) claims differ, first \(differing.prefix(5))")
    }

    /// Every determination `store` holds for `claimIds`, in the order they were recorded.
    static func recorded(_ store: any HistoryStore, claimIds: [String]) async throws -> [Recorded] {
        var rows: [(sequence: Int, row: Recorded)] = []
        for claimId in Set(claimIds) {
            for stored in try await store.determinations(claimId: claimId) {
                rows.append((stored.issuedSequence, Recorded(claimId: claimId, determination: stored.determination)))
            }
        }
        return rows.sorted { $0.sequence < $1.sequence }.map(\.row)
    }

    struct Recorded: Equatable {
        let claimId: String
        let determination: Determination
    }

    /// `file` through `medpolicy batch --db` on a fresh SQLite history holding `authorizations`:
    /// each claim's determination, and the ids of the claims the reader skipped.
    static func batch(_ file: [UInt8], _ evaluator: Evaluator, authorizations: [Authorization]) async throws
        -> (determinations: [String: Determination], claimErrors: [String]) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await HistoryStores.openSQLite(path: directory.appendingPathComponent("history.sqlite").path)
        let remittances = Remittance835Stream(
            writer: Remittance835Writer(settings: ClaimFileAdjudication.remittanceSettings(
                evaluator.context.library.payers, productionDate: LocalDate(year: 2026, month: 1, day: 20)!)),
            firstControlNumber: 1, spoolDirectory: directory)
        let adjudication = ClaimFileAdjudication(evaluator: evaluator, history: store, remittances: remittances)
        var determinations: [String: Determination] = [:]
        do {
            if !authorizations.isEmpty { try await store.record(authorizations: authorizations) }
            try await adjudication.run(try X12Reader837(bytes: file), issued: { determinations[$0.encounterId] = $0 })
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return (determinations, try adjudication.statistics.claimProblems.map { try #require($0.claimId) })
    }
}
