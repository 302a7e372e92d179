import ArgumentParser
import Foundation
import History
import Model

/// `medpolicy authorizations`: prior authorizations on file in the history store.
struct AuthorizationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorizations",
        abstract: "Record prior authorizations a claim is checked against (atClaim: authorization).",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Record the prior authorizations of a JSON file (an array) in the history store.",
            discussion: """
            Each element: {"number": "PA-1", "payer": "harvard-pilgrim", "memberId": "M1", "status": "approved",
            "issued": "2025-03-01", "policy": "harvard-pilgrim/trigger-point-injections",
            "items": [{"code": "20552", "units": 3, "from": "2025-03-01", "to": "2025-08-31"}], "clinical": {...}}
            (clinical: Contract 1's clinical object, the facts the authorization was decided on). A number already
            on file is replaced. The file is checked whole first and recorded in one transaction: any error,
            nothing is recorded.

            Example:
              medpolicy authorizations import authorizations.json --db history.sqlite
            """
        )

        @Argument(help: "JSON file of authorizations ('-' for standard input).")
        var file: String

        @OptionGroup var store: HistoryOptions

        func run() async throws {
            guard store.isSet else { throw UserError("authorizations import needs --db PATH or --postgres URL") }
            let data = try readInput(file)
            let authorizations: [Authorization]
            do {
                authorizations = try AuthorizationReader.decodeList(data)
            } catch {
                let name = file == "-" ? "<stdin>" : file
                throw UserError(error.errors.map { "\(name): \($0)" }.joined(separator: "\n"))
            }
            guard let history = try await store.open() else { return }
            do {
                try await withHistoryErrors { try await history.record(authorizations: authorizations) }
            } catch {
                try? await history.close()
                throw error
            }
            try await history.close()
            print("Recorded \(authorizations.count) prior authorization\(authorizations.count == 1 ? "" : "s").")
        }
    }
}
