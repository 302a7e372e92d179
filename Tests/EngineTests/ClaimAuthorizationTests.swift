import Foundation
import Testing
import Model
@testable import Engine

/// Issue 19: Harvard Pilgrim's clinical criteria are `atClaim: authorization`: a submitted claim
/// is decided on the clinical facts of an approved prior authorization on file, and held to what
/// it authorized (code, units, dates).
@Suite("Claim stage: prior authorizations")
struct ClaimAuthorizationTests {
    /// A Harvard Pilgrim claim as an 837 gives it: no clinical record, no procedure note.
    func claim(number: String? = nil, units: Int = 1, date: String = serviceDate, history: [PriorService]? = nil) -> Encounter {
        cleanEncounter(.harvardPilgrim, date: date).with {
            $0.clinical = nil; $0.procedure = nil; $0.stage = .claim; $0.priorAuthorization = number
            $0.lines = [line("20552", [], units: units, pointers: [1])]
            $0.history = history
        }
    }

    func authorization(_ number: String = "PA-1", member: String = "M1", payer: String = "harvard-pilgrim", units: Int = 3,
                       from: String = "2025-09-01", to: String = "2026-02-28", clinical: Clinical? = cleanClinical()) -> Authorization {
        Authorization(number: number, payer: payer, memberId: member, status: .approved, issued: day(from),
                      policy: Payer.harvardPilgrim.policyId,
                      items: [AuthorizedService(code: "20552", units: units, from: day(from), to: day(to))], clinical: clinical)
    }

    func decide(_ encounter: Encounter, _ authorizations: [Authorization]?) throws -> Determination {
        try Fixture.evaluator().evaluate(encounter, authorizations: authorizations)
    }

    func carcs(_ determination: Determination) -> [String] { determination.lines[0].reasons.compactMap(\.carc) }

    @Test func theNumberedAuthorizationsFactsMeetTheCriteria() throws {
        let determination = try decide(claim(number: "PA-1"), [authorization()])
        #expect(determination.outcome == .approved, "\(determination.lines[0].reasons.map(\.message))")
        #expect(determination.lines[0].authorization == "PA-1")
        #expect(determination.lines[0].reasons.contains { $0.carc == nil && $0.message.contains("Prior authorization PA-1") })
        // Only the site documentation, which the service's own procedure note carries, is attested.
        #expect(determination.lines[0].attested == ["hp.injection-sites-documented"])
    }

    @Test func withoutANumberOneOnFileCoveringTheServiceIsUsedAndSaidSo() throws {
        let determination = try decide(claim(), [authorization("PA-OLD", from: "2025-01-01", to: "2025-06-30"), authorization()])
        #expect(determination.outcome == .approved)
        #expect(determination.lines[0].authorization == "PA-1")
        #expect(determination.lines[0].reasons.contains { $0.message.contains("names no authorization number; used prior authorization PA-1") })
    }

    @Test func noAuthorizationOnFileIsDenied197() throws {
        for onFile in [nil, [], [authorization(member: "M2")], [authorization(payer: "aetna")],
                       [authorization(from: "2025-01-01", to: "2025-06-30")]] as [[Authorization]?] {
            let determination = try decide(claim(), onFile)
            #expect(determination.outcome == .denied)
            #expect(carcs(determination) == ["197"])
            #expect(determination.lines[0].reasons.first?.rarc == ["M62"])
            #expect(determination.lines[0].authorization == nil)
        }
    }

    @Test func aNumberThatDoesNotApplyIsDenied15() throws {
        // Not on file; on file for another member; not for the date of service; not for the code.
        var other = authorization()
        other.items[0].code = "20553"
        for (number, onFile) in [("PA-9", [authorization()]), ("PA-1", [authorization(member: "M2")]),
                                 ("PA-1", [authorization(from: "2025-01-01", to: "2025-06-30")]), ("PA-1", [other])] {
            let determination = try decide(claim(number: number), onFile)
            #expect(determination.outcome == .denied, "\(number)")
            #expect(carcs(determination) == ["15"])
        }
        let outside = try decide(claim(number: "PA-1"), [authorization(from: "2025-01-01", to: "2025-06-30")])
        #expect(outside.lines[0].reasons[0].message.contains("outside"))
    }

    @Test("with no authorizations kept to check against, the claim's number is attested and the line paid")
    func aNumberWithNothingOnFileToCheckIsAttested() throws {
        let determination = try decide(claim(number: "PA-7", units: 1), nil)
        #expect(determination.outcome == .approved, "\(determination.lines[0].reasons.map(\.message))")
        #expect(determination.lines[0].authorization == "PA-7")
        let attested = try #require(determination.documentation.attested)
        #expect(attested.contains { $0.rule == "hp.unresponsive-to-noninvasive" && $0.carc == nil && $0.citation != nil
            && $0.message.contains("prior authorization PA-7") && $0.message.contains("no authorizations of harvard-pilgrim are on file") })
        #expect(determination.lines[0].attested?.contains("hp.unresponsive-to-noninvasive") == true)
        #expect(!(determination.documentation.auditRequests ?? []).isEmpty)
        // Kept but not this number: still 15; kept and none for the member: 15 too.
        #expect(carcs(try decide(claim(number: "PA-7"), [])) == ["15"])
        #expect(carcs(try decide(claim(number: "PA-7"), [authorization()])) == ["15"])
        // Coding edits still decide: 2 units of 20552 are denied 151 whatever the authorization.
        #expect(try decide(claim(number: "PA-7", units: 2), nil).outcome == .denied)
    }

    @Test func unitsAboveWhatRemainsAreDenied198() throws {
        // One unit rendered under the authorization (and one before its dates, which does not count).
        let history = [prior("C-0", "2025-08-01"), prior("C-1", "2025-09-02")]
        var clinical = cleanClinical()
        clinical.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 60, functionalImprovement: true,
                                                                 rangeOfMotionImproved: true)
        let over = try decide(claim(number: "PA-1", history: history), [authorization(units: 1, clinical: clinical)])
        #expect(over.outcome == .denied)
        #expect(carcs(over) == ["198"])
        #expect(over.lines[0].reasons[0].rarc == ["N54"])
        #expect(over.lines[0].reasons[0].message.contains("authorizes 1 unit(s) of 20552 for 2025-09-01 – 2026-02-28; 1 used, 0 remain, 1 billed"))
        // Found without a number, the same count applies.
        #expect(carcs(try decide(claim(history: history), [authorization(units: 1, clinical: clinical)])) == ["198"])
        let within = try decide(claim(number: "PA-1", history: history), [authorization(units: 2, clinical: clinical)])
        #expect(within.outcome == .approved, "\(within.lines[0].reasons.map(\.message))")
        #expect(within.lines[0].authorization == "PA-1")
    }

    @Test func criteriaTheAuthorizationsFactsDoNotMeetFailAsDocumented() throws {
        var clinical = cleanClinical()
        clinical.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-07-01"), end: day("2025-08-20"), outcome: .improved)]
        let determination = try decide(claim(number: "PA-1"), [authorization(clinical: clinical)])
        #expect(determination.outcome == .denied)
        #expect(determination.lines[0].reasons.contains { $0.rule == "hp.unresponsive-to-noninvasive" && $0.carc == "50"
            && $0.message.hasPrefix("Per prior authorization PA-1") })
    }

    @Test func anAuthorizationWithoutTheFactsPendsForReview() throws {
        let determination = try decide(claim(number: "PA-1"), [authorization(clinical: nil)])
        #expect(determination.outcome == .pended)
        #expect(determination.lines[0].reasons.contains { $0.rule == "hp.unresponsive-to-noninvasive" && $0.carc == "252" })
    }

    @Test func theClaimsOwnFactsComeFirstAndTheAuthorizationFillsTheRest() {
        let claim = Clinical(findings: Findings(tautBand: false), treatmentPlan: [.massage])
        let authorized = Clinical(painOnset: day("2025-07-01"), findings: Findings(tautBand: true, spotTenderness: true),
                                  treatmentPlan: [.physicalTherapy])
        let completed = ClaimAuthorizations.complete(claim, with: authorized)
        #expect(completed?.findings?.tautBand == false)
        #expect(completed?.findings?.spotTenderness == true)
        #expect(completed?.treatmentPlan == [.massage])
        #expect(completed?.painOnset == day("2025-07-01"))
        #expect(ClaimAuthorizations.complete(nil, with: authorized) == authorized)
        #expect(ClaimAuthorizations.complete(claim, with: nil) == claim)
    }

    @Test(arguments: [AdjudicationStage?.none, .preSubmission, .preService])
    func beforeTheClaimAuthorizationsChangeNothing(_ stage: AdjudicationStage?) throws {
        let encounter = claim(number: "PA-9").with { $0.stage = stage }
        let without = try Fixture.evaluator().evaluate(encounter)
        let with = try decide(encounter, [authorization()])
        #expect(without == with)
        #expect(with.outcome == .pended)
        #expect(with.lines[0].authorization == nil)
    }

    @Test func otherPayersStillAttest() throws {
        let encounter = claim().with { $0.coverage = Coverage(payer: "aetna") }
        let determination = try decide(encounter, [])
        #expect(determination.outcome == .approved)
        #expect(determination.lines[0].authorization == nil)
    }

    @Test func readsAndRejectsAuthorizationJSON() throws {
        let json = #"[{"number":"PA-1","payer":"harvard-pilgrim","memberId":"M1","status":"approved","issued":"2025-03-01","policy":"harvard-pilgrim/trigger-point-injections","items":[{"code":"20552","units":3,"from":"2025-03-01","to":"2025-08-31"}],"clinical":{"painOnset":"2025-01-01"}}]"#
        let list = try AuthorizationReader.decodeList(Data(json.utf8))
        #expect(list.count == 1)
        #expect(list[0].items[0].units == 3)
        #expect(list[0].clinical?.painOnset == day("2025-01-01"))
        let bad = json.replacingOccurrences(of: #""units":3"#, with: #""units":"3""#)
            .replacingOccurrences(of: #""status":"approved""#, with: #""status":"denied""#)
            .replacingOccurrences(of: #""to":"2025-08-31""#, with: #""to":"2025-02-01","extra":1"#)
        do {
            _ = try AuthorizationReader.decodeList(Data(bad.utf8))
            Issue.record("accepted bad input")
        } catch {
            let paths = error.errors.map(\.path)
            #expect(paths.contains("[0].status"))
            #expect(paths.contains("[0].items[0].units"))
            #expect(paths.contains("[0].items[0].extra"))
        }
        let twice = "[" + json.dropFirst().dropLast() + "," + json.dropFirst().dropLast() + "]"
        #expect(throws: InputErrors([LocatedError(path: "[1].number", message: "authorization PA-1 is already given at [0]")])) {
            try AuthorizationReader.decodeList(Data(twice.utf8))
        }
    }

    @Test func priorAuthorizationIsReadAndWrittenInContract1() throws {
        let json = #"{"id":"C","member":{"id":"M"},"coverage":{"payer":"aetna"},"dateOfService":"2025-09-10","lines":[{"code":"20552"}],"priorAuthorization":"PA-7"}"#
        let encounter = try EncounterReader.decode(Data(json.utf8))
        #expect(encounter.priorAuthorization == "PA-7")
        #expect(String(decoding: try CanonicalJSON.encode(encounter), as: UTF8.self).contains(#""priorAuthorization":"PA-7""#))
        #expect(String(decoding: try JSONEncoder().encode(encounter), as: UTF8.self).contains(#""priorAuthorization":"PA-7""#))
    }
}
