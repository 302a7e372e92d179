import Foundation
import Testing
import Engine
import Model

/// Claim outcome semantics (DESIGN.md § Contract 2), Kleene logic, and purity of the evaluator.
@Suite("Claim outcomes")
struct OutcomeTests {
    let clean = cleanEncounter(.floridaBlue)

    @Test("approved: every governed line approved; a drug line (J1885) no rule governs is not_applicable and doesn't affect the claim")
    func approvedWithUngovernedLine() throws {
        let determination = try evaluate(clean.lines([line("20552", pointers: [1]), line("J1885", units: 2)]))
        #expect(determination.lines.map(\.outcome) == [.approved, .notApplicable])
        #expect(determination.line(2)?.reasons == [])
        #expect(determination.line(2)?.evaluated == nil)
        #expect(determination.outcome == .approved)
    }

    @Test("denied: every governed line denied (20552 for an unlisted diagnosis, 76942 investigational), the ungoverned line aside")
    func deniedAllGoverned() throws {
        let encounter = clean.diagnoses(["M79.18"]).lines([line("20552", pointers: [1]), line("76942"), line("J1885")])
        let determination = try evaluate(encounter)
        #expect(determination.lines.map(\.outcome) == [.denied, .denied, .notApplicable])
        #expect(determination.outcome == .denied)
    }

    @Test("partial: one governed line approved, another denied")
    func partial() throws {
        let determination = try evaluate(clean.lines([line("20552", pointers: [1]), line("76942")]))
        #expect(determination.lines.map(\.outcome) == [.approved, .denied])
        #expect(determination.outcome == .partial)
    }

    @Test("pended: any pended line pends the claim, even with another line denied")
    func pendedWinsOverDenied() throws {
        let encounter = clean.clinical { $0.findings?.tautBand = nil }.lines([line("20552", pointers: [1]), line("76942")])
        let determination = try evaluate(encounter)
        #expect(determination.lines.map(\.outcome) == [.pended, .denied])
        #expect(determination.outcome == .pended)
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    @Test("a line with a deny and a pend reason is denied; the claim is then denied, not pended, and requests no documents; the pend reason stays as information without CARC 252 (issue 20.8)")
    func deniedLineWithPendReason() throws {
        let encounter = clean.clinical { $0.findings?.tautBand = nil; $0.findings?.restrictedRangeOfMotion = false }
        let determination = try evaluate(encounter)
        let open = determination.line(1)?.reason("fb.taut-band-tenderness")
        #expect(open?.carc == nil)
        #expect(open?.rarc == [])
        #expect(open?.message.hasPrefix("Not decided, the line is denied: ") == true)
        #expect(determination.line(1)?.reasons.compactMap(\.carc) == ["50"])
        #expect(determination.line(1)?.reason("fb.restricted-motion")?.carc == "50")
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.outcome == .denied)
        #expect(determination.documentation == DocumentationAdvice())
    }

    @Test("no governed line at all (only J1885) → claim not_applicable")
    func onlyUngoverned() throws {
        let determination = try evaluate(clean.lines([line("J1885")]))
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        #expect(determination.outcome == .notApplicable)
    }

    @Test("a void → claim not_applicable, every line not_applicable, reason claim.void naming the claim it cancels", arguments: Payer.allCases)
    func void(payer: Payer) throws {
        let encounter = cleanEncounter(payer, id: "CLM-9").with { $0.frequency = .void; $0.replaces = "CLM-1" }
        let determination = try evaluate(encounter)
        #expect(determination.outcome == .notApplicable)
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        #expect(determination.reasons.map(\.rule) == ["claim.void"])
        #expect(determination.reasons.first?.carc == nil)
        #expect(determination.reasons.first?.message.contains("CLM-1") == true)
        #expect(determination.policy == nil)
        #expect(determination.encounterId == "CLM-9")
    }

    @Test("an unknown payer → claim not_applicable with a reason naming the payer")
    func unknownPayer() throws {
        let determination = try evaluate(clean.with { $0.coverage.payer = "cigna" })
        #expect(determination.outcome == .notApplicable)
        #expect(determination.payer == "cigna")
        #expect(determination.policy == nil)
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        let reason = try #require(determination.reasons.first)
        #expect(determination.reasons.count == 1)
        #expect(reason.rule == "policy.none")
        #expect(reason.message.contains("cigna"))
        #expect(reason.message.contains("florida-blue"))
    }

    @Test("the determination names the encounter, payer and policy of each payer", arguments: Payer.allCases)
    func identity(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer, id: "CLM-\(payer.rawValue)"))
        #expect(determination.encounterId == "CLM-\(payer.rawValue)")
        #expect(determination.payer == payer.rawValue)
        #expect(determination.policy?.id == payer.policyId)
        #expect(determination.outcome == .approved)
        #expect(determination.reasons == [])
    }

    @Test("evaluateAllPayers decides one encounter under every payer with policies, each with its own policy")
    func allPayers() throws {
        let determinations = try Fixture.evaluator().evaluateAllPayers(cleanEncounter(.aetna))
        #expect(determinations.map(\.payer) == ["aetna", "florida-blue", "harvard-pilgrim", "medicare", "truecare"])
        #expect(determinations.map { $0.policy?.id } == ["aetna/trigger-point-injections", "florida-blue/02-20000-28",
                                                         "harvard-pilgrim/trigger-point-injections", "medicare/l33912", "truecare/mm-1462"])
    }
}

@Suite("Three-valued logic")
struct TruthTests {
    static let values: [Truth] = [.yes, .no, .unknown]

    @Test("Truth.all (Kleene and): false if any part is false, else unknown if any is unknown, else true")
    func allTable() {
        let expected: [[Truth]] = [
            //           yes       no   unknown
            /* yes */    [.yes, .no, .unknown],
            /* no */     [.no, .no, .no],
            /* unknown */[.unknown, .no, .unknown],
        ]
        for (i, a) in Self.values.enumerated() {
            for (j, b) in Self.values.enumerated() {
                #expect(Truth.all([a, b]) == expected[i][j], "\(a) ∧ \(b)")
            }
        }
        #expect(Truth.all([Truth]()) == .yes)
        #expect(Truth.all([.yes, .yes, .yes]) == .yes)
        #expect(Truth.all([.unknown, .yes, .no]) == .no)
    }

    @Test("Truth.any (Kleene or): true if any part is true, else unknown if any is unknown, else false")
    func anyTable() {
        let expected: [[Truth]] = [
            //           yes       no       unknown
            /* yes */    [.yes, .yes, .yes],
            /* no */     [.yes, .no, .unknown],
            /* unknown */[.yes, .unknown, .unknown],
        ]
        for (i, a) in Self.values.enumerated() {
            for (j, b) in Self.values.enumerated() {
                #expect(Truth.any([a, b]) == expected[i][j], "\(a) ∨ \(b)")
            }
        }
        #expect(Truth.any([Truth]()) == .no)
        #expect(Truth.any([.no, .no, .no]) == .no)
        #expect(Truth.any([.unknown, .no, .yes]) == .yes)
    }

    @Test("negation swaps true and false and keeps unknown; Truth(Bool?) maps nil to unknown")
    func negationAndInit() {
        #expect(Truth.yes.negated == .no)
        #expect(Truth.no.negated == .yes)
        #expect(Truth.unknown.negated == .unknown)
        #expect(Truth(true) == .yes)
        #expect(Truth(false) == .no)
        #expect(Truth(nil) == .unknown)
    }

    @Test("De Morgan holds in Kleene logic: ¬(a ∧ b) = ¬a ∨ ¬b for every pair")
    func deMorgan() {
        for a in Self.values {
            for b in Self.values {
                #expect(Truth.all([a, b]).negated == Truth.any([a.negated, b.negated]))
            }
        }
    }
}

@Suite("Purity and determinism")
struct PurityTests {
    /// A determination with something in every part: a denied line, a pended line, coding issues and documentation.
    var busy: Encounter {
        cleanEncounter(.floridaBlue)
            .sites([site("infraspinatus"), site("teres minor"), site("paraspinals", nil)])
            .clinical { $0.findings?.tautBand = nil }
            .withoutDocuments(.historyAndPhysical)
            .lines([line("20552", ["XS"], pointers: [1]), line("76942"), line("99213")])
            .history([prior("H1", "2025-08-20"), prior("H2", "2025-09-03")])
    }

    @Test("evaluating the same encounter twice gives equal determinations", arguments: Payer.allCases)
    func deterministic(payer: Payer) throws {
        let encounter = busy.with { $0.coverage = Coverage(payer: payer.rawValue, lineOfBusiness: payer.lineOfBusiness) }
        let first = try evaluate(encounter)
        let second = try evaluate(encounter)
        #expect(first == second)
        #expect(try Fixture.evaluator().evaluate(encounter, priorServices: encounter.history) == first)
    }

    @Test("the determination round-trips through JSONEncoder/JSONDecoder", arguments: Payer.allCases)
    func jsonRoundTrip(payer: Payer) throws {
        let encounter = busy.with { $0.coverage = Coverage(payer: payer.rawValue, lineOfBusiness: payer.lineOfBusiness) }
        let determination = try evaluate(encounter)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(determination)
        let decoded = try JSONDecoder().decode(Determination.self, from: data)
        #expect(decoded == determination)
        #expect(try encoder.encode(decoded) == data)
    }

    @Test("a not_applicable determination (no policy) round-trips with \"policy\": null")
    func jsonRoundTripNoPolicy() throws {
        let determination = try evaluate(cleanEncounter(.floridaBlue).with { $0.coverage.payer = "cigna" })
        let data = try JSONEncoder().encode(determination)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["policy"] is NSNull)
        #expect(try JSONDecoder().decode(Determination.self, from: data) == determination)
    }

    @Test("the busy encounter is decided as expected under Florida Blue (so the purity tests exercise every part)")
    func busyDetermination() throws {
        let determination = try evaluate(busy)
        #expect(determination.outcome == .pended)
        #expect(determination.lines.map(\.outcome) == [.pended, .denied, .denied])
        #expect(!determination.coding.issues.isEmpty)
        #expect(!determination.documentation.requests.isEmpty)
    }

    @Test("evaluation does not depend on the order of the history")
    func historyOrder() throws {
        let history = [prior("H1", "2025-08-12"), prior("H2", "2025-08-20"), prior("H3", "2025-08-27"), prior("H4", "2025-09-03")]
        let forward = try evaluate(cleanEncounter(.floridaBlue).history(history))
        let backward = try evaluate(cleanEncounter(.floridaBlue).history(history.reversed()))
        #expect(forward.outcome == .pended)
        #expect(forward == backward)
    }
}
