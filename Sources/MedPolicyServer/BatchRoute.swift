import Foundation
import HTTPTypes
import Hummingbird
import Interchange
import Model
import NIOCore
import Workflows

extension ServerApplication {
    /// `POST /v1/batch[?payer=ID][&format=x12|json]`: an 837P file in the body, adjudicated (and
    /// recorded, with a history store) claim by claim; answered with the 835 (one interchange per
    /// payer) or, with `format=json` or `Accept: application/json`, every determination and the summary.
    func batch(_ request: Request, _ context: ServerContext) async throws -> Response {
        let payer = try Self.query(request, "payer")
        let wantsJSON: Bool
        switch try Self.query(request, "format") {
        case "json": wantsJSON = true
        case "x12": wantsJSON = false
        case nil: wantsJSON = request.headers[.accept]?.contains("application/json") == true
        case let other?: throw Problem(.badRequest, detail: "format: expected x12 or json, got '\(other)'")
        }
        do {
            try adjudicator.evaluator.requireKnown(payer: payer)
        } catch {
            throw Problem(.badRequest, detail: error.description)
        }
        let body = try await Self.body(of: request, limit: settings.maxBatchBytes)
        let reader = X12Reader837(bytes: Array(buffer: body), payerOverride: payer)
        let remittances = Remittance835Stream(
            writer: Remittance835Writer(settings: ClaimFileAdjudication.remittanceSettings(
                adjudicator.evaluator.context.library.payers, productionDate: today())),
            firstControlNumber: 1)
        let adjudication = ClaimFileAdjudication(evaluator: adjudicator.evaluator, history: adjudicator.history, remittances: remittances)
        var determinations: [Determination] = []
        do {
            try await adjudication.run(reader, issued: { determination in
                metrics.recordDetermination(payer: determination.payer, outcome: determination.outcome,
                                           knownPayers: adjudicator.evaluator.context.library.payers)
                if wantsJSON { determinations.append(determination) }
            })
        } catch let error as WorkflowError {
            switch error {
            case .history(let refusal): throw Problem.history(refusal)
            case .badInput(let message): throw Problem(.unprocessableContent, title: "Invalid 837", detail: message)
            case .internalFailure(let message): throw Problem.internalFailure(message)
            }
        }
        let output = X12Output()
        do { try adjudication.finishRemittances(into: output) } catch {
            throw Problem.internalFailure("\(error)")
        }
        let statistics = adjudication.statistics
        if let nothingRead = statistics.nothingReadMessage {
            throw Problem(.unprocessableContent, title: "Invalid 837", detail: nothingRead)
        }
        if wantsJSON {
            struct Answer: Encodable {
                let determinations: [Determination]
                let summary: BatchStatistics
            }
            return try Self.json(encodable: Answer(determinations: determinations, summary: statistics))
        }
        var response = Response(status: .ok, headers: [.contentType: "application/edi-x12"],
                                body: .init(byteBuffer: ByteBuffer(bytes: output.bytes)))
        response.headers[Self.claimsHeader] = String(statistics.claims)
        response.headers[Self.unremittedHeader] = String(statistics.unremitted)
        response.headers[Self.problemsHeader] = String(statistics.claimProblemCount)
        return response
    }

    static let claimsHeader = HTTPField.Name("Medpolicy-Claims")!
    static let unremittedHeader = HTTPField.Name("Medpolicy-Unremitted")!
    static let problemsHeader = HTTPField.Name("Medpolicy-Claim-Problems")!
}
