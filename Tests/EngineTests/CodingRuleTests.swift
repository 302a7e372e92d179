import Testing
import Engine
import Model

/// The correct-coding rules every payer applies (Sources/Engine/CodingRules.swift, docs/decisions.md). Each test runs under all five payers' clean encounters.
@Suite("Coding rules (all payers)")
struct CodingRuleTests {
    static let cptDescriptors = Citation(source: Published.floridaBlue, section: "Billing/Coding Information")
    static let oneCodePerDay = Citation(source: Published.harvardPilgrim, section: "Limitations")
    static let unitPerDate = Citation(source: Published.trueCare, section: "IV. Payment Information")
    static let diagnosisValidity = Citation(source: Published.icd10Guidelines, section: "I.B.2 Level of Detail in Coding")
    static let duplicates = Citation(source: Published.decisions, section: "Duplicates and replacements")

    static let threeMuscles = [site("infraspinatus"), site("teres minor"), site("rhomboid major")]

    // MARK: coding.muscle-count

    @Test("coding.muscle-count fails: 3 muscles billed 20552 → denied CARC 16, recommended one 20553", arguments: Payer.allCases)
    func threeMusclesBilled20552(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).sites(Self.threeMuscles))
        expectReason(determination, rule: "coding.muscle-count", carc: "16", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cptDescriptors)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20553", units: 1, modifiers: [])])
        #expect(determination.issueRules == ["coding.muscle-count"])
    }

    @Test("coding.muscle-count fails: 2 muscles billed 20553 → denied CARC 16, recommended one 20552", arguments: Payer.allCases)
    func twoMusclesBilled20553(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius"), site("levator scapulae")]).lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "coding.muscle-count", carc: "16", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cptDescriptors)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count passes: 3 muscles billed 20553", arguments: Payer.allCases)
    func threeMusclesBilled20553(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites(Self.threeMuscles).lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("coding.muscle-count").isEmpty)
        #expect(determination.outcome == .approved)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20553", units: 1, modifiers: [])])
        #expect(determination.coding.issues.isEmpty)
    }

    @Test("coding.muscle-count passes: left and right trapezius are 2 muscles → 20552", arguments: Payer.allCases)
    func leftAndRightTrapezius(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).sites([site("trapezius", .left), site("trapezius", .right)]))
        #expect(determination.allReasons("coding.muscle-count").isEmpty)
        #expect(determination.outcome == .approved)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count fails: bilateral trapezius (2 muscles) billed 20553 → denied 16, recommended 20552", arguments: Payer.allCases)
    func bilateralTrapeziusBilled20553(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius", .bilateral)]).lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "coding.muscle-count", carc: "16", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cptDescriptors)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count: several trigger points and synonyms of one muscle are one muscle (upper trapezius ×3 points + trap) → 20552")
    func triggerPointsInOneMuscle() throws {
        let encounter = cleanEncounter(.aetna).sites([site("upper trapezius", .right, points: 3), site("trap", .right, points: 1)])
            .lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "coding.muscle-count", carc: "16", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cptDescriptors)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count: \"trapezius\" without a side next to the right trapezius may be the same muscle (2 or 3 muscles) → 20553 pends 252, not approved",
          arguments: Payer.allCases)
    func unsidedDuplicateMuscleUnsettled(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius", nil), site("trapezius", .right), site("levator scapulae", .right)])
            .lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.issueRules.contains("coding.laterality"))
        expectReason(determination, rule: "coding.muscle-count", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Citation(source: Published.harvardPilgrim, section: "Coverage Indications, Limitations, and/or Medical Necessity"))
    }

    // MARK: coding.units-per-day

    @Test("coding.units-per-day fails: 20552 × 2 units → denied CARC 151 with RARC N362", arguments: Payer.allCases)
    func twoUnits(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).lines([line("20552", units: 2, pointers: [1])]))
        expectReason(determination, rule: "coding.units-per-day", carc: "151", rarc: ["N362"], lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.unitPerDate)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.units-per-day fails: units summed across two 20552 lines → every such line denied 151/N362", arguments: Payer.allCases)
    func unitsSummedAcrossLines(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius"), site("levator scapulae")])
            .lines([line("20552", pointers: [1]), line("20552", pointers: [1])])
        let determination = try evaluate(encounter)
        for index in [1, 2] {
            expectReason(determination, rule: "coding.units-per-day", line: index, carc: "151", rarc: ["N362"], lineOutcome: .denied,
                         claimOutcome: .denied, citation: Self.unitPerDate)
        }
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
        #expect(determination.coding.issues.filter { $0.rule == "coding.units-per-day" }.map(\.lines) == [[1, 2]])
    }

    @Test("coding.units-per-day fails: five 20552 lines between visits → each of the five denied 151/N362, the visits kept", arguments: Payer.allCases)
    func unitsAcrossFiveLines(payer: Payer) throws {
        // Several procedure lines, interleaved with other lines.
        let procedure = line("20552", pointers: [1]), visit = line("99213", ["25"], pointers: [1])
        let encounter = cleanEncounter(payer).sites([site("trapezius")])
            .lines([visit, procedure, procedure, visit, procedure, procedure, procedure])
        let determination = try evaluate(encounter)
        for index in [2, 3, 5, 6, 7] {
            expectReason(determination, rule: "coding.units-per-day", line: index, carc: "151", rarc: ["N362"], lineOutcome: .denied,
                         claimOutcome: .denied, citation: Self.unitPerDate)
        }
        #expect(determination.coding.issues.filter { $0.rule == "coding.units-per-day" }.map(\.lines) == [[2, 3, 5, 6, 7]])
        #expect(determination.line(1)?.reasons == [] && determination.line(4)?.reasons == [])
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: []),
                                                     RecommendedLine(code: "99213", units: 1, modifiers: ["25"]),
                                                     RecommendedLine(code: "99213", units: 1, modifiers: ["25"])])
    }

    @Test("coding.units-per-day fails without trapping when the units summed exceed Int.max", arguments: Payer.allCases)
    func unitsBeyondIntMax(payer: Payer) throws {
        let encounter = cleanEncounter(payer).lines([line("20552", units: Int.max, pointers: [1]), line("20552", units: Int.max, pointers: [1])])
        let determination = try evaluate(encounter)
        for index in [1, 2] {
            expectReason(determination, rule: "coding.units-per-day", line: index, carc: "151", rarc: ["N362"], lineOutcome: .denied,
                         claimOutcome: .denied, citation: Self.unitPerDate)
        }
    }

    @Test("coding.units-per-day passes: one line, one unit", arguments: Payer.allCases)
    func oneUnit(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer))
        #expect(determination.allReasons("coding.units-per-day").isEmpty)
        #expect(determination.outcome == .approved)
    }

    // MARK: coding.one-code-per-day

    @Test("coding.one-code-per-day fails: 20552 + 20553 on one claim → 20552 denied CARC 97, 20553 stands, claim partial", arguments: Payer.allCases)
    func bothCodesSameClaim(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites(Self.threeMuscles).lines([line("20552", pointers: [1]), line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "coding.one-code-per-day", line: 1, carc: "97", lineOutcome: .denied, claimOutcome: .partial,
                     citation: Self.oneCodePerDay)
        #expect(determination.line(2)?.outcome == .approved)
        #expect(determination.line(2)?.reasons == [])
        #expect(determination.coding.recommended == [RecommendedLine(code: "20553", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count fails: 20552 + 20553 for 2 muscles → 20553 denied CARC 16, 20552 stands, recommended 20552 ×1 (issue 20.1)", arguments: Payer.allCases)
    func bothCodesTwoMuscles(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius"), site("levator scapulae")])
            .lines([line("20552", pointers: [1]), line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        let reason = try #require(determination.line(2)?.reason("coding.muscle-count"))
        #expect(reason.carc == "16")
        #expect(reason.citation == Self.cptDescriptors)
        #expect(determination.line(2)?.outcome == .denied)
        #expect(determination.line(1)?.outcome == .approved)
        #expect(determination.line(1)?.reasons == [])
        #expect(determination.allReasons("coding.one-code-per-day").isEmpty)
        #expect(determination.outcome == .partial)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-count passes the pair to the bundling rule: 20552 + 20553 with the count unsettled → 20553 not denied for muscle count", arguments: Payer.allCases)
    func bothCodesUnsettledCount(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("trapezius"), site("paraspinals")])
            .lines([line("20552", pointers: [1]), line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.line(2)?.reason("coding.muscle-count")?.carc != "16")
        #expect(determination.line(1)?.reason("coding.one-code-per-day")?.carc == "97")
    }

    @Test("coding.one-code-per-day fails: a 20552 already billed for this date on another claim, this claim 20553 → denied 97", arguments: Payer.allCases)
    func priorSameDateOtherCode(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites(Self.threeMuscles).lines([line("20553", pointers: [1])])
            .clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("CLM-0", serviceDate, "20552", sites: [site("trapezius")])])
        let determination = try evaluate(encounter)
        let reason = try #require(determination.line(1)?.reason("coding.one-code-per-day"))
        #expect(reason.carc == "97")
        #expect(reason.citation == Self.oneCodePerDay)
        #expect(reason.message.contains("CLM-0"))
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.outcome == .denied)
    }

    @Test("coding.one-code-per-day passes: the prior 20552 was the day before", arguments: Payer.allCases)
    func priorDayBefore(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites(Self.threeMuscles).lines([line("20553", pointers: [1])])
            .clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("CLM-0", "2025-09-09", "20552")])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("coding.one-code-per-day").isEmpty)
        #expect(determination.allReasons("coding.duplicate").isEmpty)
    }

    // MARK: coding.modifier-50

    @Test("coding.modifier-50 fails: 20552-50 → denied CARC 4, recommended 20552 without 50", arguments: Payer.allCases)
    func modifier50(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("quadratus lumborum", .left), site("quadratus lumborum", .right)])
            .lines([line("20552", ["50"], pointers: [1])])
        let determination = try evaluate(encounter)
        // Cited as the decision it rests on: no payer document mentions modifier 50.
        expectReason(determination, rule: "coding.modifier-50", carc: "4", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Citation(source: Published.decisions, section: "Muscles, sides and modifier 50"))
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.modifier-50 passes: no modifier", arguments: Payer.allCases)
    func noModifier50(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer))
        #expect(determination.allReasons("coding.modifier-50").isEmpty)
        #expect(determination.outcome == .approved)
    }

    // MARK: coding.em-modifier-25

    @Test("coding.em-modifier-25 fails: 99213 without 25 with a TPI → 99213 denied CARC 97, the TPI approved, claim partial", arguments: Payer.allCases)
    func evaluationWithout25(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).lines([line("20552", pointers: [1]), line("99213", pointers: [1])]))
        // A correct-coding fact every payer applies, cited as NCCI, not as TrueCare's policy (issue 20.13).
        expectReason(determination, rule: "coding.em-modifier-25", line: 2, carc: "97", lineOutcome: .denied, claimOutcome: .partial,
                     citation: Citation(source: "NCCI Policy Manual for Medicare Services", section: "Chapter I, D. Evaluation & Management (E&M) Services"))
        #expect(determination.line(1)?.outcome == .approved)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: []),
                                                      RecommendedLine(code: "99213", units: 1, modifiers: ["25"])])
    }

    @Test("coding.em-modifier-25 passes: 99213-25 with a TPI is not denied (and no policy governs it), claim approved", arguments: Payer.allCases)
    func evaluationWith25(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).lines([line("20552", pointers: [1]), line("99213", ["25"], pointers: [1])]))
        #expect(determination.allReasons("coding.em-modifier-25").isEmpty)
        #expect(determination.line(2)?.outcome == .notApplicable)
        #expect(determination.line(2)?.reasons == [])
        #expect(determination.outcome == .approved)
    }

    // MARK: coding.dry-needling

    @Test("coding.dry-needling fails: nothing injected, billed 20552 → denied CARC 16, recommended 20560", arguments: Payer.allCases)
    func nothingInjectedBilled20552(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).with { $0.procedure?.injectate = [] })
        expectReason(determination, rule: "coding.dry-needling", carc: "16", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cptDescriptors)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20560", units: 1, modifiers: [])])
    }

    @Test("coding.dry-needling fails: lidocaine injected, billed 20560 → denied CARC 16, recommended 20552")
    func injectedBilled20560() throws {
        let determination = try evaluate(cleanEncounter(.harvardPilgrim).lines([line("20560", pointers: [1])]))
        let reason = try #require(determination.line(1)?.reason("coding.dry-needling"))
        #expect(reason.carc == "16")
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
    }

    @Test("coding.dry-needling passes: lidocaine injected, billed 20552", arguments: Payer.allCases)
    func injectedBilled20552(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer))
        #expect(determination.allReasons("coding.dry-needling").isEmpty)
        #expect(determination.outcome == .approved)
    }

    @Test("dry needling correctly coded 20560: Florida Blue denies it investigational (55), TrueCare not covered (96)")
    func dryNeedlingByPayer() throws {
        let needled = { (payer: Payer) in cleanEncounter(payer).with { $0.procedure?.injectate = [] }.lines([line("20560", pointers: [1])]) }
        let floridaBlue = try evaluate(needled(.floridaBlue))
        #expect(floridaBlue.line(1)?.reason("fb.dry-needling")?.carc == "55")
        #expect(floridaBlue.allReasons("coding.dry-needling").isEmpty)
        let trueCare = try evaluate(needled(.trueCare))
        #expect(trueCare.line(1)?.reason("tc.dry-needling")?.carc == "96")
        #expect(trueCare.outcome == .denied)
    }

    @Test("dry needling coded 20560 under a policy that does not govern it (Aetna) → line and claim not_applicable")
    func dryNeedlingUngoverned() throws {
        let determination = try evaluate(cleanEncounter(.aetna).with { $0.procedure?.injectate = [] }.lines([line("20560", pointers: [1])]))
        #expect(determination.line(1)?.outcome == .notApplicable)
        #expect(determination.outcome == .notApplicable)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20560", units: 1, modifiers: [])])
    }

    // MARK: coding.diagnosis-validity

    @Test("coding.diagnosis-validity fails: a header on the date of service (M79.1, M54.5 in FY2025) → denied CARC 16 with RARC M76",
          arguments: Payer.allCases, ["M79.1", "M54.5"])
    func headerDiagnosis(payer: Payer, code: String) throws {
        let determination = try evaluate(cleanEncounter(payer).diagnoses([code]))
        let reason = expectReason(determination, rule: "coding.diagnosis-validity", carc: "16", rarc: ["M76"], lineOutcome: .denied,
                                  claimOutcome: .denied, citation: Self.diagnosisValidity)
        #expect(reason?.message.contains("header") == true)
        #expect(determination.issueRules.contains("coding.diagnosis-validity"))
    }

    @Test("coding.diagnosis-validity fails: a code in no release carried (M79.99) → denied 16/M76", arguments: Payer.allCases)
    func unknownDiagnosis(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).diagnoses(["M79.99"]))
        expectReason(determination, rule: "coding.diagnosis-validity", carc: "16", rarc: ["M76"], lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.diagnosisValidity)
    }

    @Test("coding.diagnosis-validity fails: M54.50 on 2021-06-01, before it existed (FY2022) → denied 16/M76")
    func diagnosisNotYetValid() throws {
        let encounter = cleanEncounter(.harvardPilgrim, date: "2021-06-01").clinical { $0 = cleanClinical2021() }.diagnoses(["M54.50"])
        let determination = try evaluate(encounter)
        let reason = expectReason(determination, rule: "coding.diagnosis-validity", carc: "16", rarc: ["M76"], lineOutcome: .denied,
                                  claimOutcome: .denied, citation: Self.diagnosisValidity)
        #expect(reason?.message.contains("not a valid") == true)
    }

    @Test("coding.diagnosis-validity passes: M79.7 billable on the date", arguments: Payer.allCases)
    func validDiagnosis(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer))
        #expect(determination.allReasons("coding.diagnosis-validity").isEmpty)
        #expect(determination.outcome == .approved)
    }

    // The fifth diagnosis is read like the first, by the coding rules and by each payer's diagnosis list.
    @Test("coding.diagnosis-validity passes: a line pointing only to the 5th of 5 diagnoses (M79.7) is approved", arguments: Payer.allCases)
    func fifthDiagnosisSupports(payer: Payer) throws {
        let encounter = cleanEncounter(payer).diagnoses(["M25.511", "R51.9", "G44.209", "M54.2", "M79.7"])
            .lines([line("20552", [], units: 1, pointers: [5])])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("coding.diagnosis-validity").isEmpty)
        #expect(determination.outcome == .approved)
    }

    @Test("coding.diagnosis-validity fails: the 5th of 5 diagnoses is a header (M79.1) the line points to → denied 16/M76", arguments: Payer.allCases)
    func fifthDiagnosisHeader(payer: Payer) throws {
        let encounter = cleanEncounter(payer).diagnoses(["M25.511", "R51.9", "G44.209", "M79.7", "M79.1"])
            .lines([line("20552", [], units: 1, pointers: [4, 5])])
        let determination = try evaluate(encounter)
        let reason = expectReason(determination, rule: "coding.diagnosis-validity", carc: "16", rarc: ["M76"], lineOutcome: .denied,
                                  claimOutcome: .denied, citation: Self.diagnosisValidity)
        #expect(reason?.message.hasPrefix("M79.1 is a category header") == true)
    }

    @Test("coding.diagnosis-validity on a diagnosis no line points to: a claim-level reason 16/M76, the line still approved")
    func headerNotPointed() throws {
        let determination = try evaluate(cleanEncounter(.aetna).diagnoses(["M79.7", "M79.1"]).lines([line("20552", pointers: [1])]))
        let reason = try #require(determination.reasons.first { $0.rule == "coding.diagnosis-validity" })
        #expect(reason.carc == "16")
        #expect(reason.rarc == ["M76"])
        #expect(determination.line(1)?.outcome == .approved)
        #expect(determination.outcome == .approved)
    }

    // MARK: coding.duplicate

    @Test("coding.duplicate fails: the same code on the same date under another claim id → denied CARC 18", arguments: Payer.allCases)
    func duplicate(payer: Payer) throws {
        let encounter = cleanEncounter(payer).clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("CLM-0", serviceDate)])
        let determination = try evaluate(encounter)
        let reason = try #require(determination.line(1)?.reason("coding.duplicate"))
        #expect(reason.carc == "18")
        #expect(reason.citation == Self.duplicates)
        #expect(reason.message.contains("CLM-0"))
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.outcome == .denied)
    }

    @Test("coding.duplicate passes: the history entry is this claim itself (a resubmission)", arguments: Payer.allCases)
    func sameClaimIsNotDuplicate(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).history([prior("CLM-1", serviceDate)]))
        #expect(determination.allReasons("coding.duplicate").isEmpty)
        #expect(determination.outcome == .approved)
    }

    @Test("coding.duplicate passes: a replacement of the claim in history is not a duplicate of it", arguments: Payer.allCases)
    func replacementIsNotDuplicate(payer: Payer) throws {
        let encounter = cleanEncounter(payer, id: "CLM-2").with { $0.frequency = .replacement; $0.replaces = "CLM-0" }
            .history([prior("CLM-0", serviceDate)])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("coding.duplicate").isEmpty)
        #expect(determination.outcome == .approved)
    }

    // MARK: coding.muscle-specificity

    @Test("coding.muscle-specificity: \"paraspinals\" billed 20552 → a coding issue naming the line, and procedure_note missing", arguments: Payer.allCases)
    func paraspinals(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).sites([site("paraspinals", nil)]).withoutDocuments(.procedureNote))
        let issue = try #require(determination.coding.issues.first { $0.rule == "coding.muscle-specificity" })
        #expect(issue.lines == [1])
        #expect(issue.message.contains("paraspinals"))
        #expect(determination.documentation.missing.contains("procedure_note"))
    }

    @Test("coding.muscle-specificity: 20553 billed with \"paraspinals\" and fewer than 3 specific muscles → pended 252", arguments: Payer.allCases)
    func paraspinals20553(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("paraspinals", nil), site("trapezius")])
            .lines([line("20553", pointers: [1])]).withoutDocuments(.procedureNote)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "coding.muscle-count", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Citation(source: Published.harvardPilgrim, section: "Coverage Indications, Limitations, and/or Medical Necessity"))
        #expect(determination.issueRules.contains("coding.muscle-specificity"))
        #expect(determination.documentation.missing.contains("procedure_note"))
        #expect(determination.coding.recommended == [RecommendedLine(code: "20553", units: 1, modifiers: [])])
    }

    @Test("coding.muscle-specificity: 20553 with \"paraspinals\" plus 3 specific muscles is settled → no pend from the count")
    func paraspinalsPlusThree() throws {
        let encounter = cleanEncounter(.floridaBlue).sites(Self.threeMuscles + [site("paraspinals", nil)]).lines([line("20553", pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("coding.muscle-count").isEmpty)
        #expect(determination.issueRules.contains("coding.muscle-specificity"))
    }

    @Test("coding.muscle-specificity passes: every site names a specific muscle with its side", arguments: Payer.allCases)
    func specificMuscles(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).sites(Self.threeMuscles).lines([line("20553", pointers: [1])]))
        #expect(!determination.issueRules.contains("coding.muscle-specificity"))
        #expect(determination.outcome == .approved)
    }
}
