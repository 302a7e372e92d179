import ArgumentParser
import Engine
import Foundation
import History
import Model
import Workflows

/// `medpolicy check`: decide an encounter and explain it.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide an encounter (Contract 1 JSON) against its payer's policy.",
        discussion: """
        Prints the outcome first, each problem with its fix and citation, then the documents to gather.
        JSON output is the determination (Contract 2); with --all-payers, an array of them.

        Examples:
          medpolicy check Examples/florida-blue-approved.json
          medpolicy check Examples/florida-blue-denied.json --format json
          medpolicy check Examples/truecare-pended.json --payer aetna
          cat encounter.json | medpolicy check - --all-payers
          medpolicy check Examples/florida-blue-approved.json --db history.sqlite
          medpolicy check Examples/florida-blue-approved.json --db history.sqlite --dry-run

        With --db (SQLite, created on first use) or --postgres, the member's prior services come from
        the history store, and the decision is recorded with them in one transaction (not with
        --dry-run or --all-payers). Resubmitting a claim id replays its determination.
        """
    )

    @Argument(help: "The encounter JSON file, or - for standard input.")
    var file: String

    @Option(help: "Decide under this payer instead of the encounter's own.")
    var payer: String?

    @Flag(help: "Decide under every payer that has policies, side by side.")
    var allPayers = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var policies: PolicyOptions

    @OptionGroup var store: HistoryOptions

    @Flag(help: "With a history store: decide with the member's history but record nothing.")
    var dryRun = false

    func validate() throws {
        if allPayers, payer != nil { throw ValidationError("--payer and --all-payers cannot be used together") }
        if dryRun, !store.isSet { throw ValidationError("--dry-run needs --db or --postgres") }
    }

    func run() async throws {
        let encounter = try readEncounter(file)
        let evaluator = try policies.evaluator()
        try evaluator.requireKnown(payer: payer)  // before the store is opened (and perhaps created)
        let adjudicator = Adjudicator(evaluator: evaluator, history: try await store.open())
        let decision: Adjudicator.Decision
        do {
            decision = try await adjudicator.decide(encounter, payer: payer, allPayers: allPayers, dryRun: dryRun)
        } catch {
            try? await adjudicator.history?.close()
            throw error
        }
        try await withHistoryErrors { try await adjudicator.history?.close() }
        let determinations = decision.determinations
        switch format {
        case .json:
            if allPayers { try printJSON(determinations) } else { try printJSON(determinations[0]) }
        case .text:
            print(determinations.map(DeterminationText.render).joined(separator: "\n" + String(repeating: "─", count: 72) + "\n"))
        }
    }
}

/// The determination as a coder reads it: outcome first, then problems with fixes, then documents.
enum DeterminationText {
    static func render(_ d: Determination) -> String {
        var out: [String] = []
        let policy = d.policy.map { "\($0.title) [\($0.id), effective \($0.effectiveFrom) to \($0.effectiveTo.map(\.description) ?? "open")]" } ?? "no policy applied"
        out.append("\(d.outcome.label)  —  claim \(d.encounterId), payer \(d.payer)")
        out.append("Policy: \(policy)")
        for reason in d.reasons {
            out.append("  • \(reason.message)")
            if let citation = reason.citation { out.append("    Source: \(citation.source) § \(citation.section)") }
        }
        out.append("")
        for line in d.lines {
            out.append("Line \(line.index)  \(line.code)  \(line.outcome.label)")
            for reason in line.reasons {
                let codes = [reason.carc.map { "CARC \($0)" }, reason.rarc.isEmpty ? nil : "RARC \(reason.rarc.joined(separator: ","))"]
                    .compactMap { $0 }.joined(separator: " ")
                out.append("  \(reason.carc == "252" ? "?" : "✗") [\(reason.rule)]\(codes.isEmpty ? "" : " \(codes)")")
                out.append(wrap(reason.message, indent: "    "))
                if let citation = reason.citation { out.append("    Source: \(citation.source) § \(citation.section)") }
                if let interpretation = reason.interpretation { out.append(wrap("Read as: " + interpretation, indent: "    ")) }
            }
        }
        if !d.coding.issues.isEmpty || !d.coding.recommended.isEmpty {
            out.append("")
            out.append("Coding")
            if !d.coding.recommended.isEmpty {
                let lines = d.coding.recommended.map { line in
                    line.code + (line.modifiers.isEmpty ? "" : "-" + line.modifiers.joined(separator: "-")) + " ×\(line.units)"
                }
                out.append("  Recommended: " + lines.joined(separator: ", "))
            }
            for issue in d.coding.issues {
                let where_ = issue.lines.map { " (line \($0.map(String.init).joined(separator: ", ")))" } ?? ""
                out.append(wrap("- [\(issue.rule)]\(where_) \(issue.message)", indent: "  "))
            }
        }
        if !d.documentation.requests.isEmpty || !d.documentation.missing.isEmpty {
            out.append("")
            out.append("Documents to gather")
            for request in d.documentation.requests {
                let codes = [request.loinc.map { "LOINC \($0)" }, request.timeFrame.map { "time frame \($0)" }].compactMap { $0 }
                out.append("  - \(request.name)\(codes.isEmpty ? "" : " (\(codes.joined(separator: ", ")))")")
            }
            if !d.documentation.missing.isEmpty {
                out.append("  Missing from the record: " + d.documentation.missing.joined(separator: ", "))
            }
        }
        if let attested = d.documentation.attested, !attested.isEmpty {
            out.append("")
            out.append("Attested by the claim, not documented (a post-payment audit may ask for the records)")
            for reason in attested {
                out.append(wrap("- [\(reason.rule)] \(reason.message)", indent: "  "))
            }
            for request in d.documentation.auditRequests ?? [] {
                out.append("  audit request: \(request.name)\(request.loinc.map { " (LOINC \($0))" } ?? "")")
            }
        }
        return out.joined(separator: "\n")
    }

    /// Wraps prose at 100 columns under an indent.
    static func wrap(_ text: String, indent: String) -> String {
        var lines: [String] = []
        var current = indent
        for word in text.split(separator: " ") {
            if current.count + word.count + 1 > 100, current.count > indent.count {
                lines.append(current)
                current = indent
            }
            current += (current.count > indent.count ? " " : "") + word
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }
}

extension Outcome {
    var label: String {
        switch self {
        case .approved: return "APPROVED"
        case .denied: return "DENIED"
        case .partial: return "PARTIALLY APPROVED"
        case .pended: return "PENDED FOR REVIEW"
        case .notApplicable: return "NOT APPLICABLE"
        }
    }
}
