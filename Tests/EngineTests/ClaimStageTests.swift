import Foundation
import Testing
import Model
import Engine

/// Issue 19: a submitted claim (stage `claim`) carries no clinical record. Criteria rules declare
/// how they are enforced then (`atClaim`); the shipped policies attest what the claim cannot carry.
@Suite("Claim stage")
struct ClaimStageTests {
    /// The clean encounter without any clinical record, as an 837 gives it.
    func withoutRecord(_ payer: Payer, stage: AdjudicationStage?) -> Encounter {
        cleanEncounter(payer).with { $0.clinical = nil; $0.procedure = nil; $0.stage = stage }
    }

    /// Harvard Pilgrim's clinical criteria are met by a prior authorization instead (ClaimAuthorizationTests).
    @Test(arguments: Payer.allCases.filter { $0 != .harvardPilgrim })
    func attestedCriteriaPayAtClaim(_ payer: Payer) throws {
        let determination = try evaluate(withoutRecord(payer, stage: .claim))
        #expect(determination.outcome == .approved, "\(payer): \(determination.lines.flatMap(\.reasons).map(\.message))")
        #expect(determination.stage == .claim)
        let attested = try #require(determination.documentation.attested)
        #expect(!attested.isEmpty)
        #expect(attested.allSatisfy { $0.carc == nil && $0.citation != nil && $0.message.hasPrefix("Attested by the claim") })
        #expect(determination.lines[0].attested == attested.map(\.rule))
        #expect(!(determination.documentation.auditRequests ?? []).isEmpty)
        #expect(determination.documentation.requests.isEmpty)  // nothing is asked before payment
    }

    @Test(arguments: Payer.allCases)
    func theSameClaimPendsBeforeSubmission(_ payer: Payer) throws {
        for stage in [nil, AdjudicationStage.preSubmission, .preService] {
            let determination = try evaluate(withoutRecord(payer, stage: stage))
            #expect(determination.outcome == .pended, "\(payer) \(String(describing: stage))")
            #expect(determination.documentation.attested == nil)
            #expect(determination.lines[0].attested == nil)
            #expect(determination.lines[0].reasons.contains { $0.carc == "252" })
        }
        #expect(try evaluate(withoutRecord(payer, stage: nil)).stage == nil)
        #expect(try evaluate(withoutRecord(payer, stage: .preService)).stage == .preService)
    }

    @Test func aCriterionDocumentedAsNotMetStillDeniesAtClaim() throws {
        let encounter = cleanEncounter(.floridaBlue).with { $0.stage = .claim }
            .clinical { $0.findings?.tautBand = false }
        let determination = try evaluate(encounter)
        #expect(determination.outcome == .denied)
        #expect(determination.lines[0].reasons.contains { $0.rule == "fb.taut-band-tenderness" && $0.carc == "50" })
    }

    @Test func codeCheckableRulesDecideAtClaimAsBefore() throws {
        // A diagnosis Florida Blue does not list is denied at every stage.
        let encounter = withoutRecord(.floridaBlue, stage: .claim).with { $0.diagnoses = ["J45.909"] }
        let determination = try evaluate(encounter)
        #expect(determination.outcome == .denied)
        #expect(determination.lines[0].reasons.contains { $0.rule == "fb.diagnosis" && $0.carc == "11" })
    }

    @Test func aFullyDocumentedClaimAttestsNothing() throws {
        let determination = try evaluate(cleanEncounter(.floridaBlue).with { $0.stage = .claim })
        #expect(determination.outcome == .approved)
        #expect(determination.documentation.attested == nil)
        #expect(determination.lines[0].attested == nil)
    }

    @Test func stageIsReadAndWrittenInContract1() throws {
        let json = #"{"id":"C","member":{"id":"M"},"coverage":{"payer":"aetna"},"dateOfService":"2025-09-10","lines":[{"code":"20552"}],"stage":"claim"}"#
        let encounter = try EncounterReader.decode(Data(json.utf8))
        #expect(encounter.stage == .claim)
        #expect(String(decoding: try CanonicalJSON.encode(encounter), as: UTF8.self).contains(#""stage":"claim""#))
        let bad = json.replacingOccurrences(of: #""stage":"claim""#, with: #""stage":"paid""#)
        #expect(throws: InputErrors.self) { try EncounterReader.decode(Data(bad.utf8)) }
    }
}
