import Testing
import Engine
import Model

/// Florida Blue MCG 02-20000-28 (Policies/florida-blue-02-20000-28.yaml, seed 000): every rule, both sides.
@Suite("Florida Blue 02-20000-28 rules")
struct FloridaBlueRuleTests {
    let clean = cleanEncounter(.floridaBlue)
    static let positionStatement = Citation(source: Published.floridaBlue, section: "Position Statement")
    static let reimbursement = Citation(source: Published.floridaBlue, section: "Reimbursement Information")
    static let diagnosisList = Citation(source: Published.floridaBlue,
                                        section: "Billing/Coding Information: ICD-10 Diagnosis Codes That Support Medical Necessity")
    static let programExceptions = Citation(source: Published.floridaBlue, section: "Program Exceptions")

    @Test("the clean Florida Blue encounter is approved under florida-blue/02-20000-28 with every rule evaluated")
    func cleanApproved() throws {
        let determination = try evaluate(clean)
        #expect(determination.outcome == .approved)
        #expect(determination.policy?.id == "florida-blue/02-20000-28")
        #expect(determination.policy?.effectiveFrom == day("2023-08-15"))
        #expect(determination.policy?.effectiveTo == nil)
        #expect(determination.line(1)?.reasons == [])
        #expect(determination.line(1)?.evaluated == ["fb.diagnosis", "fb.referral-pain", "fb.taut-band-tenderness",
                                                     "fb.restricted-motion", "fb.conservative-therapy",
                                                     "fb.limit-30-days", "fb.limit-6-months"])
        #expect(determination.documentation == DocumentationAdvice())
        #expect(determination.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: [])])
        #expect(determination.coding.issues.isEmpty)
    }

    // MARK: fb.diagnosis

    @Test("fb.diagnosis passes: M79.7 (listed) on the claim (000 § Billing/Coding Information)")
    func diagnosisPasses() throws {
        expectPasses(try evaluate(clean), rule: "fb.diagnosis")
    }

    @Test("fb.diagnosis passes for codes inside listed ranges and under listed headers: M60.111, M62.838, M65.98 (range end M65.9 is a header), M62.40 (M62.4 header)",
          arguments: ["M60.111", "M62.838", "M65.98", "M62.40", "M79.676", "M54.09"])
    func diagnosisPassesInRanges(code: String) throws {
        expectPasses(try evaluate(clean.diagnoses([code])), rule: "fb.diagnosis")
    }

    @Test("fb.diagnosis fails: M79.18 (myalgia, not listed by Florida Blue) → denied CARC 11")
    func diagnosisFails() throws {
        let determination = try evaluate(clean.diagnoses(["M79.18"]))
        expectReason(determination, rule: "fb.diagnosis", carc: "11", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.diagnosisList)
    }

    @Test("fb.diagnosis looks at the line's pointed diagnoses: M79.7 on the claim but the line points only to M54.2 → denied 11")
    func diagnosisUsesPointers() throws {
        let determination = try evaluate(clean.diagnoses(["M79.7", "M54.2"]).lines([line("20552", pointers: [2])]))
        expectReason(determination, rule: "fb.diagnosis", carc: "11", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.diagnosisList)
        // The message names the line's billable diagnoses, in pointer order, and no others.
        let pointed = try evaluate(clean.diagnoses(["M79.7", "M54.2", "M79.18"]).lines([line("20552", pointers: [3, 2])]))
        #expect(pointed.line(1)?.reason("fb.diagnosis")?.message.hasPrefix("None of the line's diagnoses (M79.18, M54.2) is among") == true,
                "\(pointed.line(1)?.reason("fb.diagnosis")?.message ?? "")")
    }

    @Test("a TPI line with no diagnosis at all is not approved: the supporting-diagnosis rule cannot be met (absent = unknown)",
          arguments: [Payer.floridaBlue, .harvardPilgrim, .medicare])
    func noDiagnosisNotApproved(payer: Payer) throws {
        let determination = try evaluate(cleanEncounter(payer).with { $0.diagnoses = nil }.lines([line("20552")]))
        let line = try #require(determination.line(1))
        #expect(line.outcome != .approved)
        #expect(line.reasons.contains { $0.rule.hasSuffix(".diagnosis") || $0.rule == "coding.diagnosis-validity" },
                "reasons: \(line.reasons.map(\.rule))")
    }

    // MARK: findings

    @Test("fb.referral-pain passes: regional pain in the referral pattern documented true (000 § Position Statement)")
    func referralPainPasses() throws {
        expectPasses(try evaluate(clean), rule: "fb.referral-pain")
    }

    @Test("fb.referral-pain fails: documented as absent → denied CARC 50")
    func referralPainFails() throws {
        let determination = try evaluate(clean.clinical { $0.findings?.regionalPainInReferralPattern = false })
        expectReason(determination, rule: "fb.referral-pain", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    @Test("fb.referral-pain unknown: not documented → pended 252, history and physical missing, the LOINC table requested with 18805-2")
    func referralPainUnknown() throws {
        let encounter = clean.clinical { $0.findings?.regionalPainInReferralPattern = nil }.withoutDocuments(.historyAndPhysical)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.referral-pain", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.positionStatement)
        #expect(determination.documentation.missing == ["history_and_physical"])
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
        #expect(determination.documentation.requests.allSatisfy { $0.timeFrame == "18805-2" })
    }

    @Test("fb.taut-band-tenderness passes: spot tenderness and taut band documented")
    func tautBandPasses() throws {
        expectPasses(try evaluate(clean), rule: "fb.taut-band-tenderness")
    }

    @Test("fb.taut-band-tenderness fails: taut band documented absent (spot tenderness present) → denied 50")
    func tautBandFails() throws {
        let determination = try evaluate(clean.clinical { $0.findings?.tautBand = false })
        expectReason(determination, rule: "fb.taut-band-tenderness", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    @Test("fb.taut-band-tenderness fails even when the other part is unknown: false ∧ unknown = false → denied 50")
    func tautBandFalseAndUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.findings?.tautBand = false; $0.findings?.spotTenderness = nil })
        expectReason(determination, rule: "fb.taut-band-tenderness", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    @Test("fb.taut-band-tenderness unknown: spot tenderness not documented → pended 252 with the LOINC requests")
    func tautBandUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.findings?.spotTenderness = nil }.withoutDocuments(.historyAndPhysical))
        expectReason(determination, rule: "fb.taut-band-tenderness", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.positionStatement)
        #expect(determination.documentation.missing == ["history_and_physical"])
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    @Test("fb.restricted-motion passes: restricted range of motion documented")
    func restrictedMotionPasses() throws {
        expectPasses(try evaluate(clean), rule: "fb.restricted-motion")
    }

    @Test("fb.restricted-motion fails: documented absent → denied 50")
    func restrictedMotionFails() throws {
        let determination = try evaluate(clean.clinical { $0.findings?.restrictedRangeOfMotion = false })
        expectReason(determination, rule: "fb.restricted-motion", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    @Test("fb.restricted-motion unknown: no findings at all → pended 252 (and every finding rule pends)")
    func restrictedMotionUnknown() throws {
        let determination = try evaluate(clean.clinical { $0.findings = nil }.withoutDocuments(.historyAndPhysical))
        expectReason(determination, rule: "fb.restricted-motion", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.positionStatement)
        #expect(determination.line(1)?.ruleIds == ["fb.referral-pain", "fb.taut-band-tenderness", "fb.restricted-motion"])
        #expect(determination.documentation.missing == ["history_and_physical"])
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    // MARK: fb.conservative-therapy

    @Test("fb.conservative-therapy passes: physical therapy 42 days (6 weeks) failed, nothing else documented")
    func conservativeTherapyPasses() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-07-01"), end: day("2025-08-12"), outcome: .failed)]
            $0.pharmacotherapy = []
        }
        expectPasses(try evaluate(encounter), rule: "fb.conservative-therapy")
    }

    @Test("fb.conservative-therapy passes: conservative therapy not feasible needs no duration")
    func conservativeTherapyNotFeasible() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, outcome: .notFeasible)]
            $0.pharmacotherapy = []
        }
        expectPasses(try evaluate(encounter), rule: "fb.conservative-therapy")
    }

    @Test("fb.conservative-therapy passes: 42 days of pharmacotherapy that failed, by the date of service")
    func conservativeTherapyPharmacotherapy() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = []
            // 2025-07-31 … 2025-09-10, both days counted: 42 days.
            $0.pharmacotherapy = [Pharmacotherapy(drugClass: .muscleRelaxant, start: day("2025-07-31"), outcome: .failed)]
        }
        expectPasses(try evaluate(encounter), rule: "fb.conservative-therapy")
    }

    @Test("fb.conservative-therapy passes: six weeks of physical therapy counted Monday to Sunday (2025-06-02 … 2025-07-13) is 42 days (issue 20.6)")
    func conservativeTherapyMondayToSunday() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-02"), end: day("2025-07-13"), outcome: .failed)]
            $0.pharmacotherapy = []
        }
        expectPasses(try evaluate(encounter), rule: "fb.conservative-therapy")
    }

    @Test("fb.conservative-therapy passes: therapy the member could not tolerate, after two weeks, was not feasible (issue 20.6)")
    func conservativeTherapyIntolerant() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-08-01"), end: day("2025-08-14"), outcome: .intolerant)]
            $0.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2025-08-01"), end: day("2025-08-05"), outcome: .intolerant)]
        }
        expectPasses(try evaluate(encounter), rule: "fb.conservative-therapy")
        let medicationOnly = encounter.clinical { $0.conservativeTherapy = [] }
        expectPasses(try evaluate(medicationOnly), rule: "fb.conservative-therapy")
    }

    @Test("fb.conservative-therapy unknown: therapy improved, 42 days of an NSAID with no outcome → not shown to fail: pended 252, medication list asked (issue 20.6)")
    func conservativeTherapyImprovedWithMedication() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-01"), end: day("2025-08-20"), outcome: .improved)]
            $0.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2025-07-01"))]
        }.withoutDocuments(.medicationList)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.conservative-therapy", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.positionStatement)
        #expect(determination.documentation.missing.contains("medication_list"))
    }

    @Test("fb.conservative-therapy fails: 41 days of failed physical therapy (2025-07-01 … 2025-08-10), 41 days of failed medication → denied 50")
    func conservativeTherapyTooShort() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-07-01"), end: day("2025-08-10"), outcome: .failed)]
            $0.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2025-08-01"), outcome: .failed)]
        }
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.conservative-therapy", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    @Test("fb.conservative-therapy fails: therapy improved, no medication → denied 50")
    func conservativeTherapyImproved() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-01"), end: day("2025-08-20"), outcome: .improved)]
            $0.pharmacotherapy = []
        }
        expectReason(try evaluate(encounter), rule: "fb.conservative-therapy", carc: "50", lineOutcome: .denied,
                     claimOutcome: .denied, citation: Self.positionStatement)
    }

    @Test("fb.conservative-therapy unknown: no therapy or medication record → pended 252, visit note, PT progress note and medication list missing")
    func conservativeTherapyUnknown() throws {
        let encounter = clean.clinical { $0.conservativeTherapy = nil; $0.pharmacotherapy = nil }
            .withoutDocuments(.visitNote, .physicalTherapyProgressNote, .medicationList)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.conservative-therapy", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.positionStatement)
        #expect(determination.documentation.missing == ["medication_list", "physical_therapy_progress_note", "visit_note"])
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    // MARK: fb.limit-30-days

    @Test("fb.limit-30-days passes: 4th procedure in 30 days at the region (000 § Reimbursement Information)")
    func limit30Passes() throws {
        let encounter = clean.history([prior("H1", "2025-08-20"), prior("H2", "2025-08-27", "20553"), prior("H3", "2025-09-03")])
        expectPasses(try evaluate(encounter), rule: "fb.limit-30-days")
    }

    @Test("fb.limit-30-days fails: 5th procedure in 30 days at the region → pended 252 (medical review), not denied, LOINC requests")
    func limit30Fails() throws {
        let encounter = clean.history([prior("H1", "2025-08-12"), prior("H2", "2025-08-20"), prior("H3", "2025-08-27", "20553"),
                                       prior("H4", "2025-09-03")])
        let determination = try evaluate(encounter)
        let reason = expectReason(determination, rule: "fb.limit-30-days", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                                  citation: Self.reimbursement)
        #expect(reason?.message.contains("5th") == true)
        #expect(determination.allReasons("fb.limit-30-days").allSatisfy { $0.carc != "119" })
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    @Test("fb.limit-30-days counts each anatomic location on its own: neck + shoulder session, two priors in each → passes (issue 20.4)")
    func limit30PerLocation() throws {
        let encounter = clean.sites([site("trapezius"), site("infraspinatus")])
            .history([prior("N1", "2025-08-20", sites: [site("trapezius")]), prior("N2", "2025-08-27", sites: [site("trapezius")]),
                      prior("S1", "2025-08-21", sites: [site("infraspinatus")]), prior("S2", "2025-08-28", sites: [site("infraspinatus")])])
        #expect(try evaluate(encounter).allReasons("fb.limit-30-days").isEmpty)
        // Four at the neck alone: that location exceeds.
        let neck = clean.sites([site("trapezius"), site("infraspinatus")])
            .history((1...4).map { prior("N\($0)", "2025-08-2\($0)", sites: [site("trapezius")]) })
        #expect(try evaluate(neck).line(1)?.reason("fb.limit-30-days")?.carc == "252")
    }

    @Test("fb.limit-30-days holds for every window containing the date, later services included, in any arrival order (issue 27.4)")
    func limit30LateClaims() throws {
        let dates = ["2025-08-10", "2025-08-11", "2025-08-12", "2025-08-13", "2025-08-14", "2025-08-15"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let history = dates.enumerated().map { prior("C\($0.offset)", $0.element) }.shuffled(using: &generator)
            for date in dates {
                let others = history.filter { $0.dateOfService.description != date }
                let encounter = cleanEncounter(.floridaBlue, id: "CLM-\(date)", date: date).history(others)
                // Six in one 30-day period: every one of them is past the limit of 4, whichever came first.
                #expect(try evaluate(encounter).line(1)?.reason("fb.limit-30-days")?.carc == "252", "\(date)")
            }
        }
        // Four in all, the others later: within the limit.
        let few = cleanEncounter(.floridaBlue, date: "2025-08-10").history([prior("L1", "2025-08-12"), prior("L2", "2025-08-14"), prior("L3", "2025-08-16")])
        #expect(try evaluate(few).allReasons("fb.limit-30-days").isEmpty)
    }

    @Test("fb.limit-30-days names the counted services oldest first, and past ten only the latest ten")
    func limit30Message() throws {
        let four = try evaluate(clean.history([prior("H1", "2025-08-12"), prior("H2", "2025-08-20"), prior("H3", "2025-08-27", "20553"),
                                               prior("H4", "2025-09-03")]))
        #expect(four.line(1)?.reason("fb.limit-30-days")?.message.contains(
            "Counted: H1 20552 on 2025-08-12, H2 20552 on 2025-08-20, H3 20553 on 2025-08-27, H4 20552 on 2025-09-03 and this claim.") == true)
        // Fourteen in the window (a history no payer would pay, but a store can hold it).
        let many = (1...14).map { prior("M\($0)", LocalDate("2025-08-10")!.adding(days: $0 * 2).description) }
        let message = try #require(try evaluate(clean.history(many)).line(1)?.reason("fb.limit-30-days")?.message)
        #expect(message.contains("This is the 15th procedure"))
        #expect(message.contains("Counted: 4 earlier services, then M5 20552 on 2025-08-20, M6 "))
        #expect(message.contains("M14 20552 on 2025-09-07 and this claim."))
        #expect(!message.contains("M4 "))
    }

    @Test("fb.limit-30-days window: a prior 30 days before is outside the 30 days ending on the date of service, 29 days before is inside")
    func limit30Window() throws {
        let others = [prior("H2", "2025-08-20"), prior("H3", "2025-08-27"), prior("H4", "2025-09-03")]
        expectPasses(try evaluate(clean.history([prior("H1", "2025-08-11")] + others)), rule: "fb.limit-30-days")
        let inside = try evaluate(clean.history([prior("H1", "2025-08-12")] + others))
        #expect(inside.line(1)?.reason("fb.limit-30-days")?.carc == "252")
    }

    @Test("fb.limit-30-days is per anatomic region: 4 prior procedures in the lower back don't count for a neck injection")
    func limit30OtherRegion() throws {
        let lowBack = [site("quadratus lumborum", .left)]
        let encounter = clean.history([prior("H1", "2025-08-12", sites: lowBack), prior("H2", "2025-08-20", sites: lowBack),
                                       prior("H3", "2025-08-27", sites: lowBack), prior("H4", "2025-09-03", sites: lowBack)])
        expectPasses(try evaluate(encounter), rule: "fb.limit-30-days")
    }

    @Test("fb.limit-30-days counts other muscles of the same region: levator scapulae and left trapezius are neck like the right trapezius")
    func limit30SameRegionOtherMuscle() throws {
        let encounter = clean.history([prior("H1", "2025-08-12", sites: [site("levator scapulae")]),
                                       prior("H2", "2025-08-20", sites: [site("trapezius", .left)]),
                                       prior("H3", "2025-08-27", sites: [site("sternocleidomastoid")]),
                                       prior("H4", "2025-09-03", sites: [site("levator scapulae", .left)])])
        expectReason(try evaluate(encounter), rule: "fb.limit-30-days", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.reimbursement)
    }

    @Test("fb.limit-30-days unknown: 4 prior procedures whose sites are not documented → pended 252, procedure note missing")
    func limit30Unknown() throws {
        let encounter = clean.history([prior("H1", "2025-08-12", sites: nil), prior("H2", "2025-08-20", sites: nil),
                                       prior("H3", "2025-08-27", sites: nil), prior("H4", "2025-09-03", sites: nil)])
            .withoutDocuments(.procedureNote)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.limit-30-days", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.reimbursement)
        #expect(determination.documentation.missing == ["procedure_note"])
        #expect(Array(determination.documentation.requests.prefix(6)) == floridaBlueLOINCTable)
        #expect(determination.documentation.requests.contains { $0.name == "Procedure note" })
    }

    // MARK: fb.limit-6-months

    @Test("fb.limit-6-months passes: 6th procedure in six months at the region (a prior the day before the window doesn't count)")
    func limit6Passes() throws {
        let encounter = clean.history([prior("H0", "2025-03-10"), prior("H1", "2025-03-11"), prior("H2", "2025-04-10"),
                                       prior("H3", "2025-05-10"), prior("H4", "2025-06-10"), prior("H5", "2025-07-10")])
        expectPasses(try evaluate(encounter), rule: "fb.limit-6-months")
    }

    @Test("fb.limit-6-months fails: 7th procedure in six months at the region → pended 252, LOINC requests")
    func limit6Fails() throws {
        let encounter = clean.history([prior("H1", "2025-03-11"), prior("H2", "2025-04-10"), prior("H3", "2025-05-10"),
                                       prior("H4", "2025-06-10"), prior("H5", "2025-07-10"), prior("H6", "2025-08-10", "20553")])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.limit-6-months", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.reimbursement)
        #expect(determination.line(1)?.reason("fb.limit-30-days") == nil)
        #expect(determination.documentation.requests == floridaBlueLOINCTable)
    }

    @Test("fb.limit-6-months is per anatomic region: 6 prior procedures in the shoulder girdle don't count for a neck injection")
    func limit6OtherRegion() throws {
        let shoulder = [site("infraspinatus")]
        let encounter = clean.history(["2025-03-11", "2025-04-10", "2025-05-10", "2025-06-10", "2025-07-10", "2025-08-10"]
            .enumerated().map { prior("H\($0.offset)", $0.element, sites: shoulder) })
        expectPasses(try evaluate(encounter), rule: "fb.limit-6-months")
    }

    @Test("fb.limit-6-months unknown: 6 prior procedures in six months whose sites are not documented → pended 252, procedure note missing")
    func limit6Unknown() throws {
        let encounter = clean.history(["2025-03-11", "2025-04-10", "2025-05-10", "2025-06-10", "2025-07-10", "2025-08-10"]
            .enumerated().map { prior("H\($0.offset)", $0.element, sites: nil) })
            .withoutDocuments(.procedureNote)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.limit-6-months", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.reimbursement)
        #expect(determination.line(1)?.reason("fb.limit-30-days") == nil)
        #expect(determination.documentation.missing == ["procedure_note"])
        #expect(Array(determination.documentation.requests.prefix(6)) == floridaBlueLOINCTable)
    }

    // MARK: exclusions

    @Test("fb.imaging-guidance passes: no guidance code billed; 76942 billed without a TPI is not denied by it")
    func imagingPasses() throws {
        let determination = try evaluate(clean)
        #expect(determination.allReasons("fb.imaging-guidance").isEmpty)
        #expect(determination.outcome == .approved)
        #expect(determination.line(1)?.evaluated?.contains("fb.imaging-guidance") == false)  // it governs only guidance codes
        let alone = try evaluate(clean.lines([line("76942")]))
        #expect(alone.allReasons("fb.imaging-guidance").isEmpty)
        #expect(alone.line(1)?.outcome != .denied)
    }

    @Test("fb.imaging-guidance fails: 76942 with 20552 → 76942 denied CARC 55 (investigational), the injection approved, claim partial",
          arguments: ["76942", "77002", "77012", "77021"])
    func imagingFails(code: String) throws {
        let determination = try evaluate(clean.lines([line("20552", pointers: [1]), line(code)]))
        expectReason(determination, rule: "fb.imaging-guidance", line: 2, carc: "55", lineOutcome: .denied, claimOutcome: .partial,
                     citation: Self.positionStatement)
        #expect(determination.line(1)?.outcome == .approved)
    }

    @Test("fb.dry-needling passes: lidocaine injected and billed 20552 → no dry-needling reason")
    func dryNeedlingPasses() throws {
        let determination = try evaluate(clean)
        #expect(determination.allReasons("fb.dry-needling").isEmpty)
        #expect(determination.outcome == .approved)
    }

    @Test("fb.dry-needling fails: nothing injected, billed 20560 → denied CARC 55 (investigational)")
    func dryNeedlingFails() throws {
        let encounter = clean.with { $0.procedure?.injectate = [] }.lines([line("20560", pointers: [1])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "fb.dry-needling", carc: "55", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
        #expect(determination.allReasons("coding.dry-needling").isEmpty)
        #expect(determination.coding.recommended == [RecommendedLine(code: "20560", units: 1, modifiers: [])])
    }

    @Test("fb.dry-needling fails for 20561 too: 3 muscles needled → denied 55")
    func dryNeedling20561() throws {
        let encounter = clean.with { $0.procedure?.injectate = [] }
            .sites([site("trapezius"), site("levator scapulae"), site("rhomboid major")])
            .lines([line("20561", pointers: [1])])
        expectReason(try evaluate(encounter), rule: "fb.dry-needling", carc: "55", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.positionStatement)
    }

    // MARK: program exceptions

    @Test("fb.exception.fep: an FEP member → claim not_applicable with the defer message (000 § Program Exceptions)")
    func federalEmployeeProgram() throws {
        let determination = try evaluate(clean.with { $0.coverage.lineOfBusiness = .fep })
        #expect(determination.outcome == .notApplicable)
        #expect(determination.policy?.id == "florida-blue/02-20000-28")
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        let reason = try #require(determination.reasons.first)
        #expect(determination.reasons.count == 1)
        #expect(reason.rule == "fb.exception.fep")
        #expect(reason.carc == nil)
        #expect(reason.message == "Federal Employee Program: follow FEP guidelines; this guideline does not decide FEP claims.")
        #expect(reason.citation == Self.programExceptions)
    }

    @Test("fb.exception.sao: an SAO member → claim not_applicable with the defer message, even when the claim would be denied")
    func stateAccountOrganization() throws {
        let determination = try evaluate(clean.with { $0.coverage.lineOfBusiness = .sao }.diagnoses(["M79.18"]))
        #expect(determination.outcome == .notApplicable)
        #expect(determination.lines.map(\.outcome) == [.notApplicable])
        #expect(determination.reasons.map(\.rule) == ["fb.exception.sao"])
        #expect(determination.reasons.first?.message == "State Account Organization: follow SAO guidelines; this guideline does not decide SAO claims.")
        #expect(determination.reasons.first?.citation == Self.programExceptions)
    }

    @Test("fb.exception.medicare-advantage: a Medicare Advantage member is decided by medicare/l33912, with a claim reason naming the route")
    func medicareAdvantage() throws {
        // M79.18 is not on Florida Blue's list (denied 11 for commercial) but is covered by the LCD's M79.1.
        let encounter = clean.with { $0.coverage.lineOfBusiness = .medicareAdvantage }.diagnoses(["M79.18"])
        let determination = try evaluate(encounter)
        #expect(determination.payer == "florida-blue")
        #expect(determination.policy?.id == "medicare/l33912")
        #expect(determination.outcome == .approved)
        let route = try #require(determination.reasons.first)
        #expect(route.rule == "fb.exception.medicare-advantage")
        #expect(route.carc == nil)
        #expect(route.citation == Self.programExceptions)
        #expect(route.message.contains("florida-blue/02-20000-28"))
        #expect(route.message.contains("medicare_advantage"))
        #expect(route.message.contains("medicare/l33912"))
        #expect(determination.line(1)?.evaluated?.allSatisfy { $0.hasPrefix("mcr.") } == true)
        #expect(determination.line(1)?.evaluated?.contains("mcr.diagnosis") == true)

        let commercial = try evaluate(clean.diagnoses(["M79.18"]))
        #expect(commercial.line(1)?.reason("fb.diagnosis")?.carc == "11")
    }

    @Test("fb.exception.medicare-advantage: the LCD's rules decide — an unlisted diagnosis pends (mcr.diagnosis) instead of Florida Blue's denial 11")
    func medicareAdvantageUsesLCDRules() throws {
        let encounter = clean.with { $0.coverage.lineOfBusiness = .medicareAdvantage }.diagnoses(["M54.2"])
        let determination = try evaluate(encounter)
        #expect(determination.policy?.id == "medicare/l33912")
        expectReason(determination, rule: "mcr.diagnosis", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Citation(source: Published.medicare, section: "Group 1 Codes"))
        #expect(determination.allReasons("fb.diagnosis").isEmpty)
        #expect(determination.reasons.first?.rule == "fb.exception.medicare-advantage")
    }

    @Test("Florida Blue's policy starts 2023-08-15: a 2023-08-14 date of service → not_applicable, no policy in effect")
    func beforeEffective() throws {
        let determination = try evaluate(cleanEncounter(.floridaBlue, date: "2023-08-14"))
        #expect(determination.outcome == .notApplicable)
        #expect(determination.policy == nil)
        #expect(determination.reasons.map(\.rule) == ["policy.none"])
        #expect(determination.reasons.first?.message.contains("2023-08-14") == true)
        let first = try evaluate(cleanEncounter(.floridaBlue, date: "2023-08-15"))
        #expect(first.policy?.id == "florida-blue/02-20000-28")
    }
}
