import Foundation
import History
import Interchange
import Model
import SyntheticClaims
import Testing
import Workflows

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

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await HistoryStores.openSQLite(path: directory.appendingPathComponent("history.sqlite").path)
        // The Harvard Pilgrim claims rest on the authorizations the generator wrote (issue 19).
        try await store.record(authorizations: summary.authorizations)
        let remittances = Remittance835Stream(
            writer: Remittance835Writer(settings: ClaimFileAdjudication.remittanceSettings(
                evaluator.context.library.payers, productionDate: LocalDate(year: 2026, month: 1, day: 20)!)),
            firstControlNumber: 1, spoolDirectory: directory)
        let adjudication = ClaimFileAdjudication(evaluator: evaluator, history: store, remittances: remittances)
        var results: [String: Got] = [:]
        do {
            try await adjudication.run(try X12Reader837(bytes: bytes), issued: { results[$0.encounterId] = Self.got($0) })
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        for problem in adjudication.statistics.claimProblems {
            results[try #require(problem.claimId), default: Got(outcome: "claim_error", carcs: [])] = Got(outcome: "claim_error", carcs: [])
        }

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
}
