import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Authenticates, times, logs and counts every request, and turns every error into a problem
/// response, so that no error text (which may quote request content) reaches a log.
///
/// The access log line holds the method, the route *template* (`/v1/codes/{code}`, never the path
/// or query as sent), the status, the duration and the client name: no member ids, names or birth
/// dates, whatever the request carried.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    let apiKeys: APIKeys?
    let metrics: ServerMetrics
    let logger: Logger
    /// Paths answered without a key: liveness, metrics, the API description, and the workbench
    /// page with its script and style sheet (no claim data: the page's API calls carry the key).
    static let openPaths: Set<String> = Set(["/health", "/metrics", "/openapi.json"]).union(WorkbenchPage.paths)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let began = ContinuousClock.now
        var context = context
        let response: Response
        do {
            try authenticate(request, &context)
            response = try await next(request, context)
        } catch let problem as Problem {
            response = try problem.response(from: request, context: context)
        } catch let error as OperationOutcomeError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            // Hummingbird's own errors (404 no route, 405): their messages carry no request content.
            let status = error.status
            response = try Problem(status, detail: status == .notFound ? "no such resource" : status.reasonPhrase)
                .response(from: request, context: context)
        } catch {
            response = try Problem.internalFailure("internal error").response(from: request, context: context)
            logger.error("internal error", metadata: ["route": .string(context.endpointPath ?? "unmatched"), "error.type": .string(String(describing: type(of: error)))])
        }
        let duration = ContinuousClock.now - began
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, status: response.status.code, duration: duration)
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(response.status.code),
            "ms": .string(String(format: "%.3f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)),
            "client": .string(context.client ?? "-"),
        ])
        return response
    }

    private func authenticate(_ request: Request, _ context: inout Context) throws {
        guard let apiKeys, !Self.openPaths.contains(request.uri.path) else { return }
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer realm=\"medpolicy\""]
        guard let header = request.headers[.authorization] else {
            throw Problem(.unauthorized, detail: "an API key is required: Authorization: Bearer <key>", headers: challenge)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", let client = apiKeys.client(presenting: parts[1]) else {
            throw Problem(.unauthorized, detail: "the API key is not valid", headers: challenge)
        }
        context.client = client
    }
}
