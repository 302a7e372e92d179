import ArgumentParser
import Foundation
import Model
import Policies
import Workflows

/// `medpolicy policies diff A B`: two policies compared rule by rule.
struct PolicyDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two policies rule by rule (policy ids or policy files).",
        discussion: """
        Lists the rules added, removed and changed (limits, windows, intervals, criteria, onFail/CARC, citations), \
        and the billable diagnosis codes a diagnosis rule gains or loses, expanded over ICD-10-CM on --date \
        (default: the later policy's effective start).

        Examples:
          medpolicy policies diff harvard-pilgrim/trigger-point-injections medicare/l33912
          medpolicy policies diff Policies/medicare-l33912.yaml /tmp/revised.yaml --format json
        """
    )

    @Argument(help: "The old policy: an id or a policy file.") var old: String
    @Argument(help: "The new policy: an id or a policy file.") var new: String
    @Option(help: "Directory of policy YAML files (for ids).") var policies: String?
    @Option(help: "Date to expand the diagnosis lists on, YYYY-MM-DD.") var date: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        let a = try resolvePolicy(old, policies: policies), b = try resolvePolicy(new, policies: policies)
        let on: LocalDate
        if let date {
            guard let parsed = LocalDate(date) else { throw UserError("--date: expected YYYY-MM-DD, got '\(date)'") }
            on = parsed
        } else {
            on = max(a.effectiveFrom, b.effectiveFrom)
        }
        let icd = try LoadedCodeSets.load().icd
        var expandOn = on
        // Before the oldest release carried nothing expands: the oldest release stands in (and the output says so).
        if icd.answeringRelease(on: on) == nil, let oldest = icd.releases.first, let start = LocalDate("\(oldest.fiscalYear - 1)-10-01") {
            expandOn = start
            FileHandle.standardError.write(Data("note: no ICD-10-CM release carried answers \(on); the diagnosis lists are expanded on \(start), the start of the oldest (FY\(oldest.fiscalYear))\n".utf8))
        }
        let comparison = PolicyComparison(old: a, new: b, on: expandOn, icd: icd)
        switch format {
        case .text: print(comparison.text)
        case .json: try printJSON(comparison)
        }
    }

}

/// A policy file (a path that exists) or an id in the policy directory (`policies diff`, `policies impact`).
func resolvePolicy(_ reference: String, policies: String?) throws -> Policy {
    if FileManager.default.fileExists(atPath: reference) {
        let (policy, issues) = PolicyLoader.load(path: reference)
        let errors = issues.filter { $0.severity == .error }
        guard let policy, errors.isEmpty else { throw UserError(errors.map(\.description).joined(separator: "\n")) }
        return policy
    }
    let library = try EngineSetup.evaluator(policies: policies).context.library
    guard let policy = library.policy(id: reference) else {
        throw UserError("no policy '\(reference)' (known: \(library.policies.map(\.id).joined(separator: ", "))), and no such file")
    }
    return policy
}
