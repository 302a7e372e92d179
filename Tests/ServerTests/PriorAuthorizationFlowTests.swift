import FHIRInterchange
import Foundation
import History
import Interchange
import Model
import Testing

/// Issue 19, end to end through the running server: CRD says a Harvard Pilgrim TPI needs prior
/// authorization; DTR serves the questionnaire; PAS `Claim/$submit` with the QuestionnaireResponse
/// is approved with a `preAuthRef` and recorded; CRD then finds it satisfied; an 837 carrying the
/// number (REF*G1) through `POST /v1/batch` is paid, and claims without it, with a wrong one or
/// over the authorized units are denied 197, 15 and 198.
@Suite("Prior authorizations end to end")
struct PriorAuthorizationFlowTests {
    typealias Object = [String: Any]

    /// The coverage-information extensions of a CDS Hooks answer, each as url → value.
    static func coverageInformation(_ reply: RunningServer.Reply) -> [[String: String]] {
        (reply.object["systemActions"] as? [Object] ?? []).flatMap { action -> [[String: String]] in
            let resource = action["resource"] as? Object ?? [:]
            return (resource["extension"] as? [Object] ?? []).filter {
                $0["url"] as? String == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
            }.map { info in
                var parts: [String: String] = [:]
                for part in info["extension"] as? [Object] ?? [] {
                    guard let url = part["url"] as? String else { continue }
                    parts[url] = (part["valueCode"] ?? part["valueString"] ?? part["valueCanonical"]).map { "\($0)" }
                }
                return parts
            }
        }
    }

    static func batch(_ server: RunningServer, _ claim: Encounter) async throws -> Determination {
        let file = try Encounter837Writer().bytes(for: claim, creationDate: LocalDate("2025-10-01")!)
        let reply = try await server.send("POST", "/v1/batch?format=json", body: Data(file), contentType: "application/edi-x12")
        #expect(reply.status == 200, "\(reply.text)")
        struct Answer: Decodable { let determinations: [Determination] }
        let answer = try JSONDecoder().decode(Answer.self, from: reply.body)
        return try #require(answer.determinations.first, "\(reply.text)")
    }

    @Test(arguments: ["sqlite", "postgres"])
    func crdDtrPasThenClaims(store: String) async throws {
        let path = temporaryFile("authorizations.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history: any HistoryStore
        if store == "sqlite" {
            history = try await HistoryStores.openSQLite(path: path)
        } else {
            guard let url = try postgresURL("pa") else { return }
            history = try await HistoryStores.openPostgres(url: url)
        }
        let server = try await RunningServer.start(history: history, today: LocalDate("2025-09-10")!)
        do {
            // The planned service: the Harvard Pilgrim example, for a member of this test, on 2025-09-15.
            var planned = try EncounterReader.decode(try example("harvard-pilgrim-approved.json"))
            planned.id = "PAREQ-1"
            planned.member.id = "M-PA-1"
            planned.dateOfService = LocalDate("2025-09-15")!

            // 1. CRD order-sign: an order carries no clinical record; the policy needs an authorization.
            let order = CRD.requestData(for: planned, hook: .orderSign, hookInstance: "pa-flow-1")
            let first = try await server.send("POST", "/cds-services/medpolicy-order-sign", body: order)
            #expect(first.status == 200, "\(first.text)")
            let needed = try #require(Self.coverageInformation(first).first, "\(first.text)")
            #expect(needed["pa-needed"] == "auth-needed")
            #expect(needed["satisfied-pa-id"] == nil)
            #expect(needed["doc-purpose"] == "withpa")
            let questionnaire = try #require(needed["questionnaire"])

            // 2. DTR: the questionnaire the coverage information names.
            let questionnaireId = try #require(questionnaire.split(separator: "/").last.map(String.init))
            let form = try await server.send("GET", "/fhir/Questionnaire/\(questionnaireId)")
            #expect(form.status == 200)
            #expect(form.object["resourceType"] as? String == "Questionnaire")

            // 3. PAS $submit with the QuestionnaireResponse that answers it: approved, with a preAuthRef.
            let bundle = PAS.requestBundle(for: planned)
            #expect(FHIRJSONWriter.string(bundle).contains(#""resourceType":"QuestionnaireResponse""#))
            let pas = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(bundle),
                                            contentType: "application/fhir+json")
            #expect(pas.status == 200, "\(pas.text)")
            let claimResponse = try #require(((pas.object["entry"] as? [Object])?.first?["resource"]) as? Object)
            #expect(claimResponse["outcome"] as? String == "complete")
            let number = try #require(claimResponse["preAuthRef"] as? String, "\(pas.text)")
            #expect(number == "MP-PAREQ-1")

            // Recorded: the member, the approved code and units, the dates, the facts from the QuestionnaireResponse.
            let onFile = try await history.authorizations(member: "M-PA-1", payer: "harvard-pilgrim")
            let authorization = try #require(onFile.first)
            #expect(onFile.count == 1)
            #expect(authorization.number == number)
            #expect(authorization.status == .approved)
            #expect(authorization.issued == LocalDate("2025-09-10")!)
            #expect(authorization.policy == "harvard-pilgrim/trigger-point-injections")
            #expect(authorization.items == [AuthorizedService(code: "20552", units: 1, from: LocalDate("2025-09-15")!,
                                                               to: LocalDate("2025-09-15")!.adding(days: PAS.authorizationDays))])
            #expect(authorization.clinical?.conservativeTherapy?.contains { $0.outcome == .failed } == true)

            // 4. CRD again: the authorization on file satisfies the order.
            let second = try await server.send("POST", "/cds-services/medpolicy-order-sign",
                                               body: CRD.requestData(for: planned, hook: .orderSign, hookInstance: "pa-flow-2"))
            let satisfied = try #require(Self.coverageInformation(second).first, "\(second.text)")
            #expect(satisfied["pa-needed"] == "satisfied")
            #expect(satisfied["satisfied-pa-id"] == number)
            #expect(satisfied["doc-purpose"] == nil)
            #expect(satisfied["questionnaire"] == nil)

            // 5. The claim, as an 837 with REF*G1: decided on the authorization's facts, paid.
            var claim = planned
            claim.id = "CLMPA-1"
            claim.clinical = nil
            claim.priorAuthorization = number
            let paid = try await Self.batch(server, claim)
            #expect(paid.outcome == .approved, "\(paid.lines.flatMap(\.reasons).map(\.message))")
            #expect(paid.stage == .claim)
            #expect(paid.lines[0].authorization == number)
            #expect(paid.lines[0].reasons.contains { $0.message.contains("Prior authorization \(number)") })

            // 6. The same 837 without REF*G1, for a member with no authorization on file: 197.
            var unauthorized = claim
            unauthorized.id = "CLMPA-2"
            unauthorized.member.id = "M-PA-NONE"
            unauthorized.priorAuthorization = nil
            let absent = try await Self.batch(server, unauthorized)
            #expect(absent.outcome == .denied)
            #expect(absent.lines[0].reasons.compactMap(\.carc) == ["197"])

            // 7. A number that is not this member's authorization: 15.
            var wrong = claim
            wrong.id = "CLMPA-3"
            wrong.dateOfService = LocalDate("2025-09-22")!
            wrong.priorAuthorization = "MP-SOMEONE-ELSE"
            let invalid = try await Self.batch(server, wrong)
            #expect(invalid.outcome == .denied)
            #expect(invalid.lines[0].reasons.compactMap(\.carc) == ["15"])

            // 8. Another session under the same authorization: its one unit is used, so 198.
            var again = claim
            again.id = "CLMPA-4"
            again.dateOfService = LocalDate("2025-09-29")!
            let exceeded = try await Self.batch(server, again)
            #expect(exceeded.outcome == .denied)
            #expect(exceeded.lines[0].reasons.compactMap(\.carc) == ["198"])
            #expect(exceeded.lines[0].reasons[0].message.contains("1 used, 0 remain, 1 billed"))
        } catch {
            await server.stop()
            try? await history.close()
            throw error
        }
        await server.stop()
        try await history.close()
    }
}
