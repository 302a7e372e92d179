import ArgumentParser
import Foundation
import Interchange
import SyntheticClaims
import Workflows

/// `medpolicy generate`: a synthetic 837P file for tests, demos and benchmarks.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic X12 837P file of trigger point injection claims to standard output.",
        discussion: """
        Deterministic for a seed. Claims are written against the policies (--policies, as for batch):
        a clean claim carries diagnoses the payer's policy covers and that are billable on its date,
        correct codes and modifiers, a date inside the policy's effective period, and a member history
        within every frequency limit and interval; it should be approved. Payers and lines of business
        come in realistic proportions (Florida Blue 30 %, Medicare 25 %, Aetna 20 %, Harvard Pilgrim
        15 %, TrueCare 10 %); members have one to six visits, some replaced or voided later.

        With --error-rate, that share of claims carries one deliberate error, of a kind from --errors
        (default: every kind), each with a known outcome:
          x12-syntax    a bad element or missing segment: the reader skips the claim
          header-dx     a category header beside a covered diagnosis: denied, CARC 16
          uncovered-dx  only diagnoses the policy does not list: its diagnosis rule (FB denied 11, HP/Medicare pended 252)
          units         20552/20553 with 2 units: denied, CARC 151
          modifier-50   modifier 50 on the TPI: denied, CARC 4
          dry-needling  20560/20561 where the policy excludes it: FB denied 55, TrueCare denied 96
          wrong-code    20552 and 20553 the same day: partial, 20552 bundled (CARC 97)
          missing-25    the E/M visit without modifier 25: partial, the visit bundled (CARC 97)
          limit         one session past a frequency limit: that limit's rule (pended 252, TrueCare denied 119)
          interval      sooner than the minimum interval (Aetna 7 days): denied, CARC 151
          duplicate     the same service and date again under a new claim id: denied, CARC 18
          no-policy     a line of business the policy defers (Florida Blue FEP): not applicable
          no-auth       Harvard Pilgrim member with no authorization on file, no REF*G1: denied 197
          auth-units    Harvard Pilgrim claim beyond its authorization's units: denied 198
        --sidecar writes, per claim id, the kind injected (null when clean) and the expected outcome
        and CARC. Harvard Pilgrim claims carry a prior-authorization number (REF*G1); --authorizations
        writes those authorizations (one per member, with the clinical record behind it) as a JSON
        array. A summary goes to standard error.

        Examples:
          medpolicy generate --claims 1000 --seed 7 > claims.837
          medpolicy generate --claims 100000 --seed 7 --error-rate 0.15 --sidecar expected.json > claims.837
          medpolicy generate --claims 5000 --error-rate 0.05 --errors x12-syntax > noisy.837
          medpolicy generate --claims 2000 --authorizations pa.json > hp.837
        """
    )

    @Option(help: "Number of claims.")
    var claims: Int

    @Option(help: "Seed of the pseudo-random generator (same seed, same file).")
    var seed: UInt64 = 1

    @Option(help: "Share of claims with one deliberate error, 0 to 1.")
    var errorRate: Double = 0

    @Option(help: "Comma-separated error kinds to draw from (default: every kind but no-auth and auth-units).")
    var errors: String?

    @Option(help: "Write the expected outcome of every claim here, as JSON.")
    var sidecar: String?

    @Option(help: "Write the prior authorizations of the Harvard Pilgrim members here, as a JSON array.")
    var authorizations: String?

    /// The payer's authorizations on file: with --db or --postgres they are recorded there, so that
    /// `batch --db` on the same history pays the clean Harvard Pilgrim claims that rest on them.
    @OptionGroup(title: "Record the Harvard Pilgrim members' prior authorizations in this history")
    var store: HistoryOptions

    @OptionGroup var policies: PolicyOptions

    func validate() throws {
        guard claims >= 1 else { throw ValidationError("--claims must be at least 1") }
        guard (0...1).contains(errorRate) else { throw ValidationError("--error-rate must be between 0 and 1") }
    }

    func run() async throws {
        var kinds = SyntheticErrorKind.adjudicated
        if let errors {
            switch SyntheticErrorKind.parseList(errors) {
            case .success(let parsed):
                guard !parsed.isEmpty else { throw UserError("--errors: name at least one kind; kinds: \(SyntheticErrorKind.allCases.map(\.rawValue).joined(separator: ", "))") }
                kinds = parsed
            case .failure(let unknown): throw UserError("--errors: \(unknown)")
            }
        }
        let evaluator = try policies.evaluator()
        let rules = SyntheticClaimRules(library: evaluator.context.library, icd: evaluator.context.icd)
        let configuration = Synthetic837Configuration(rules: rules, claimCount: claims, seed: seed, errorRate: errorRate, errorKinds: kinds)
        let summary: Synthetic837Summary
        do {
            summary = try Synthetic837Generator(configuration).write(to: X12Output(fileHandle: FileHandle.standardOutput))
        } catch {
            throw UserError("generate: writing failed: \(error)")
        }
        if let sidecar {
            let text = SyntheticExpectation.sidecarJSON(summary.expectations, configuration: configuration)
            guard FileManager.default.createFile(atPath: sidecar, contents: Data(text.utf8)) else {
                throw UserError("--sidecar: cannot write \(sidecar)")
            }
        }
        if let authorizations {
            let text = try SyntheticAuthorizations.json(summary.authorizations)
            guard FileManager.default.createFile(atPath: authorizations, contents: Data(text.utf8)) else {
                throw UserError("--authorizations: cannot write \(authorizations)")
            }
        }
        if store.isSet, !summary.authorizations.isEmpty, let history = try await store.open() {
            do {
                try await withHistoryErrors { try await history.record(authorizations: summary.authorizations) }
            } catch {
                try? await history.close()
                throw error
            }
            try await history.close()
        } else if !store.isSet, authorizations == nil, !summary.authorizations.isEmpty {
            FileHandle.standardError.write(Data(("note: \(summary.authorizations.count) Harvard Pilgrim members' claims rest on prior "
                + "authorizations (atClaim: authorization); put them on file with --db PATH (the history batch uses) or write "
                + "them with --authorizations FILE and `medpolicy authorizations import` to check their claims' numbers, units and "
                + "clinical facts against them; without any on file, a claim's number is taken as attested\n").utf8))
        }
        let payers = summary.claimsPerPayer.keys.sorted().map { "\($0) \(summary.claimsPerPayer[$0]!)" }.joined(separator: ", ")
        let perKind = SyntheticErrorKind.allCases.compactMap { kind in summary.claimsPerKind[kind].map { "\(kind.rawValue) \($0)" } }
        let kindText: String = perKind.isEmpty ? "" : ": " + perKind.joined(separator: ", ")
        var text = "generated \(summary.claims) claims (\(summary.replacements) replacements, \(summary.voids) voids, "
        text += "\(summary.claimsWithErrors.count) with deliberate errors\(kindText)) in \(summary.transactions) transaction sets, "
        text += "\(summary.bytes) bytes; payers: \(payers)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
