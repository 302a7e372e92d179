import ArgumentParser
import Foundation
import Workflows

/// The `medpolicy` command: checks claims and planned procedures against payer policy.
@main
struct MedPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medpolicy",
        abstract: "Check trigger point injection claims against payer policy and correct-coding rules.",
        discussion: """
        Exit status: 0 success, 2 bad input or usage (message on stderr), 1 internal failure.

        Examples:
          medpolicy check Examples/florida-blue-approved.json
          medpolicy check Examples/harvard-pilgrim-pended.json --format json
          medpolicy check Examples/florida-blue-approved.json --all-payers
          medpolicy validate Examples/florida-blue-approved.json
          medpolicy extract note.txt --date 2025-03-14 --payer florida-blue
          medpolicy codes lookup M79.1 --date 2025-01-01 --format json
          medpolicy muscles --region neck
          medpolicy policies list
          medpolicy generate --claims 1000 --seed 7 > claims.837
          medpolicy batch claims.837 --db history.sqlite --out remit.835 --report report.html
        """,
        version: "0.1.0",
        subcommands: [Check.self, Extract.self, Batch.self, Serve.self, Generate.self, Validate.self, Codes.self, Muscles.self, Policies.self,
                      HistoryCommand.self, AuthorizationsCommand.self]
    )

    /// Maps errors to the documented exit codes instead of ArgumentParser's defaults (64 for usage).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: reported(error))
        }
    }

    /// Writes what went wrong to standard error and gives the documented exit code; help and
    /// version requests are returned as they are, for ArgumentParser to print.
    static func reported(_ error: any Error) -> any Error {
        let message: String
        let code: ExitCode
        switch error {
        case let error as UserError: (message, code) = (error.message, .badInput)
        case let error as WorkflowError where error.isCallersToFix: (message, code) = (error.description, .badInput)
        case WorkflowError.internalFailure(let failure): (message, code) = ("medpolicy: internal error: \(failure)", .internalFailure)
        case let error as InternalError: (message, code) = ("medpolicy: internal error: \(error.message)", .internalFailure)
        default:
            let parserCode = exitCode(for: error)
            if parserCode == .success { return error }  // --help, --version
            (message, code) = (fullMessage(for: error), parserCode == .failure ? .internalFailure : .badInput)
        }
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        return code
    }
}

extension ExitCode {
    /// Bad input or usage (the message says what and where).
    static let badInput = ExitCode(2)
    /// A failure of medpolicy itself.
    static let internalFailure = ExitCode(1)
}

/// Bad input or usage: printed as is, exit status 2.
struct UserError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A failure of medpolicy itself (a corrupt bundled data file): exit status 1.
struct InternalError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Output format shared by the subcommands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
