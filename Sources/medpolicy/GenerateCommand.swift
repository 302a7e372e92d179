import ArgumentParser
import Foundation
import Interchange

/// `medpolicy generate`: a synthetic 837P file for tests, demos and benchmarks.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic X12 837P file of trigger point injection claims to standard output.",
        discussion: """
        Deterministic for a seed: several payers, members with histories over months, replacements
        and voids, E/M visits with and without modifier 25, drugs, valid and invalid diagnoses. With
        --error-rate, that share of claims carries one deliberate error (for testing readers).
        A summary goes to standard error.

        Examples:
          medpolicy generate --claims 1000 --seed 7 > claims.837
          medpolicy generate --claims 100000 --seed 1 --error-rate 0.01 > noisy.837
        """
    )

    @Option(help: "Number of claims.")
    var claims: Int

    @Option(help: "Seed of the pseudo-random generator (same seed, same file).")
    var seed: UInt64 = 1

    @Option(help: "Share of claims with one deliberate error, 0 to 1.")
    var errorRate: Double = 0

    func validate() throws {
        guard claims >= 1 else { throw ValidationError("--claims must be at least 1") }
        guard (0...1).contains(errorRate) else { throw ValidationError("--error-rate must be between 0 and 1") }
    }

    func run() throws {
        let generator = Synthetic837Generator(Synthetic837Configuration(claimCount: claims, seed: seed, errorRate: errorRate))
        let summary: Synthetic837Summary
        do {
            summary = try generator.write(to: X12Output(fileHandle: FileHandle.standardOutput))
        } catch {
            throw UserError("generate: writing failed: \(error)")
        }
        let payers = summary.claimsPerPayer.keys.sorted().map { "\($0) \(summary.claimsPerPayer[$0]!)" }.joined(separator: ", ")
        FileHandle.standardError.write(Data(("generated \(summary.claims) claims (\(summary.replacements) replacements, "
            + "\(summary.voids) voids, \(summary.claimsWithErrors.count) with deliberate errors) in \(summary.transactions) "
            + "transaction sets, \(summary.bytes) bytes; payers: \(payers)\n").utf8))
    }
}
