import FHIRInterchange
import Foundation
import Interchange
import Model
import TestSupport
import Testing

// PAS requests as the IG shapes them, and what its profiles require of the response (issue 25,
// items 13–15), from the element names of the IG's ClaimResponse.fsh and CommunicationRequest.fsh.

private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

@Suite("PAS: IG-shaped requests and IG-conformant responses")
struct PASShapeTests {
    /// The florida-blue-pended example as a PAS request naming its provider and a care team.
    static func request(_ example: String) throws -> (PASRequest, Determination) {
        let encounter = try Repository.example(example)
        let bundle = PAS.requestBundle(for: encounter)
            .setting(["entry", 0, "resource", "provider"], to: try json(#"{"reference": "Organization/clinic-1", "display": "Clinic"}"#))
            .setting(["entry", 0, "resource", "careTeam"], to: try json(#"[{"sequence": 1, "provider": {"reference": "Practitioner/dr-2"}}]"#))
            .setting(["entry", 0, "resource", "item", 0, "careTeamSequence"], to: try json("[1]"))
        let request = try PASRequest(json: FHIRJSONWriter.data(bundle))
        return (request, try Repository.evaluator.get().evaluate(request.encounter, priorServices: encounter.history))
    }

    @Test("item 13: a pended request is outcome complete, items A4; never queued")
    func pendedIsComplete() throws {
        let (request, determination) = try Self.request("florida-blue-pended")
        #expect(determination.outcome == .pended)
        let response = try #require(PAS.responseBundle(for: determination, request: request, created: "2025-09-01T10:00:00Z")["entry", 0, "resource"])
        #expect(response["outcome"]?.stringValue == "complete")
        for outcome in [Outcome.approved, .denied, .partial, .pended, .notApplicable] {
            #expect(["complete", "error", "partial"].contains(PAS.outcomeCode(for: outcome)))
        }
    }

    @Test("item 14: one CommunicationRequest per document: identifier, one payload with the LOINC code, requester and recipient")
    func communicationRequests() throws {
        let (request, determination) = try Self.request("florida-blue-pended")
        let bundle = PAS.responseBundle(for: determination, request: request, created: "2025-09-01T10:00:00Z")
        let communications = (bundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
            .filter { $0["resourceType"]?.stringValue == "CommunicationRequest" }
        let documents = determination.documentation.requests.filter { $0.loinc != nil }
        #expect(communications.count == documents.count && !documents.isEmpty)
        var identifiers: Set<String> = []
        for (communication, document) in zip(communications, documents) {
            #expect(communication["status"]?.stringValue == "active")
            #expect(communication["payload"]?.arrayValue.count == 1)
            #expect(communication["payload", 0, "contentString"]?.stringValue == document.loinc)
            if let timeFrame = document.timeFrame {
                #expect(communication["payload", 0].map { $0.subExtensions("http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-contentModifier") }?
                    .first?["valueCodeableConcept", "coding", 0, "code"]?.stringValue == timeFrame)
            }
            identifiers.insert(communication["identifier", 0, "value"]?.stringValue ?? "")
            #expect(communication["requester"] == request.insurer)
            #expect(communication["recipient", 0, "reference"]?.stringValue == "Organization/clinic-1")
            #expect(communication["reasonCode", 0, "text"]?.stringValue == document.name)
        }
        #expect(identifiers.count == communications.count && !identifiers.contains(""))
    }

    @Test("item 15: identifier, requestor and the certified item's authorized provider come from the request")
    func mustSupportFromTheRequest() throws {
        let (request, determination) = try Self.request("truecare-approved")
        #expect(determination.outcome == .approved)
        let response = try #require(PAS.responseBundle(for: determination, request: request, created: "2025-09-01T10:00:00Z")["entry", 0, "resource"])
        #expect(response["identifier"] == request.claimIdentifiers && response["identifier"] != nil)
        #expect(response["requestor", "reference"]?.stringValue == "Organization/clinic-1")
        let authorized = response["item", 0].map { $0.subExtensions("http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemAuthorizedProvider") } ?? []
        #expect(authorized.first?.subExtensions("provider").first?["valueReference", "reference"]?.stringValue == "Practitioner/dr-2")
        // A denied item names no authorized provider.
        let (deniedRequest, denied) = try Self.request("florida-blue-denied")
        let deniedResponse = PAS.responseBundle(for: denied, request: deniedRequest, created: "2025-09-01T10:00:00Z")
        #expect(deniedResponse["entry", 0, "resource", "item", 0, "extension"] == nil)
    }
}
