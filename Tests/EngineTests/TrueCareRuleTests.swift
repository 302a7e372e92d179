import Testing
import Engine
import Model

/// TrueCare MM-1462 (Policies/truecare-mm-1462.yaml, seed 002): every rule, both sides.
@Suite("TrueCare MM-1462 rules")
struct TrueCareRuleTests {
    let clean = cleanEncounter(.trueCare)
    static func cite(_ section: String) -> Citation { Citation(source: Published.trueCare, section: section) }

    /// A subsequent injection: a prior TPI at the same anatomic region (the neck: levator scapulae) with 60% improvement.
    var subsequent: Encounter {
        clean.clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("H1", "2025-08-01", sites: [site("levator scapulae")])])
    }

    @Test("the clean TrueCare encounter is approved under truecare/mm-1462 with every tc.* rule of 20552 evaluated")
    func cleanApproved() throws {
        let determination = try evaluate(clean)
        #expect(determination.outcome == .approved)
        #expect(determination.policy?.id == "truecare/mm-1462")
        #expect(determination.policy?.effectiveTo == day("2025-12-31"))
        #expect(determination.line(1)?.evaluated == ["tc.diagnosis", "tc.new-pain", "tc.conservative-therapy", "tc.overall-plan", "tc.pharmacotherapy",
                                                     "tc.documentation", "tc.subsequent-improvement", "tc.dates-per-year"])
    }

    // MARK: tc.diagnosis

    @Test("tc.diagnosis passes: back pain, neck pain or myofascial pain syndrome (002 § D. Policy, I.A)",
          arguments: ["M54.50", "M54.59", "M54.6", "M54.41", "M54.2", "M79.18", "M79.12", "M62.830"])
    func diagnosisPasses(code: String) throws {
        let determination = try evaluate(clean.diagnoses([code]))
        expectPasses(determination, rule: "tc.diagnosis")
        #expect(determination.outcome == .approved)
    }

    @Test("tc.diagnosis fails: asthma, a wrist fracture, lumbar radiculopathy are no indication → denied 11 (issue 20.2)",
          arguments: ["J45.909", "S62.101A", "M54.16"])
    func diagnosisFails(code: String) throws {
        let determination = try evaluate(clean.diagnoses([code]))
        expectReason(determination, rule: "tc.diagnosis", carc: "11", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A"))
    }

    @Test("tc.diagnosis holds for subsequent injections too: asthma on a subsequent injection → denied 11")
    func diagnosisSubsequent() throws {
        expectReason(try evaluate(subsequent.diagnoses(["J45.909"])), rule: "tc.diagnosis", carc: "11", lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.cite("D. Policy, I.A"))
    }

    // MARK: effective period

    @Test("TrueCare applies only 2025-07-01 … 2025-12-31: 2025-06-30 and 2026-01-02 → claim not_applicable, no policy in effect",
          arguments: ["2025-06-30", "2026-01-02"])
    func outsideEffectivePeriod(date: String) throws {
        let determination = try evaluate(cleanEncounter(.trueCare, date: date))
        #expect(determination.outcome == .notApplicable)
        #expect(determination.policy == nil)
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        #expect(determination.reasons.map(\.rule) == ["policy.none"])
        #expect(determination.reasons.first?.message.contains(date) == true)
        #expect(determination.reasons.first?.message.contains("truecare") == true)
    }

    @Test("TrueCare applies on its first and last day, 2025-07-01 and 2025-12-31", arguments: ["2025-07-01", "2025-12-31"])
    func insideEffectivePeriod(date: String) throws {
        let determination = try evaluate(cleanEncounter(.trueCare, date: date))
        #expect(determination.policy?.id == "truecare/mm-1462")
        #expect(determination.outcome != .notApplicable)
    }

    // MARK: tc.new-pain

    @Test("tc.new-pain passes: pain began 2025-07-01, within 3 months of 2025-09-10 (002 § D. Policy, I.A.1)")
    func newPainPasses() throws {
        expectPasses(try evaluate(clean), rule: "tc.new-pain")
    }

    @Test("tc.new-pain window: onset 2025-06-18 is 84 days (12 weeks, the end of subacute pain, § C) before 2025-09-10")
    func newPainBoundaryInside() throws {
        expectPasses(try evaluate(clean.clinical { $0.painOnset = day("2025-06-18") }), rule: "tc.new-pain")
    }

    @Test("tc.new-pain fails: onset 85 days or more before 2025-09-10 is neither acute nor subacute (§ C) → denied 50, even inside 3 calendar months",
          arguments: ["2025-06-17", "2025-06-11", "2025-06-10", "2025-01-15"])
    func newPainFails(onset: String) throws {
        let determination = try evaluate(clean.clinical { $0.painOnset = day(onset) })
        expectReason(determination, rule: "tc.new-pain", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.1"))
    }

    @Test("tc.new-pain unknown: no onset date → pended 252, history and physical missing")
    func newPainUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.painOnset = nil }.withoutDocuments(.historyAndPhysical))
        expectReason(determination, rule: "tc.new-pain", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.1"))
        #expect(determination.documentation.missing == ["history_and_physical"])
        #expect(determination.documentation.requests == [
            DocumentRequest(name: "Physician history and physical", loinc: "28626-0", timeFrame: "18805-2"),
        ])
    }

    @Test("tc.new-pain does not apply to a subsequent injection (prior TPI at the same region): old pain is not denied")
    func newPainSubsequent() throws {
        let determination = try evaluate(subsequent.clinical { $0.painOnset = day("2024-01-15") })
        expectPasses(determination, rule: "tc.new-pain")
    }

    @Test("\"subsequent\" means the same region: a prior TPI in the lower back leaves a neck injection initial → old pain denied 50")
    func newPainPriorOtherRegion() throws {
        let encounter = clean.clinical { $0.painOnset = day("2024-01-15"); $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 10) }
            .history([prior("H1", "2025-08-01", sites: [site("quadratus lumborum")])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "tc.new-pain", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.1"))
        #expect(determination.allReasons("tc.subsequent-improvement").isEmpty)
    }

    // MARK: tc.conservative-therapy

    @Test("tc.conservative-therapy passes: active exercise failed after at least one month (002 § D. Policy, I.A.2)")
    func conservativePasses() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .activeExercise, start: day("2025-07-01"), end: day("2025-08-01"), outcome: .failed)]
        }
        expectPasses(try evaluate(encounter), rule: "tc.conservative-therapy")
    }

    @Test("tc.conservative-therapy passes: active exercise 2025-07-01 … 2025-07-31 is one month, both ends days of therapy (issue 20.6)")
    func conservativeWholeMonth() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .activeExercise, start: day("2025-07-01"), end: day("2025-07-31"), outcome: .failed)]
        }
        expectPasses(try evaluate(encounter), rule: "tc.conservative-therapy")
    }

    @Test("tc.conservative-therapy fails: active exercise 2025-07-01 … 2025-07-30, a day short of one month → denied 50")
    func conservativeTooShort() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .activeExercise, start: day("2025-07-01"), end: day("2025-07-30"), outcome: .failed)]
        }
        expectReason(try evaluate(encounter), rule: "tc.conservative-therapy", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.2"))
    }

    @Test("tc.conservative-therapy fails: only physical therapy, which is not one of TrueCare's listed types → denied 50")
    func conservativeWrongType() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-01"), end: day("2025-08-20"), outcome: .failed)]
        }
        expectReason(try evaluate(encounter), rule: "tc.conservative-therapy", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.2"))
    }

    @Test("tc.conservative-therapy unknown: no therapy record → pended 252")
    func conservativeUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.conservativeTherapy = nil }.withoutDocuments(.visitNote, .physicalTherapyProgressNote))
        expectReason(determination, rule: "tc.conservative-therapy", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.2"))
        #expect(determination.documentation.missing == ["physical_therapy_progress_note", "visit_note"])
    }

    // MARK: tc.overall-plan

    @Test("tc.overall-plan passes: the plan includes a home exercise program (002 § D. Policy, I.A.3)")
    func planPasses() throws {
        expectPasses(try evaluate(clean.clinical { $0.treatmentPlan = [.homeExerciseProgram] }), rule: "tc.overall-plan")
    }

    @Test("tc.overall-plan fails: the plan is massage only → denied 50")
    func planFails() throws {
        expectReason(try evaluate(clean.clinical { $0.treatmentPlan = [.massage] }), rule: "tc.overall-plan", carc: "50",
                     lineOutcome: .denied, claimOutcome: .denied, citation: Self.cite("D. Policy, I.A.3"))
    }

    @Test("tc.overall-plan unknown: no plan → pended 252, treatment plan (LOINC 18776-5) requested")
    func planUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.treatmentPlan = nil }.withoutDocuments(.treatmentPlan))
        expectReason(determination, rule: "tc.overall-plan", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.3"))
        #expect(determination.documentation.missing == ["treatment_plan"])
        #expect(determination.documentation.requests == [DocumentRequest(name: "Treatment plan", loinc: "18776-5", timeFrame: "18805-2")])
    }

    // MARK: tc.pharmacotherapy

    @Test("tc.pharmacotherapy passes: an NSAID (002 § D. Policy, I.A.4)")
    func pharmacotherapyPasses() throws {
        expectPasses(try evaluate(clean), rule: "tc.pharmacotherapy")
    }

    @Test("tc.pharmacotherapy passes: an NSAID course that ends after the date of service, or on it, is being administered")
    func pharmacotherapyOngoing() throws {
        for end in ["2025-09-10", "2025-10-31"] {
            let encounter = clean.clinical { $0.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2025-07-01"), end: day(end))] }
            expectPasses(try evaluate(encounter), rule: "tc.pharmacotherapy")
        }
    }

    @Test("tc.pharmacotherapy fails: an NSAID that ended before the date of service is not \"being administered\" → denied 50 (issue 20.7)",
          arguments: ["2023-09-01", "2025-09-09"])
    func pharmacotherapyEnded(end: String) throws {
        let encounter = clean.clinical { $0.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2023-06-01"), end: day(end))] }
        expectReason(try evaluate(encounter), rule: "tc.pharmacotherapy", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.4"))
    }

    @Test("tc.pharmacotherapy fails: only an opioid and an anticonvulsant → denied 50")
    func pharmacotherapyFails() throws {
        let encounter = clean.clinical {
            $0.pharmacotherapy = [Pharmacotherapy(drugClass: .opioid, start: day("2025-07-01")),
                                  Pharmacotherapy(drugClass: .anticonvulsant, start: day("2025-07-01"))]
        }
        expectReason(try evaluate(encounter), rule: "tc.pharmacotherapy", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.4"))
    }

    @Test("tc.pharmacotherapy unknown: no medication record → pended 252, medication list (34483-8) requested")
    func pharmacotherapyUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.pharmacotherapy = nil }.withoutDocuments(.medicationList))
        expectReason(determination, rule: "tc.pharmacotherapy", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.4"))
        #expect(determination.documentation.missing == ["medication_list"])
        #expect(determination.documentation.requests == [
            DocumentRequest(name: "Current, discharge, or administered medications", loinc: "34483-8", timeFrame: "18805-2"),
        ])
    }

    // MARK: tc.documentation

    @Test("tc.documentation passes: H&P, reason for therapy, procedure note, frequency plan, prior results documented; muscles named (002 § D. Policy, I.A.5)")
    func documentationPasses() throws {
        let encounter = clean.clinical {
            $0.documentation = [.historyAndPhysical, .reasonForTherapy, .procedureNote, .injectionFrequencyPlan, .priorTreatmentResults]
        }
        expectPasses(try evaluate(encounter), rule: "tc.documentation")
    }

    @Test("tc.documentation unknown: no injection frequency plan → pended 252 (never denied), injection_frequency_plan missing")
    func documentationMissing() throws {
        let determination = try evaluate(clean.withoutDocuments(.injectionFrequencyPlan))
        expectReason(determination, rule: "tc.documentation", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.5"))
        #expect(determination.documentation.missing == ["injection_frequency_plan"])
        #expect(determination.documentation.requests.map(\.name) == ["Injection frequency plan"])
    }

    @Test("tc.documentation unknown: \"paraspinals\" instead of the muscles → pended 252, procedure note missing")
    func documentationParaspinals() throws {
        let determination = try evaluate(clean.sites([site("paraspinals", nil)]).withoutDocuments(.procedureNote))
        expectReason(determination, rule: "tc.documentation", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, I.A.5"))
        #expect(determination.documentation.missing == ["procedure_note"])
    }

    // MARK: tc.subsequent-improvement

    @Test("tc.subsequent-improvement passes: prior TPI at the same region, 50% improvement in pain and improved function (002 § D. Policy, II.B)")
    func subsequentPasses() throws {
        let encounter = subsequent.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 50, functionalImprovement: true) }
        expectPasses(try evaluate(encounter), rule: "tc.subsequent-improvement")
    }

    @Test("tc.subsequent-improvement fails: 60% less pain but function documented as not improved → denied 50 (\"pain, functioning, and activity tolerance\", issue 20.3)")
    func subsequentFunctionNotImproved() throws {
        let encounter = subsequent.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 60, functionalImprovement: false) }
        expectReason(try evaluate(encounter), rule: "tc.subsequent-improvement", carc: "50", lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.cite("D. Policy, II.B"))
    }

    @Test("tc.subsequent-improvement unknown: 60% less pain, function not documented → pended 252, prior treatment results requested")
    func subsequentFunctionUnknown() throws {
        let encounter = subsequent.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 60) }
            .withoutDocuments(.priorTreatmentResults)
        expectReason(try evaluate(encounter), rule: "tc.subsequent-improvement", carc: "252", lineOutcome: .pended,
                     claimOutcome: .pended, citation: Self.cite("D. Policy, II.B"))
    }

    @Test("\"subsequent\" is bounded: a prior TPI at the same region more than 3 months before starts a new episode → the initial criteria apply (issue 20.3)")
    func subsequentAfterLongGap() throws {
        // Same region (levator scapulae, the neck) on 2025-05-15, four months before 2025-09-10; old pain, little relief.
        let encounter = clean.clinical { $0.painOnset = day("2024-01-15"); $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 10) }
            .history([prior("H1", "2025-05-15", sites: [site("levator scapulae")])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "tc.new-pain", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, I.A.1"))
        #expect(determination.allReasons("tc.subsequent-improvement").isEmpty)
    }

    @Test("\"subsequent\" within the bound: the same region on 2025-06-12, inside the 3 months before 2025-09-10 → subsequent, the initial criteria skipped")
    func subsequentInsideBound() throws {
        let encounter = clean.clinical { $0.painOnset = day("2024-01-15"); $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 10) }
            .history([prior("H1", "2025-06-12", sites: [site("levator scapulae")])])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons("tc.new-pain").isEmpty)
        expectReason(determination, rule: "tc.subsequent-improvement", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("D. Policy, II.B"))
    }

    @Test("tc.subsequent-improvement fails: 49% improvement after the prior TPI at the same region → denied 50")
    func subsequentFails() throws {
        let encounter = subsequent.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 49) }
        expectReason(try evaluate(encounter), rule: "tc.subsequent-improvement", carc: "50", lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.cite("D. Policy, II.B"))
    }

    @Test("tc.subsequent-improvement unknown: improvement not documented → pended 252, prior treatment results missing")
    func subsequentUnknown() throws {
        let encounter = subsequent.clinical { $0.priorInjectionResponse = nil }.withoutDocuments(.priorTreatmentResults)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "tc.subsequent-improvement", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.cite("D. Policy, II.B"))
        #expect(determination.documentation.missing == ["prior_treatment_results"])
    }

    @Test("tc.subsequent-improvement does not apply after a prior TPI in another region (not subsequent)")
    func subsequentOtherRegion() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 10) }
            .history([prior("H1", "2025-08-01", sites: [site("gluteus medius")])])
        expectPasses(try evaluate(encounter), rule: "tc.subsequent-improvement")
    }

    @Test("a subsequent injection skips the initial criteria I.A.1–5: no plan, no medication, no documents listed, and still approved")
    func subsequentSkipsInitialCriteria() throws {
        let encounter = subsequent.clinical {
            $0.painOnset = nil; $0.treatmentPlan = nil; $0.pharmacotherapy = nil; $0.conservativeTherapy = nil; $0.documentation = nil
        }
        let determination = try evaluate(encounter)
        #expect(determination.outcome == .approved)
        #expect(determination.line(1)?.reasons == [])
    }

    // MARK: tc.dates-per-year

    static let monthly2025 = ["2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10", "2025-05-10", "2025-06-10", "2025-07-10", "2025-08-10"]

    @Test("tc.dates-per-year passes: the 8th date of service in 2025 (a December 2024 date doesn't count) (002 § D. Policy, II.A)")
    func datesPasses() throws {
        let history = [prior("H0", "2024-12-20")] + Self.monthly2025.prefix(7).enumerated().map { prior("H\($0.offset + 1)", $0.element) }
        let encounter = subsequent.history(history)
        expectPasses(try evaluate(encounter), rule: "tc.dates-per-year")
    }

    @Test("tc.dates-per-year fails: the 9th date of service in 2025 → denied CARC 119")
    func datesFails() throws {
        let history = Self.monthly2025.enumerated().map { prior("H\($0.offset + 1)", $0.element) }
        let determination = try evaluate(subsequent.history(history))
        let reason = expectReason(determination, rule: "tc.dates-per-year", carc: "119", lineOutcome: .denied, claimOutcome: .denied,
                                  citation: Self.cite("D. Policy, II.A"))
        #expect(reason?.message.contains("9th") == true)
    }

    @Test("tc.dates-per-year counts dates, not services: two services on one prior date are one date → 8th date allowed")
    func datesCountsDates() throws {
        // Jan–Jun (6 dates) and three services on 2025-08-10 (1 date): this is the 8th date, the 10th service.
        let history = Self.monthly2025.prefix(6).enumerated().map { prior("H\($0.offset + 1)", $0.element) }
            + [prior("H7", "2025-08-10"), prior("H8", "2025-08-10", sites: [site("trapezius", .left)]),
               prior("H9", "2025-08-10", sites: [site("levator scapulae")])]
        expectPasses(try evaluate(subsequent.history(history)), rule: "tc.dates-per-year")
    }

    // MARK: exclusions

    @Test("tc.localization-imaging passes: no imaging code billed")
    func imagingPasses() throws {
        let determination = try evaluate(clean)
        #expect(determination.allReasons("tc.localization-imaging").isEmpty)
        #expect(determination.outcome == .approved)
    }

    @Test("tc.localization-imaging fails: 76942 with 20552 → 76942 denied CARC 96 (not covered), claim partial (002 § D. Policy, I.B)")
    func imagingFails() throws {
        let determination = try evaluate(clean.lines([line("20552", pointers: [1]), line("76942")]))
        expectReason(determination, rule: "tc.localization-imaging", line: 2, carc: "96", lineOutcome: .denied,
                     claimOutcome: .partial, citation: Self.cite("D. Policy, I.B"))
        #expect(determination.line(1)?.outcome == .approved)
    }

    @Test("tc.dry-needling passes: lidocaine injected, billed 20552")
    func dryNeedlingPasses() throws {
        #expect(try evaluate(clean).allReasons("tc.dry-needling").isEmpty)
    }

    @Test("tc.dry-needling fails: nothing injected, billed 20560 → denied CARC 96 (002 § IV. Payment Information, D)")
    func dryNeedlingFails() throws {
        let encounter = clean.with { $0.procedure?.injectate = [] }.lines([line("20560", pointers: [1])])
        expectReason(try evaluate(encounter), rule: "tc.dry-needling", carc: "96", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.cite("IV. Payment Information, D"))
    }
}
