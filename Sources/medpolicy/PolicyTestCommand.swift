import ArgumentParser
import Foundation
import Policies
import Workflows

/// `medpolicy policies test`: runs the policy authors' test cases kept beside the policy files.
struct PolicyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the policies' test cases (tests/<policy-file-stem>.yaml beside the policy files).",
        discussion: """
        Decides each case's encounter and compares what the case expects (outcome, lines, reasons, CARCs, \
        coding, documentation: only what it states) with the determination. Then checks that every rule of \
        every policy has a case where it passes and one where it fails.

        Exit status: 0 all cases pass and every rule is covered; 1 a case differs or a rule lacks a side; \
        2 a policy or test file is malformed (located errors).

        Examples:
          medpolicy policies test
          medpolicy policies test /path/to/Policies
        """
    )

    @Argument(help: "The policy directory (default: the policy directory); its tests/ folder holds the cases.")
    var directory: String?

    func run() throws {
        let directory = EngineSetup.policyDirectory(self.directory)
        let evaluator = try EngineSetup.evaluator(policies: directory)
        let paths = PolicyTestFile.files(inPolicyDirectory: directory)
        guard !paths.isEmpty else { throw UserError("\(directory)/\(PolicyLibrary.testDirectoryName): no test files (*.yaml)") }
        var files: [PolicyTestFile] = [], problems: [String] = []
        for path in paths {
            let (file, issues) = PolicyTestFile.load(path: path)
            problems += issues.map(\.description)
            if let file {
                if evaluator.context.library.policy(id: file.policyId) == nil {
                    problems.append("\(path):1: no policy '\(file.policyId)' in \(directory)")
                } else {
                    files.append(file)
                }
            }
        }
        guard problems.isEmpty else { throw UserError(problems.joined(separator: "\n")) }
        let run = PolicyTestRun(files: files, evaluator: evaluator)
        for difference in run.differences { print("FAIL " + difference.description) }
        for missing in run.missing { print("MISSING " + missing.description) }
        for policy in run.untested { print("UNTESTED \(policy.id) (\(policy.location.file)): no test file") }
        print("\(run.caseCount) case(s) in \(files.count) file(s): \(run.caseCount - run.failedCases) passed, \(run.failedCases) failed; "
              + "\(run.missing.count) rule side(s) without a case")
        if run.failedCases > 0 || !run.missing.isEmpty { throw ExitCode.failure }
    }
}
