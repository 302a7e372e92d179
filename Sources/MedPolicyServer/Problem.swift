import Foundation
import HTTPTypes
import History
import Hummingbird
import Model
import NIOCore

/// An error answered as RFC 9457 `application/problem+json`: a status, a title, the located
/// message, and for contract violations every located error (`errors: [{path, message}]`).
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String
    public let errors: [LocatedError]
    /// Extra headers, such as `WWW-Authenticate` on a 401.
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, title: String? = nil, detail: String, errors: [LocatedError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// A located contract violation (HTTP 422), one entry per error.
    public static func invalid(_ errors: InputErrors, what: String) -> Problem {
        Problem(.unprocessableContent, title: "Invalid \(what)", detail: errors.description, errors: errors.errors)
    }

    /// A failure on the server's side (a history store that cannot serve, a failure of medpolicy
    /// itself): 503, the one status for it, as the OpenAPI document and the README say.
    public static func internalFailure(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, detail: detail)
    }

    /// A history store's refusal: 409 when the claim conflicts with what is recorded (a different
    /// claim under a recorded id, a replacement of a claim not current or not recorded), 503 when the
    /// store itself cannot serve (unreachable, read-only, closed, not medpolicy's, newer schema).
    public static func history(_ error: HistoryError) -> Problem {
        switch error {
        case .conflictingResubmission, .unknownReplacedClaim, .replacedClaimNotCurrent, .replacedClaimOfAnotherMember,
             .authorizationOfAnotherMember:
            return Problem(.conflict, detail: "history: \(error.description)")
        case .unstorableText:
            return Problem(.unprocessableContent, detail: "history: \(error.description)")
        case .notOurDatabase, .newerSchema, .readOnly, .unreachable, .invalidLocation, .closed, .storage:
            return Problem(.serviceUnavailable, detail: "history: \(error.description)")
        }
    }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let errors: [LocatedError]?
    }

    /// The problem+json document.
    func bodyBytes() -> [UInt8] {
        let body = Body(type: "about:blank", title: title, status: status.code, detail: detail, errors: errors.isEmpty ? nil : errors)
        // Strings, numbers and located errors only: encoding cannot fail.
        return (try? CanonicalJSON.encode(body)) ?? Array(#"{"status":\#(status.code)}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bodyBytes())))
    }
}

extension LocatedError: Encodable {
    enum CodingKeys: String, CodingKey { case path, message }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(message, forKey: .message)
    }
}
