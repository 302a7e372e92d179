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
        the member's history in transactions of \(ClaimFileAdjudication.chunkSize) claims, so each claim sees every earlier
        claim of the file. A malformed claim is reported with its segment and skipped; the rest of the
        file is still adjudicated. Pended claims are not in the 835: they are counted in the summary
        and listed in --json. When no claim is remitted (all pended or not applicable), no 835 is
        written and the summary says so. Outputs that are files are written to temporary files and renamed
        at the end, so an interrupted run leaves no half-written file; `-` (standard output), devices and FIFOs
        are written through, and a symbolic link is followed (the file it points to is replaced). Running the same file again against the same
        history replays the recorded determinations (no double counting).

        Several workers: `--worker K/N` (with --postgres, or --db on one machine) makes this process
        worker K of N. Every worker reads the whole file and decides only the claims of the members
        whose stable hash falls to it, so each member's claims stay in file order in one process and
        no frequency limit is used twice. Its outputs get `.K-of-N` before their extension
        (remit.835 → remit.2-of-4.835). A worker restarted after a crash replays what it had recorded
        and decides the rest; its 835 again covers all of its members' claims.

        Examples:
          medpolicy generate --claims 1000 --seed 7 > claims.837
          medpolicy batch claims.837 --db history.sqlite --out remit.835 --report report.html
          medpolicy batch claims.837 --payer aetna --json determinations.json
          medpolicy batch claims.837 --postgres postgres://mp@db/claims --worker 2/4 --out remit.835
        """
    )

    @Argument(help: "The 837P file.")
    var file: String

    @Option(help: "Adjudicate every claim under this payer (a single-payer file), instead of reading NM1*PR through the payer directory.")
    var payer: String?

    @OptionGroup var policies: PolicyOptions

    @OptionGroup var store: HistoryOptions

    @Option(help: "Write the 835 remittance advice here (one interchange per payer).")
    var out: String?

    @Option(help: "Write an HTML report with charts here.")
    var report: String?

    @Option(help: "Write every determination, every skipped claim and the summary here, as JSON.")
    var json: String?

    @Option(help: ArgumentHelp("Be worker K of N sharing the file and one history: decide only the claims of this worker's members.",
                               valueName: "K/N"))
    var worker: String?

    func validate() throws {
        guard let worker else { return }
        do { _ = try WorkerPartition(parsing: worker) } catch WorkflowError.badInput(let message) {
            throw ValidationError(message)
        }
        guard store.isSet else {
            throw ValidationError("--worker needs the shared history (--postgres, or --db on one machine): without it workers cannot see each other's claims")
        }
    }

    /// With `--worker`, each output path carries the worker's `.K-of-N`.
    private func outputPath(_ path: String?, _ partition: WorkerPartition?) -> String? {
        guard let path, let partition else { return path }
        return partition.outputPath(path)
    }

    func run() async throws {
        let partition = try worker.map { try WorkerPartition(parsing: $0) }
        let out = outputPath(self.out, partition), json = outputPath(self.json, partition)
        let report = outputPath(self.report, partition)
        let evaluator = try policies.evaluator()
        try evaluator.requireKnown(payer: payer)
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
        let jsonOutput = try json.map { JSONDocumentOutput(try outputs.handle(for: $0), name: $0) }
        let remittances = Remittance835Stream(
            writer: Remittance835Writer(settings: ClaimFileAdjudication.remittanceSettings(
                evaluator.context.library.payers, productionDate: .today())),
            firstControlNumber: 1, spoolDirectory: outputs.spoolDirectory)

        let history = try await store.open()
        let historyNote = history == nil
            ? "No claim history (--db or --postgres): frequency limits, intervals and duplicates saw only each claim's own services."
            : "Claim history: every claim was decided with the member's recorded services, including earlier claims of this file."
        let adjudication = ClaimFileAdjudication(evaluator: evaluator, history: history, remittances: remittances,
                                                 partition: partition)
        let progress = ProgressBar(total: fileSize)
        let clock = ContinuousClock()
        let began = clock.now
        do {
            try jsonOutput?.write("{\"determinations\": [")
            var firstDetermination = true
            try await adjudication.run(reader, issued: { determination in
                guard let jsonOutput else { return }
                try jsonOutput.write(firstDetermination ? "\n" : ",\n")
                try jsonOutput.write(encodable: determination)
                firstDetermination = false
            }, afterChunk: {
                if let out { try writingTo(out) { try remittanceOutput?.flush() } }
                progress.update(done: reader.bytesRead, claims: adjudication.statistics.claims)
            })
            try await history?.close()
        } catch WorkflowError.badInput(let message) {  // the reader's: name the file
            progress.finish()
            try? await history?.close()
            throw UserError("\(file): \(message)")
        } catch {
            progress.finish()
            try? await history?.close()
            throw error
        }
        let seconds = (clock.now - began).seconds
        progress.finish()
        // As POST /v1/batch answers 422: a file with no claim in it is bad input, not an empty success.
        if let nothingRead = adjudication.statistics.nothingReadMessage { throw UserError("\(file): \(nothingRead)") }

        // A file whose claims are all pended, not applicable or unreversible voids remits nothing:
        // no 835 is written rather than an empty file (an 835 with no claim has no payer to send it).
        let remittanceWritten = !remittances.payers.isEmpty
        if let remittanceOutput, let out {
            if remittanceWritten {
                try writingTo(out) { try adjudication.finishRemittances(into: remittanceOutput) }
            } else {
                outputs.withdraw(out)
            }
        }
        let stats = adjudication.statistics
        if let jsonOutput {
            try jsonOutput.write("\n],\n\"summary\": ")
            try jsonOutput.write(encodable: stats)
            try jsonOutput.write("\n}\n")
            try jsonOutput.flush()
        }
        if let report {
            let page = Data(BatchReport.render(stats, source: file, seconds: seconds, historyNote: historyNote).utf8)
            try writingTo(report) { try outputs.handle(for: report).write(contentsOf: page) }
        }
        try outputs.commit()
        var summary = BatchSummaryText.render(stats, source: file, seconds: seconds, historyNote: historyNote,
                                              outputs: [("835", out), ("JSON", json), ("report", report)],
                                              remittanceWritten: remittanceWritten)
        if let partition, let others = stats.otherWorkersClaims {
            summary = "Worker \(partition): decided the claims of its members; \(others) left to the other workers.\n" + summary
        }
        // With an output on standard output, the summary must not be mixed into it.
        if outputs.usesStandardOutput {
            FileHandle.standardError.write(Data((summary + "\n").utf8))
        } else {
            print(summary)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
