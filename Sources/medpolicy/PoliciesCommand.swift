import ArgumentParser
import Foundation
import Model
import Workflows
import Policies

/// `medpolicy policies`: list, show and validate policy files.
struct Policies: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and validate the policy files.",
        subcommands: [List.self, Show.self, ValidatePolicies.self, PolicyTestCommand.self, PolicyDiffCommand.self, PolicyImpactCommand.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the loaded policies.",
            discussion: "Example:\n  medpolicy policies list"
        )

        @OptionGroup var policies: PolicyOptions

        func run() throws {
            let library = try policies.evaluator().context.library
            for policy in library.policies {
                let lines = policy.linesOfBusiness.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "all"
                print("\(policy.id.padding(toLength: 44, withPad: " ", startingAt: 0)) \(policy.effectiveFrom) – \(policy.effectiveTo?.description ?? "open      ")  \(lines)  \(policy.rules.count) rules")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one policy's rules with their citations.",
            discussion: "Example:\n  medpolicy policies show florida-blue/02-20000-28"
        )

        @Argument(help: "Policy id, e.g. florida-blue/02-20000-28.")
        var id: String

        @OptionGroup var policies: PolicyOptions

        func run() throws {
            let library = try policies.evaluator().context.library
            guard let policy = library.policy(id: id) else {
                throw UserError("no policy '\(id)' (known: \(library.policies.map(\.id).joined(separator: ", ")))")
            }
            print("\(policy.id) — \(policy.title)")
            print("payer \(policy.payer); effective \(policy.effectiveFrom) to \(policy.effectiveTo?.description ?? "open"); source \(policy.source)")
            print("dates: \(policy.effectiveBasis ?? "unknown (the policy file does not say where they come from)")")
            print("governs \(policy.governs.joined(separator: ", ")); lines of business \(policy.linesOfBusiness.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "all")")
            for exception in policy.exceptions {
                switch exception.action {
                case .defer(let message): print("  exception \(exception.id) (\(exception.linesOfBusiness.map(\.rawValue).sorted().joined(separator: ", "))): defers — \(message)")
                case .route(let target): print("  exception \(exception.id) (\(exception.linesOfBusiness.map(\.rawValue).sorted().joined(separator: ", "))): routes to \(target)")
                }
            }
            for rule in policy.rules {
                let action: String
                switch rule.onFail {
                case .deny(let carc, let rarc): action = "deny CARC \(carc)" + (rarc.isEmpty ? "" : " RARC \(rarc.joined(separator: ","))")
                case .pend: action = "pend for review"
                }
                print("\n[\(rule.id)] \(action) — \(rule.citation.source) § \(rule.citation.section)  (\(rule.location))")
                if let summary = rule.summary { print(DeterminationText.wrap(summary, indent: "  ")) }
                if let interpretation = rule.interpretation { print(DeterminationText.wrap("Read as: " + interpretation, indent: "  ")) }
            }
        }
    }

    struct ValidatePolicies: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check policy files: errors stop them loading; warnings flag stale codes.",
            discussion: """
            Prints `file:line: error|warning: message` for each problem; exit status 2 on any error.

            Examples:
              medpolicy policies validate
              medpolicy policies validate Policies/florida-blue-02-20000-28.yaml
            """
        )

        @Argument(help: "A policy file or directory (default: the policy directory).")
        var path: String?

        func run() throws {
            let target = path ?? EngineSetup.policyDirectory(nil)
            var (policies, issues) = PolicyLibrary.parseDirectory(target)
            if !issues.contains(where: { $0.severity == .error }) {
                do { _ = try PolicyLibrary(policies) } catch { issues += error.issues }
            }
            if !issues.contains(where: { $0.severity == .error }) {
                let icd = try LoadedCodeSets.load().icd
                for policy in policies { issues += PolicyLibrary.codeWarnings(for: policy, icd: icd) }
            }
            for issue in issues { print(issue.description) }
            let errors = issues.filter { $0.severity == .error }.count
            let warnings = issues.count - errors
            let summary = "\(policies.count) polic\(policies.count == 1 ? "y" : "ies") checked: \(errors) error(s), \(warnings) warning(s)"
            if errors > 0 { throw UserError(summary) }
            print(summary)
        }
    }
}
