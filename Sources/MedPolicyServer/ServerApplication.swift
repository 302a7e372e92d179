import Engine
import Foundation
import HTTPTypes
import History
import Hummingbird
import HummingbirdCore
import Logging
import Model
import NIOCore
import Workflows

/// How a server is set up: where it listens, who may call it, and how much it reads.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Keys accepted in `Authorization: Bearer …`; nil serves without authentication (loopback only).
    public var apiKeys: APIKeys?
    /// The largest JSON or FHIR request body read, in bytes (larger: 413).
    public var maxBodyBytes: Int
    /// The largest 837 file `POST /v1/batch` reads, in bytes.
    public var maxBatchBytes: Int
    /// The base of canonical URLs in FHIR answers (Questionnaire links); default `http://host:port`.
    public var publicBaseURL: String?
    /// Timeouts and the connection cap.
    public var connectionLimits: ConnectionLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKeys: APIKeys? = nil, maxBodyBytes: Int = 1 << 20,
                maxBatchBytes: Int = 64 << 20, publicBaseURL: String? = nil, connectionLimits: ConnectionLimits = ConnectionLimits()) {
        self.connectionLimits = connectionLimits
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchBytes = maxBatchBytes
        self.publicBaseURL = publicBaseURL
    }

    var baseURL: String { publicBaseURL ?? "http://\(host):\(port)" }
}

/// The medpolicy HTTP service: the JSON API, CDS Hooks (Da Vinci CRD), FHIR PAS and DTR, health
/// and metrics, over one adjudicator (engine plus optional history store).
public struct ServerApplication: Sendable {
    public let settings: ServerSettings
    public let adjudicator: Adjudicator
    public let codeSets: LoadedCodeSets
    public let metrics: ServerMetrics
    public let logger: Logger
    /// Today's date for orders without a date (the server reads the clock; the engine never does).
    let today: @Sendable () -> LocalDate

    public init(settings: ServerSettings, adjudicator: Adjudicator, codeSets: LoadedCodeSets,
                metrics: ServerMetrics = ServerMetrics(), logger: Logger,
                today: @escaping @Sendable () -> LocalDate = { LocalDate.today(in: .current) }) {
        self.settings = settings
        self.adjudicator = adjudicator
        self.codeSets = codeSets
        self.metrics = metrics
        self.logger = logger
        self.today = today
    }

    /// The router with every route.
    func router() -> Router<ServerContext> {
        // HEAD on every GET route answers as GET does, without the body.
        let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: AccessMiddleware(apiKeys: settings.apiKeys, metrics: metrics, logger: logger))
        addOperationalRoutes(to: router)
        addAPIRoutes(to: router)
        addFHIRRoutes(to: router)
        do {
            try WorkbenchPage(payers: adjudicator.evaluator.context.library.payers).add(to: router)
        } catch {
            preconditionFailure("the workbench template Resources/Workbench/workbench.mustache does not parse: \(error)")
        }
        return router
    }

    /// Runs until SIGTERM or SIGINT, then stops taking connections, finishes the requests in flight
    /// and closes the history store. `onRunning` receives the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let limits = settings.connectionLimits
        let openConnections = OpenConnections(limit: limits.maxConnections)
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(limits: limits, openConnections: openConnections,
                                                        maxHeadBytes: decoder.maxHeaderListSize)],
            idleTimeout: TimeAmount(limits.idleTimeout), httpDecoderConfiguration: decoder)
        let app = Application(
            router: router(),
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "medpolicy"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            try? await adjudicator.history?.close()
            throw error
        }
        try await adjudicator.history?.close()
    }

    // MARK: - Operational routes

    private func addOperationalRoutes(to router: Router<ServerContext>) {
        router.get("/health") { _, _ in
            Self.json(#"{"status":"ok"}"#)
        }
        router.get("/metrics") { [metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
    }

    // MARK: - JSON API

    private func addAPIRoutes(to router: Router<ServerContext>) {
        router.post("/v1/determinations") { request, context in
            try await determinations(request, context)
        }
        router.post("/v1/batch") { request, context in
            try await batch(request, context)
        }
        router.post("/v1/extract") { request, context in
            try await extract(request, context)
        }
        router.post("/v1/claims/837") { request, context in
            try await claim837(request, context)
        }
        router.get("/v1/policies") { _, _ in
            let library = adjudicator.evaluator.context.library
            return try Self.json(encodable: library.policies.map { PolicyDocument($0, detailed: false) })
        }
        router.get("/v1/policies/**") { _, context in
            // The id's slash may come as is (two segments) or percent-encoded (one).
            let raw = context.parameters.getCatchAll().joined(separator: "/")
            let id = raw.removingPercentEncoding ?? raw
            guard let policy = adjudicator.evaluator.context.library.policy(id: id) else {
                throw Problem(.notFound, detail: "no policy '\(id)'")
            }
            return try Self.json(encodable: PolicyDocument(policy, detailed: true))
        }
        router.get("/v1/codes/{code}") { request, context in
            // Percent-decoded as /v1/policies/{id} is (M79%2E18 is M79.18).
            let raw = try context.parameters.require("code")
            let code = raw.removingPercentEncoding ?? raw
            var date: LocalDate?
            if let text = try Self.query(request, "date") {
                guard let parsed = LocalDate(String(text)) else {
                    throw Problem(.badRequest, detail: "date: expected YYYY-MM-DD, got '\(text)'")
                }
                date = parsed
            }
            do {
                return try Self.json(encodable: CodeLookup.lookUp(code, on: date, in: codeSets))
            } catch let error as WorkflowError {
                guard case .badInput(let message) = error else { throw Problem.internalFailure(error.description) }
                throw Problem(.notFound, detail: message)
            }
        }
    }

    /// `POST /v1/determinations[?payer=ID|payers=all][&record=false]`.
    private func determinations(_ request: Request, _ context: ServerContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let allPayers: Bool
        switch try Self.query(parameters, "payers") {
        case nil: allPayers = false
        case "all": allPayers = true
        case let other?: throw Problem(.badRequest, detail: "payers: expected 'all', got '\(other)'")
        }
        let payer = try Self.query(parameters, "payer")
        if allPayers, payer != nil { throw Problem(.badRequest, detail: "payer and payers=all cannot be used together") }
        let record: Bool
        switch try Self.query(parameters, "record") {
        case nil, "true": record = true
        case "false": record = false
        case let other?: throw Problem(.badRequest, detail: "record: expected true or false, got '\(other)'")
        }
        let encounter = try await encounter(in: request)
        let decision = try await decide(encounter, payer: payer, allPayers: allPayers, dryRun: !record)
        var response = allPayers ? try Self.json(encodable: decision.determinations) : try Self.json(encodable: decision.determinations[0])
        response.headers[Self.recordedHeader] = decision.recorded ? "true" : "false"
        response.headers[Self.replayedHeader] = decision.replayed ? "true" : "false"
        return response
    }

    /// Decides through the adjudicator, counting outcomes and mapping refusals to problems.
    /// The encounter (Contract 1) a request's body carries, within the body limit; a 422 problem otherwise.
    func encounter(in request: Request) async throws -> Encounter {
        let body = try await Self.body(of: request, limit: settings.maxBodyBytes)
        do {
            return try EncounterReader.decode(Data(buffer: body, byteTransferStrategy: .noCopy))
        } catch {
            throw Problem.invalid(error, what: "encounter")
        }
    }

    func decide(_ encounter: Encounter, payer: String? = nil, allPayers: Bool = false, dryRun: Bool) async throws -> Adjudicator.Decision {
        do {
            let decision = try await adjudicator.decide(encounter, payer: payer, allPayers: allPayers, dryRun: dryRun)
            for determination in decision.determinations {
                metrics.recordDetermination(payer: determination.payer, outcome: determination.outcome,
                                           knownPayers: adjudicator.evaluator.context.library.payers)
            }
            return decision
        } catch .badInput(let message) {
            throw Problem(.badRequest, detail: message)
        } catch .history(let error) {
            throw Problem.history(error)
        } catch .internalFailure(let message) {
            logger.error("history store failure")  // the message may quote claim content: not logged
            throw Problem.internalFailure(message)
        }
    }

    static let recordedHeader = HTTPField.Name("Medpolicy-Recorded")!
    static let replayedHeader = HTTPField.Name("Medpolicy-Replayed")!

    // MARK: - Shared pieces

    /// The value of query parameter `name`, nil when absent. Given more than once
    /// (`?payer=a&payer=b`) it is refused rather than one of the values silently taken.
    static func query(_ request: Request, _ name: String) throws -> String? {
        try query(request.uri.queryParameters, name)
    }

    /// One query parameter of a query already parsed (Hummingbird parses it again on every
    /// `queryParameters`), refusing a repeated one with 400.
    static func query(_ parameters: Parameters, _ name: String) throws -> String? {
        let values = parameters.getAll(name)
        guard values.count <= 1 else {
            throw Problem(.badRequest, detail: "\(name): given \(values.count) times; give it at most once")
        }
        return values.first
    }

    /// The request body, refusing more than `limit` bytes with 413.
    static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw Problem(.contentTooLarge, detail: "the request body is larger than the \(limit)-byte limit")
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(encodable value: T, status: HTTPResponse.Status = .ok, contentType: String = "application/json") throws -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: try CanonicalJSON.encode(value))))
    }
}
