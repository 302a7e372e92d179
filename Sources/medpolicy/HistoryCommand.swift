import ArgumentParser
import CodeSets
import Engine
import Foundation
import History
import Model
import Workflows
import Policies

/// Where the claim history lives: a SQLite file (the embedded default) or a PostgreSQL server.
struct HistoryOptions: ParsableArguments {
    @Option(help: "SQLite history file, created on first use (in an existing folder).")
    var db: String?

    @Option(help: "PostgreSQL history: postgres://user:password@host:port/database")
    var postgres: String?

    var isSet: Bool { db != nil || postgres != nil }

    func validate() throws {
        if db != nil, postgres != nil { throw ValidationError("--db and --postgres cannot be used together") }
    }

    /// Opens the store named, or nil when none is. Without `creating`, a missing SQLite file is refused.
    func open(creating: Bool = true) async throws -> (any HistoryStore)? {
        try await withHistoryErrors {
            if let db { return try await HistoryStores.openSQLite(path: db, creating: creating) }
            if let postgres { return try await HistoryStores.openPostgres(url: postgres) }
            return nil
        }
    }
}

/// Runs a history operation, turning the store's errors (foreign file, newer schema, read-only,
/// unreachable server, conflicting resubmission) into exit status 2 with their message.
func withHistoryErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as HistoryError {
        throw UserError("history: \(error.description)")
    }
}

/// `medpolicy history`: what the store holds for a member.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a member's claim history and what each frequency limit sees.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the services that count toward limits, each limit's window on a date, and the prior authorizations on file.",
            discussion: """
            Examples:
              medpolicy history show M-001 --db history.sqlite
              medpolicy history show M-001 --db history.sqlite --date 2025-09-10 --format json
            """
        )

        @Argument(help: "Member id.")
        var member: String

        @OptionGroup var store: HistoryOptions

        @Option(help: "The date the limit windows end on, YYYY-MM-DD (default: the latest service).")
        var date: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        @OptionGroup var policies: PolicyOptions

        struct Service: Encodable {
            let claimId: String
            let line: Int
            let payer: String
            let dateOfService: String
            let code: String
            let units: Int
            let sites: [String]
            let regions: [String]
            let outcome: String
        }

        struct View: Encodable {
            let member: String
            let date: String?
            let services: [Service]
            let limits: [LimitWindow]
            /// The member's prior authorizations on file, every payer's.
            let authorizations: [Authorization]
        }

        func run() async throws {
            guard store.isSet else { throw UserError("history show needs --db PATH or --postgres URL") }
            guard let history = try await store.open(creating: false) else { return }
            let stored = try await withHistoryErrors { try await history.priorServices(member: member) }
            let authorizations = try await withHistoryErrors { try await history.authorizations(member: member, payer: nil) }
            try await history.close()
            let codeSets = try LoadedCodeSets.load()
            let library = try policies.evaluator().context.library
            var day: LocalDate? = stored.map(\.dateOfService).max()
            if let date {
                guard let parsed = LocalDate(date) else { throw UserError("--date: expected YYYY-MM-DD, got '\(date)'") }
                day = parsed
            }
            let services = stored.map { s in
                Service(claimId: s.claimId, line: s.lineNumber, payer: s.payer, dateOfService: s.dateOfService.description, code: s.code,
                        units: s.units, sites: s.sites.map(LimitWindow.label),
                        regions: LimitWindow.regions(of: s.sites, muscles: codeSets.muscles), outcome: s.outcome.rawValue)
            }
            let limits = day.map { day in
                LimitWindow.windows(of: stored.map { PayerService(payer: $0.payer, service: $0.asPriorService) }, on: day,
                                    library: library, muscles: codeSets.muscles)
            } ?? []
            let view = View(member: member, date: day?.description, services: services, limits: limits,
                            authorizations: authorizations)
            switch format {
            case .json: try printJSON(view)
            case .text:
                print("Member \(member): \(services.count) service\(services.count == 1 ? "" : "s") counting toward limits")
                for s in services {
                    print("  \(s.dateOfService)  \(s.code) ×\(s.units)  \(s.claimId) line \(s.line)  \(s.payer)  \(s.outcome)  \(s.sites.joined(separator: ", "))\(s.regions.isEmpty ? "" : " [\(s.regions.joined(separator: ", "))]")")
                }
                if !limits.isEmpty { print("\nLimits on \(day!.description):") }
                for l in limits {
                    let counts = l.counted.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                    print("  [\(l.rule)] max \(l.max) \(l.count.rawValue) per \(l.scope.rawValue), \(l.window) (\(l.from) … \(l.to)): \(counts.isEmpty ? "none" : counts)")
                }
                if !authorizations.isEmpty { print("\nPrior authorizations on file:") }
                for a in authorizations {
                    let items = a.items.map { "\($0.code) ×\($0.units) \($0.from) … \($0.to)" }.joined(separator: "; ")
                    print("  \(a.number)  \(a.payer)  \(a.status.rawValue), issued \(a.issued)\(a.policy.map { "  " + $0 } ?? "")  \(items)")
                }
            }
        }
    }
}
