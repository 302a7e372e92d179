import CodeSets
import Foundation
import HTTPTypes
import Hummingbird
import Interchange
import Model
import NIOCore
import NoteIntake

extension ServerApplication {
    /// The drug table the note reader maps medications through, read once for the process.
    private static let drugTable = Result { try DrugTable.loadBundled() }

    /// `POST /v1/extract[?date=YYYY-MM-DD][&payer=ID]`: a plain-text note in the body, answered with
    /// what `medpolicy extract --format json` prints (draft encounter, evidence spans, questions).
    ///
    /// A note with no recognizable clinical content (for instance one in another language) is
    /// refused with 422, as the command refuses it with exit status 2: an empty draft would leave
    /// the coder typing the encounter by hand with nothing to say why.
    func extract(_ request: Request, _ context: ServerContext) async throws -> Response {
        let query = request.uri.queryParameters
        var dateOfService: LocalDate?
        if let text = query["date"] {
            guard let parsed = LocalDate(String(text)) else {
                throw Problem(.badRequest, detail: "date: expected YYYY-MM-DD, got '\(text)'")
            }
            dateOfService = parsed
        }
        let payer = query["payer"].map(String.init)
        do {
            try adjudicator.evaluator.requireKnown(payer: payer)
        } catch {
            throw Problem(.badRequest, detail: "payer: \(error.description)")
        }
        // The smaller of the server's body limit and the reader's own note limit, so that both
        // refusals of a note too large are the same 413.
        let limit = min(settings.maxBodyBytes, NoteExtractor.byteLimit)
        let body = try await Self.body(of: request, limit: limit)
        let drugs: DrugTable
        do { drugs = try Self.drugTable.get() } catch {
            throw Problem.internalFailure("cannot load the bundled drug table")
        }
        let extractor = NoteExtractor(muscles: codeSets.muscles, icd10: codeSets.icd, codes: codeSets.tables, drugs: drugs)
        let extraction: NoteExtraction
        do {
            extraction = try extractor.extract(data: Data(buffer: body, byteTransferStrategy: .noCopy),
                                               dateOfService: dateOfService, payer: payer)
        } catch {
            if case .tooLarge = error {
                throw Problem(.contentTooLarge, title: "Note too large", detail: "note: \(error.description)")
            }
            throw Problem(.unprocessableContent, title: "Unreadable note", detail: "note: \(error.description)")
        }
        return try Self.json(encodable: extraction)
    }

    /// `POST /v1/claims/837`: an encounter (Contract 1) in the body, answered with the 837P
    /// interchange `Encounter837Writer` makes of it (placeholder parties, usage `T`).
    func claim837(_ request: Request, _ context: ServerContext) async throws -> Response {
        let encounter = try await encounter(in: request)
        let bytes: [UInt8]
        do {
            bytes = try Encounter837Writer().bytes(for: encounter, creationDate: today())
        } catch {
            throw Problem.invalid(error, what: "encounter for an 837P")
        }
        var headers: HTTPFields = [.contentType: "application/edi-x12"]
        headers[.contentDisposition] = "attachment; filename=\"\(Self.fileName(for: encounter.id)).837\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A claim id made safe for a file name (letters, digits, dot, dash, underscore).
    static func fileName(for id: String) -> String {
        let kept = id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_" }
        let name = String(kept)
        return name.isEmpty ? "claim" : name
    }
}
