import ArgumentParser
import Engine
import Foundation
import History
import Interchange
import Model
import Workflows

/// `medpolicy batch`: adjudicate an 837P claim file against policy and claim history.
struct Batch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Adjudicate an X12 837P (005010X222A1) claim file; write 835 remittance advice and reports.",
        discussion: """
        Claims are read as a stream, decided in file order, and (with --db or --postgres) recorded with
        the member's history in transactions of \(chunkSize) claims, so each claim sees every earlier
        claim of the file. A malformed claim is reported with its segment and skipped; the rest of the
        file is still adjudicated. Pended claims are not in the 835: they are counted in the summary
        and listed in --json. Outputs are written to temporary files and renamed at the end, so an
        interrupted run leaves no half-written file. Running the same file again against the same
        history replays the recorded determinations (no double counting).

        Examples:
          medpolicy generate --claims 1000 --seed 7 > claims.837
          medpolicy batch claims.837 --db history.sqlite --out remit.835 --report report.html
          medpolicy batch claims.837 --payer aetna --json determinations.json
        """
    )

    /// Claims decided and recorded per history transaction.
    static let chunkSize = 1_000

    @Argument(help: "The 837P file.")
    var file: String

    @Option(help: "Adjudicate every claim under this payer (a single-payer file), instead of reading NM1*PR through the payer directory.")
    var payer: String?

    @Option(help: "Directory of policy YAML files (default: ./Policies or $MEDPOLICY_POLICIES).")
    var policies: String?

    @OptionGroup var store: HistoryOptions

    @Option(help: "Write the 835 remittance advice here (one interchange per payer).")
    var out: String?

    @Option(help: "Write an HTML report with charts here.")
    var report: String?

    @Option(help: "Write every determination, every skipped claim and the summary here, as JSON.")
    var json: String?

    func run() async throws {
        let evaluator = try EngineSetup.evaluator(policies: policies)
        let library = evaluator.context.library
        try evaluator.requireKnown(payer: payer)
        let limitRules = Set(library.policies.flatMap(\.rules).filter {
            switch $0.check {
            case .limit, .interval: return true
            default: return false
            }
        }.map(\.id))
        let reader: X12Reader837
        do {
            reader = try X12Reader837(path: file, payerOverride: payer)
        } catch {
            throw UserError("\(file): \(error.message)")
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0

        // Outputs go to temporary files beside their destinations, renamed when everything succeeded.
        let outputs = try OutputFiles([out, json, report])
        defer { outputs.discard() }
        let remittanceOutput = try out.map { X12Output(fileHandle: try outputs.handle(for: $0)) }
        let jsonOutput = try json.map { JSONDocumentOutput(try outputs.handle(for: $0)) }
        let remittances = Remittance835Stream(
            writer: Remittance835Writer(settings: Self.remittanceSettings(library.payers)), firstControlNumber: 1,
            spoolDirectory: outputs.spoolDirectory)

        let history = try await store.open()
        let historyNote = history == nil
            ? "No claim history (--db or --postgres): frequency limits, intervals and duplicates saw only each claim's own services."
            : "Claim history: every claim was decided with the member's recorded services, including earlier claims of this file."
        var stats = BatchStatistics()
        let progress = ProgressBar(total: fileSize)
        let clock = ContinuousClock()
        let began = clock.now
        do {
            try jsonOutput?.write("{\"determinations\": [")
            var chunk: [ParsedClaim] = []
            chunk.reserveCapacity(Self.chunkSize)
            var firstDetermination = true

            func adjudicate(_ claims: [ParsedClaim]) async throws {
                guard !claims.isEmpty else { return }
                let encounters = claims.map(\.encounter)
                let results: [Result<Adjudication, HistoryError>]
                if let history {
                    results = try await withHistoryErrors {
                        try await history.adjudicate(batch: encounters) { evaluator.evaluate($0, priorServices: $1) }
                    }
                } else {
                    results = encounters.map { .success(Adjudication(determination: evaluator.evaluate($0), recorded: false, replayed: false)) }
                }
                var adjudicated: [AdjudicatedClaim] = []
                adjudicated.reserveCapacity(claims.count)
                for (claim, result) in zip(claims, results) {
                    switch result {
                    case .success(let adjudication):
                        let determination = adjudication.determination
                        stats.add(determination, lineCount: claim.lines.count, limitRules: limitRules)
                        if adjudication.replayed { stats.replays += 1 }
                        adjudicated.append(AdjudicatedClaim(claim: claim, determination: determination))
                        if let jsonOutput {
                            try jsonOutput.write(firstDetermination ? "\n" : ",\n")
                            try jsonOutput.write(encodable: determination)
                            firstDetermination = false
                        }
                    case .failure(let refusal):
                        stats.claimProblems.append(.init(claimId: claim.encounter.id, segment: claim.segmentNumber,
                                                         message: "history: \(refusal.description)"))
                    }
                }
                do {
                    let unremitted = try remittances.add(adjudicated)
                    stats.unremitted += unremitted.count
                } catch let error as RemittanceError {
                    throw InternalError("835: \(error.description)")
                }
                try remittanceOutput?.flush()
                progress.update(done: reader.bytesRead, claims: stats.claims)
            }

            while let event = try nextEvent(reader) {
                switch event {
                case .claim(let claim):
                    chunk.append(claim)
                    if chunk.count == Self.chunkSize {
                        try await adjudicate(chunk)
                        chunk.removeAll(keepingCapacity: true)
                    }
                case .claimError(let error):
                    stats.claimProblems.append(.init(claimId: error.claimId, segment: error.issue.segmentNumber,
                                                     message: error.issue.description))
                case .envelopeIssue(let issue):
                    stats.envelopeIssues.append(issue.description)
                }
            }
            try await adjudicate(chunk)
            try await history?.close()
        } catch {
            progress.finish()
            try? await history?.close()
            throw error
        }
        let seconds = (clock.now - began).seconds
        progress.finish()

        if let remittanceOutput {
            for payer in remittances.payers {
                let totals = try remittances.finish(payer: payer, into: remittanceOutput)
                stats.remittedClaims += totals.claimCount
                stats.paidCents += totals.paidCents
            }
            try remittanceOutput.flush()
        }
        if let jsonOutput {
            try jsonOutput.write("\n],\n\"summary\": ")
            try jsonOutput.write(encodable: stats)
            try jsonOutput.write("\n}\n")
            try jsonOutput.flush()
        }
        if let report {
            try outputs.handle(for: report).write(contentsOf: Data(BatchReport.render(
                stats, source: file, seconds: seconds, historyNote: historyNote).utf8))
        }
        try outputs.commit()
        print(BatchSummaryText.render(stats, source: file, seconds: seconds, historyNote: historyNote,
                                      outputs: [("835", out), ("JSON", json), ("report", report)]))
    }

    private func nextEvent(_ reader: X12Reader837) throws -> ReaderEvent? {
        do {
            return try reader.next()
        } catch {
            throw UserError("\(file): \(error.message)")
        }
    }

    /// How each payer appears on its 835s. medpolicy decides coverage, not payment: these identify
    /// the payer in the 835's 1000A loop; a payer deploying medpolicy sets its own.
    static func remittanceSettings(_ payers: [String]) -> RemittanceSettings {
        var identities: [String: RemittancePayer] = [:]
        for (offset, payer) in payers.enumerated() {
            identities[payer] = RemittancePayer(
                name: PayerDirectory.standard.displayName(for: payer),
                originatingCompanyId: "1" + String(repeating: String(offset % 9 + 1), count: 9),
                addressLine: "PO BOX \(1000 + offset)", city: "JACKSONVILLE", state: "FL", postalCode: "32231",
                technicalContactPhone: "8005550100")
        }
        return RemittanceSettings(senderId: "MEDPOLICY", receiverId: "PROVIDER", productionDate: today(),
                                  payers: identities)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
