import ArgumentParser
import Foundation
import Logging
import MedPolicyServer
import Workflows

/// `medpolicy serve`: the HTTP service (JSON API, CDS Hooks / Da Vinci CRD, PAS, DTR).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the JSON API, CDS Hooks (Da Vinci CRD), FHIR PAS and DTR over HTTP.",
        discussion: """
        Routes: POST /v1/determinations, POST /v1/batch, POST /v1/extract, POST /v1/claims/837,
        GET /v1/policies[/{id}], GET /v1/codes/{code},
        GET /cds-services, POST /cds-services/{id}, POST /fhir/Claim/$submit, GET /fhir/Questionnaire/{id},
        GET /health, GET /metrics, GET /openapi.json, and the coder's workbench page at GET / (open
        http://127.0.0.1:8080/ in a browser). Errors are application/problem+json.

        Without --api-keys the server answers anyone, so it then refuses to listen beyond loopback.
        The key file holds one key per line (or `name<TAB>key`); clients send `Authorization: Bearer KEY`.
        SIGTERM or SIGINT stops it gracefully: requests in flight finish, the history store is closed.
        Access logs name the route template, status, duration and client, never request content.
        Slow or idle clients cannot hold the server: a request head must be complete --header-timeout
        seconds after its first byte, a body may pause at most --body-timeout seconds, a keep-alive
        connection with no request for --idle-timeout seconds is closed, and beyond --max-connections
        open connections a new one is answered 503 and closed.

        Examples:
          medpolicy serve --db history.sqlite
          medpolicy serve --host 0.0.0.0 --port 8080 --postgres postgres://medpolicy@db/medpolicy --api-keys keys.txt
          curl -s -X POST --data-binary @Examples/florida-blue-approved.json 'http://127.0.0.1:8080/v1/determinations?record=false'
        """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @OptionGroup var policies: PolicyOptions

    @OptionGroup var store: HistoryOptions

    @Option(help: "File of API keys; without it, only loopback addresses may be used.")
    var apiKeys: String?

    @Option(help: "Largest JSON or FHIR request body, in bytes.")
    var maxBody = 1 << 20

    @Option(help: "Largest 837 file for POST /v1/batch, in bytes.")
    var maxBatch = 64 << 20

    @Option(help: "Seconds a keep-alive connection may sit with no request before it is closed.")
    var idleTimeout = 30.0

    @Option(help: "Seconds a request's head (request line and headers) has to arrive, from its first byte.")
    var headerTimeout = 10.0

    @Option(help: "Longest pause, in seconds, while a request body arrives.")
    var bodyTimeout = 20.0

    @Option(help: "Connections open at once; more are answered 503 and closed.")
    var maxConnections = 512

    @Option(help: "Base URL clients reach this server at, for canonical URLs in FHIR answers.")
    var publicURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port: expected 0 to 65535, got \(port)") }
        guard maxBody > 0, maxBatch > 0 else { throw ValidationError("--max-body and --max-batch must be positive") }
        for (name, seconds) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout)] {
            guard seconds > 0, seconds <= 86_400 else { throw ValidationError("\(name): expected seconds above 0 and at most 86400, got \(seconds)") }
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive, got \(maxConnections)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        if apiKeys == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
            throw ValidationError("--host \(host) without --api-keys would serve claims to anyone who can reach it; give --api-keys FILE")
        }
    }

    func run() async throws {
        var keys: APIKeys?
        if let apiKeys {
            do { keys = try APIKeys(path: apiKeys) } catch { throw UserError("\(error)") }
        }
        let evaluator = try policies.evaluator()
        let codeSets = try LoadedCodeSets.load()
        var logger = Logger(label: "medpolicy")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let history = try await store.open()
        let server = ServerApplication(
            settings: ServerSettings(host: host, port: port, apiKeys: keys, maxBodyBytes: maxBody, maxBatchBytes: maxBatch,
                                     publicBaseURL: publicURL,
                                     connectionLimits: ConnectionLimits(
                                        idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                                        headerTimeout: .milliseconds(Int64(headerTimeout * 1000)),
                                        bodyTimeout: .milliseconds(Int64(bodyTimeout * 1000)), maxConnections: maxConnections)),
            adjudicator: Adjudicator(evaluator: evaluator, history: history), codeSets: codeSets, logger: logger)
        try await server.run { port in
            // Written unbuffered, for whoever waits on a pipe for the port.
            FileHandle.standardOutput.write(Data("medpolicy serving on http://\(host):\(port) (\(history == nil ? "no history store" : "history store open"))\n".utf8))
        }
    }
}
