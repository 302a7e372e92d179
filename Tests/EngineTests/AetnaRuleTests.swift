import Testing
import Engine
import Model

/// Aetna per secondary source 004 (Policies/aetna-trigger-point-injections.yaml): every rule, both sides.
@Suite("Aetna rules (seed 004)")
struct AetnaRuleTests {
    let clean = cleanEncounter(.aetna)
    static let policySection = Citation(source: Published.aetna, section: "Aetna's Medical Policy")

    @Test("the clean Aetna encounter is approved with every aetna.* rule evaluated")
    func cleanApproved() throws {
        let determination = try evaluate(clean)
        #expect(determination.outcome == .approved)
        #expect(determination.policy?.id == "aetna/trigger-point-injections")
        #expect(determination.line(1)?.evaluated == ["aetna.interval", "aetna.per-year", "aetna.conservative-care", "aetna.injection-sites"])
    }

    // MARK: aetna.interval

    @Test("aetna.interval passes: exactly 7 days since the previous TPI (004 § Aetna's Medical Policy)")
    func intervalPasses() throws {
        expectPasses(try evaluate(clean.history([prior("H1", "2025-09-03")])), rule: "aetna.interval")
    }

    @Test("aetna.interval holds both ways: a TPI 3 days after this one (a late claim) → denied 151; 7 days after → passes (issue 27.4)")
    func intervalLaterService() throws {
        let late = try evaluate(clean.history([prior("H9", "2025-09-13")]))
        #expect(late.line(1)?.reason("aetna.interval")?.carc == "151")
        expectPasses(try evaluate(clean.history([prior("H9", "2025-09-17")])), rule: "aetna.interval")
    }

    @Test("aetna.interval passes: no prior TPI")
    func intervalNoHistory() throws {
        expectPasses(try evaluate(clean), rule: "aetna.interval")
    }

    @Test("aetna.interval fails: 6 days since the previous TPI → denied CARC 151", arguments: ["2025-09-04", "2025-09-09"])
    func intervalFails(date: String) throws {
        let determination = try evaluate(clean.history([prior("H1", date, "20553",
                                                              sites: [site("infraspinatus"), site("teres minor"), site("rhomboid major")])]))
        expectReason(determination, rule: "aetna.interval", carc: "151", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.policySection)
    }

    @Test("aetna.interval is per member: a prior TPI in another region 3 days before is still too soon → denied 151")
    func intervalMemberScope() throws {
        let determination = try evaluate(clean.history([prior("H1", "2025-09-07", sites: [site("gluteus medius", .left)])]))
        expectReason(determination, rule: "aetna.interval", carc: "151", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.policySection)
    }

    // MARK: aetna.per-year

    @Test("aetna.per-year passes: the 4th TPI in 12 months (a prior 12 months to the day is outside)")
    func perYearPasses() throws {
        let encounter = clean.history([prior("H0", "2024-09-10"), prior("H1", "2024-10-10"), prior("H2", "2025-01-10"), prior("H3", "2025-04-10")])
        expectPasses(try evaluate(encounter), rule: "aetna.per-year")
    }

    @Test("aetna.per-year fails: the 5th TPI in 12 months → pended 252 for review, not denied")
    func perYearFails() throws {
        let encounter = clean.history([prior("H1", "2024-09-11"), prior("H2", "2024-12-10"), prior("H3", "2025-03-10"), prior("H4", "2025-06-10")])
        let determination = try evaluate(encounter)
        let reason = expectReason(determination, rule: "aetna.per-year", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                                  citation: Self.policySection)
        #expect(reason?.message.contains("5th") == true)
    }

    // MARK: aetna.conservative-care

    @Test("aetna.conservative-care passes: failed physical therapy")
    func conservativePasses() throws {
        let encounter = clean.clinical { $0.pharmacotherapy = [] }
        expectPasses(try evaluate(encounter), rule: "aetna.conservative-care")
    }

    @Test("aetna.conservative-care passes: documented pharmacotherapy alone")
    func conservativePharmacotherapy() throws {
        let encounter = clean.clinical { $0.conservativeTherapy = [] }
        expectPasses(try evaluate(encounter), rule: "aetna.conservative-care")
    }

    @Test("aetna.conservative-care fails: only improving conservative care and no medication → denied 50")
    func conservativeFails() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-01"), end: day("2025-08-01"), outcome: .improved)]
            $0.pharmacotherapy = []
        }
        expectReason(try evaluate(encounter), rule: "aetna.conservative-care", carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: Self.policySection)
    }

    @Test("aetna.conservative-care unknown: no conservative care or medication record → pended 252")
    func conservativeUnknown() throws {
        let encounter = clean.clinical { $0.conservativeTherapy = nil; $0.pharmacotherapy = nil }
            .withoutDocuments(.visitNote, .physicalTherapyProgressNote, .medicationList)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: "aetna.conservative-care", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.policySection)
        #expect(determination.documentation.missing == ["medication_list", "physical_therapy_progress_note", "visit_note"])
    }

    // MARK: aetna.injection-sites

    @Test("aetna.injection-sites passes: the muscles are named")
    func sitesPasses() throws {
        expectPasses(try evaluate(clean.sites([site("trapezius", .left), site("trapezius", .right)])), rule: "aetna.injection-sites")
    }

    @Test("aetna.injection-sites unknown: \"lumbar paraspinals\" → pended 252, procedure note missing")
    func sitesUnknown() throws {
        let determination = try evaluate(clean.sites([site("lumbar paraspinals", .left)]).withoutDocuments(.procedureNote))
        expectReason(determination, rule: "aetna.injection-sites", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.policySection)
        #expect(determination.documentation.missing == ["procedure_note"])
    }

    @Test("aetna.injection-sites unknown: no sites documented at all → pended 252")
    func sitesAbsent() throws {
        let determination = try evaluate(clean.sites(nil).withoutDocuments(.procedureNote))
        expectReason(determination, rule: "aetna.injection-sites", carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: Self.policySection)
    }
}
