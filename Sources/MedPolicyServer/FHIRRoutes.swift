import Foundation
import HTTPTypes
import Hummingbird
import History
import FHIRInterchange
import Interchange
import Model
import NIOCore
import Policies

/// A FHIR or CDS Hooks request that cannot be read, answered as a FHIR `OperationOutcome`
/// (`application/fhir+json`) with the FHIRPath-like location of the problem.
struct OperationOutcomeError: HTTPResponseError {
    let status: HTTPResponse.Status
    let issue: FHIRIssue

    /// The FHIR issue-type code for the status.
    private var issueType: String {
        switch status {
        case .notFound: "not-found"
        case .conflict: "conflict"
        case .contentTooLarge: "too-long"
        case .serviceUnavailable: "transient"
        case .internalServerError: "exception"
        default: "invalid"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var members: [(key: String, value: JSONValue)] = [
            (key: "severity", value: .string("error")),
            (key: "code", value: .string(issueType)),
            (key: "diagnostics", value: .string(issue.description)),
        ]
        if !issue.location.isEmpty { members.append((key: "expression", value: .array([.string(issue.location)]))) }
        let issueValue: JSONValue = .object(members)
        let outcome: JSONValue = .object([(key: "resourceType", value: .string("OperationOutcome")), (key: "issue", value: .array([issueValue]))])
        return ServerApplication.fhir(outcome, status: status)
    }
}

extension ServerApplication {
    /// CDS Hooks (Da Vinci CRD), PAS `Claim/$submit` and DTR questionnaires. Order-time and
    /// prior-authorization questions are decided with the member's history but never recorded as
    /// claims: neither is one. An approved PAS request is recorded as a prior authorization, which
    /// CRD then reports as satisfying the order and a claim is checked against.
    func addFHIRRoutes(to router: Router<ServerContext>) {
        router.get("/cds-services") { _, _ in
            Self.json(FHIRJSONWriter.string(CRDService.discoveryDocument()))
        }
        router.post("/cds-services/{id}") { request, context in
            let id = try context.parameters.require("id")
            guard let service = CRDService(serviceId: id) else {
                throw Problem(.notFound, detail: "no CDS service '\(id)' (see GET /cds-services)")
            }
            let body = try await Self.body(of: request, limit: settings.maxBodyBytes)
            let hookRequest: CRDRequest
            do {
                hookRequest = try CRDRequest(json: Data(buffer: body, byteTransferStrategy: .noCopy))
            } catch let error as FHIRIssue {
                throw Problem(.badRequest, title: "Invalid CDS Hooks request", detail: error.description)
            }
            guard hookRequest.hook == service else {
                throw Problem(.badRequest, detail: "hook: this service answers '\(service.hook)', the request is '\(hookRequest.hook.hook)'")
            }
            var results: [(order: CRDOrder, determination: Determination?)] = []
            var authorizations: [String: CRDPriorAuthorization] = [:]
            for order in hookRequest.orders(today: today()) {
                guard var encounter = order.encounter else {
                    results.append((order, nil))
                    continue
                }
                var determination = try await decide(encounter, dryRun: true).determinations.first
                if let policy = determination?.policy.flatMap({ adjudicator.evaluator.context.library.policy(id: $0.id) }),
                   policy.rules.contains(where: { $0.atClaim == .authorization }) {
                    // An approved authorization on file that covers the order satisfies it: the order
                    // is decided on the clinical facts the authorization was granted on.
                    if let onFile = try await authorization(covering: encounter) {
                        encounter.clinical = onFile.clinical
                        determination = try await decide(encounter, dryRun: true).determinations.first
                        authorizations[order.assertionId] = .satisfied(number: onFile.number)
                    } else {
                        authorizations[order.assertionId] = .required
                    }
                }
                results.append((order, determination))
            }
            let base = settings.baseURL
            let answer = CRD.response(for: results, questionnaireBase: base + "/fhir", policyURL: { "\(base)/v1/policies/\($0)" },
                                      priorAuthorization: { authorizations[$0.assertionId] ?? .notRequired })
            return Self.json(FHIRJSONWriter.string(answer))
        }
        router.post("/fhir/Claim/$submit") { request, _ in
            // Every refusal of a PAS request is an OperationOutcome, whichever layer refuses.
            do {
                return try await priorAuthorization(request)
            } catch let problem as Problem {
                throw OperationOutcomeError(status: problem.status, issue: FHIRIssue(location: "", message: problem.detail))
            }
        }
        router.get("/fhir/Questionnaire/{id}") { _, context in
            let id = try context.parameters.require("id")
            let library = adjudicator.evaluator.context.library
            guard let policy = library.policies.first(where: { DTR.questionnaireId(policyId: $0.id) == id }) else {
                throw OperationOutcomeError(status: .notFound, issue: FHIRIssue(
                    location: "Questionnaire/\(id)",
                    message: "no questionnaire (known: \(library.policies.map { DTR.questionnaireId(policyId: $0.id) }.joined(separator: ", ")))"))
            }
            return Self.fhir(DTR.questionnaire(for: policy, canonicalBase: settings.baseURL + "/fhir"))
        }
    }

    /// `POST /fhir/Claim/$submit`: a PAS request decided (never recorded as a claim); an approval
    /// is recorded as a prior authorization.
    private func priorAuthorization(_ request: Request) async throws -> Response {
        let body = try await Self.body(of: request, limit: settings.maxBodyBytes)
        let submission: PASRequest
        do {
            submission = try PASRequest(json: Data(buffer: body, byteTransferStrategy: .noCopy))
        } catch {  // PASRequest throws FHIRIssue only
            throw OperationOutcomeError(status: .badRequest, issue: error)
        }
        guard let determination = try await decide(submission.encounter, dryRun: true).determinations.first else {
            throw Problem.internalFailure("no determination was made")
        }
        let created = ISO8601DateFormatter().string(from: Date())
        // An approved (or partly approved) request is an authorization a later claim is held to.
        if let history = adjudicator.history,
           let authorization = PAS.authorization(for: determination, request: submission, issued: today()) {
            do {
                try await history.record(authorizations: [authorization])
            } catch let error as HistoryError {
                throw Problem.history(error)
            }
        }
        return Self.fhir(PAS.responseBundle(for: determination, request: submission, created: created))
    }

    /// The latest-issued approved authorization on file for the encounter's member and payer that
    /// covers every line's code on its date of service; nil without a history store.
    func authorization(covering encounter: Encounter) async throws -> Authorization? {
        guard let history = adjudicator.history else { return nil }
        let onFile: [Authorization]
        do {
            onFile = try await history.authorizations(member: encounter.member.id, payer: encounter.coverage.payer)
        } catch let error as HistoryError {
            throw Problem.history(error)
        }
        return onFile.filter { authorization in
            encounter.lines.allSatisfy { authorization.item(code: $0.code, on: encounter.dateOfService) != nil }
        }.max { $0.issued < $1.issued }
    }

    static func fhir(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/fhir+json"],
                 body: .init(byteBuffer: ByteBuffer(data: FHIRJSONWriter.data(value))))
    }
}
