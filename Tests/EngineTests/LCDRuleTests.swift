import Testing
import Engine
import Model

/// The rules Harvard Pilgrim (hp.*) and the Medicare LCD L33912 content (mcr.*) share, both from the Harvard Pilgrim payment policy.
/// Each check runs for one of the two policies; the @Tests below name the rule they exercise.
struct LCDRuleChecks {
    let payer: Payer
    let prefix: String
    /// Section of the Harvard Pilgrim payment policy the acupuncture and prolotherapy rules cite in this policy file.
    let limitationsSection: String

    static let harvardPilgrim = LCDRuleChecks(payer: .harvardPilgrim, prefix: "hp", limitationsSection: "Limitations")
    static let medicare = LCDRuleChecks(payer: .medicare, prefix: "mcr",
                                        limitationsSection: "Coverage Indications, Limitations, and/or Medical Necessity")

    var clean: Encounter { cleanEncounter(payer) }
    func rule(_ name: String) -> String { "\(prefix).\(name)" }
    func cite(_ section: String) -> Citation {
        Citation(source: payer == .medicare ? Published.medicare : Published.harvardPilgrim, section: section)
    }

    var group1 = "Group 1 Codes"
    /// Harvard Pilgrim's rule rests on the narrative list too; the LCD content on Group 1 alone (DESIGN.md).
    var diagnosisSection: String { payer == .harvardPilgrim ? "Covered for 20552 and 20553; Group 1 Codes" : group1 }
    var indications = "Indications and Limitations of Coverage and/or Medical Necessity"
    var siteDocumentation = "Coverage Indications, Limitations, and/or Medical Necessity"
    var utilization = "Utilization Guidelines"

    // MARK: diagnosis

    func cleanApproved() throws {
        let determination = try evaluate(clean)
        #expect(determination.outcome == .approved)
        #expect(determination.policy?.id == payer.policyId)
        #expect(determination.line(1)?.evaluated == ["diagnosis", "unresponsive-to-noninvasive", "injection-sites-documented",
                                                     "sessions-per-year", "repeat-improvement", "no-relief-same-muscle"].map(rule))
        #expect(determination.documentation == DocumentationAdvice())
    }

    func diagnosisPasses() throws {
        expectPasses(try evaluate(clean), rule: rule("diagnosis"))
    }

    /// DESIGN.md: M79.1, listed, is a header over M79.10–M79.18 on a 2025 date and covers its billable descendants.
    func diagnosisHeaderCoversDescendant(_ code: String) throws {
        expectPasses(try evaluate(clean.diagnoses([code])), rule: rule("diagnosis"))
    }

    /// DESIGN.md: M79.1 is a header in every release carried (FY2019 on), so on a 2021 date too M79.18 is covered
    /// and M79.1 itself is a billing error (16/M76), not a covered diagnosis.
    func diagnosisHeaderIn2021() throws {
        let encounter = cleanEncounter(payer, date: "2021-06-01").clinical { $0 = cleanClinical2021() }
        expectPasses(try evaluate(encounter.diagnoses(["M79.18"])), rule: rule("diagnosis"))
        let header = try evaluate(encounter.diagnoses(["M79.1"]))
        expectReason(header, rule: "coding.diagnosis-validity", carc: "16", rarc: ["M76"], lineOutcome: .denied, claimOutcome: .denied,
                     citation: CodingRuleTests.diagnosisValidity)
        #expect(header.allReasons(rule("diagnosis")).isEmpty)
    }

    func diagnosisUnlistedPends(_ code: String) throws {
        let determination = try evaluate(clean.diagnoses([code]))
        expectReason(determination, rule: rule("diagnosis"), carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: cite(diagnosisSection))
        #expect(determination.allReasons(rule("diagnosis")).allSatisfy { $0.carc != "11" })
    }

    // MARK: unresponsive to non-invasive treatment

    func unresponsivePasses() throws {
        let encounter = clean.clinical {
            // No minimum duration: a two-week home exercise program that failed qualifies.
            $0.conservativeTherapy = [ConservativeTherapy(type: .homeExerciseProgram, start: day("2025-08-20"), end: day("2025-09-03"), outcome: .failed)]
        }
        expectPasses(try evaluate(encounter), rule: rule("unresponsive-to-noninvasive"))
    }

    func unresponsiveContraindicatedPasses() throws {
        let encounter = clean.clinical { $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, outcome: .contraindicated)] }
        expectPasses(try evaluate(encounter), rule: rule("unresponsive-to-noninvasive"))
    }

    func unresponsiveFails() throws {
        let encounter = clean.clinical {
            $0.conservativeTherapy = [ConservativeTherapy(type: .physicalTherapy, start: day("2025-06-01"), end: day("2025-08-01"), outcome: .improved)]
        }
        expectReason(try evaluate(encounter), rule: rule("unresponsive-to-noninvasive"), carc: "50", lineOutcome: .denied,
                     claimOutcome: .denied, citation: cite(indications))
    }

    func unresponsiveUnknown() throws {
        let encounter = clean.clinical { $0.conservativeTherapy = nil }.withoutDocuments(.visitNote, .physicalTherapyProgressNote)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("unresponsive-to-noninvasive"), carc: "252", lineOutcome: .pended,
                     claimOutcome: .pended, citation: cite(indications))
        #expect(determination.documentation.missing == ["physical_therapy_progress_note", "visit_note"])
        #expect(determination.documentation.requests == [
            DocumentRequest(name: "Physical therapy progress note", loinc: "11508-9", timeFrame: "18805-2"),
            DocumentRequest(name: "Attending physician visit note", loinc: "18733-6", timeFrame: "18805-2"),
        ])
    }

    // MARK: injection sites documented

    func sitesPasses() throws {
        expectPasses(try evaluate(clean), rule: rule("injection-sites-documented"))
    }

    func sitesUnknown() throws {
        let encounter = clean.sites([site("paraspinals", nil)]).withoutDocuments(.procedureNote)
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("injection-sites-documented"), carc: "252", lineOutcome: .pended,
                     claimOutcome: .pended, citation: cite(siteDocumentation))
        #expect(determination.documentation.missing == ["procedure_note"])
        #expect(determination.documentation.requests.map(\.name) == ["Procedure note"])
        #expect(determination.issueRules.contains("coding.muscle-specificity"))
    }

    // MARK: sessions per year

    func sessionsPasses() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("H0", "2024-09-10"), prior("H1", "2025-01-10"), prior("H2", "2025-01-10", sites: [site("levator scapulae")]),
                      prior("H3", "2025-04-10")])
        // 2024-09-10 is outside the 12 months; 2025-01-10 is one session however many services: this is the 3rd session.
        expectPasses(try evaluate(encounter), rule: rule("sessions-per-year"))
    }

    func sessionsFails() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("H1", "2024-09-11", sites: [site("quadratus lumborum")]), prior("H2", "2025-01-10"), prior("H3", "2025-04-10")])
        let determination = try evaluate(encounter)
        let reason = expectReason(determination, rule: rule("sessions-per-year"), carc: "252", lineOutcome: .pended,
                                  claimOutcome: .pended, citation: cite(utilization))
        #expect(reason?.message.contains("4th") == true)
        #expect(determination.allReasons(rule("sessions-per-year")).allSatisfy { $0.carc != "119" })
    }

    // MARK: repeat needs documented improvement

    func repeatPasses() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = PriorInjectionResponse(percentPainImprovement: 30) }
            .history([prior("H1", "2025-06-10")])
        expectPasses(try evaluate(encounter), rule: rule("repeat-improvement"))
    }

    func repeatOutsideYearPasses() throws {
        // The previous injection 13 months ago: not a repeat in the 12 months, no response needed.
        let encounter = clean.history([prior("H1", "2024-08-10")])
        expectPasses(try evaluate(encounter), rule: rule("repeat-improvement"))
    }

    func repeatNoImprovementPends() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = noReliefResponse }.history([prior("H1", "2025-06-10")])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("repeat-improvement"), carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: cite(utilization))
        #expect(determination.allReasons(rule("no-relief-same-muscle")).isEmpty)
    }

    func repeatUnknownPends() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = nil }.withoutDocuments(.priorTreatmentResults)
            .history([prior("H1", "2025-06-10")])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("repeat-improvement"), carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: cite(utilization))
        #expect(determination.documentation.missing == ["prior_treatment_results"])
        #expect(determination.documentation.requests.map(\.name) == ["Prior treatment results"])
    }

    // MARK: no relief after two or more injections into the same muscle

    func noReliefPasses() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = improvedResponse }
            .history([prior("H1", "2025-05-10"), prior("H2", "2025-07-10")])
        expectPasses(try evaluate(encounter), rule: rule("no-relief-same-muscle"))
    }

    func noReliefOtherSideNotCounted() throws {
        // Only one prior into the right trapezius (the other was the left): not two into the same muscle.
        let encounter = clean.clinical { $0.priorInjectionResponse = noReliefResponse }
            .history([prior("H1", "2025-05-10", sites: [site("trapezius", .left)]), prior("H2", "2025-07-10")])
        let determination = try evaluate(encounter)
        #expect(determination.allReasons(rule("no-relief-same-muscle")).isEmpty)
        #expect(determination.line(1)?.reason(rule("repeat-improvement"))?.carc == "252")
        #expect(determination.outcome == .pended)
    }

    func noReliefFails() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = noReliefResponse }
            .history([prior("H1", "2025-05-10"), prior("H2", "2025-07-10", "20553",
                                                          sites: [site("trapezius"), site("levator scapulae"), site("rhomboid major")])])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("no-relief-same-muscle"), carc: "50", lineOutcome: .denied, claimOutcome: .denied,
                     citation: cite(utilization))
    }

    func noReliefUnknownSites() throws {
        let encounter = clean.clinical { $0.priorInjectionResponse = noReliefResponse }
            .history([prior("H1", "2025-05-10", sites: nil), prior("H2", "2025-07-10", sites: nil)])
        let determination = try evaluate(encounter)
        expectReason(determination, rule: rule("no-relief-same-muscle"), carc: "252", lineOutcome: .pended, claimOutcome: .pended,
                     citation: cite(utilization))
        #expect(determination.line(1)?.reasons.allSatisfy { $0.carc != "50" } == true)
        // The open condition is explained.
        let message = determination.line(1)?.reason(rule("no-relief-same-muscle"))?.message ?? ""
        #expect(message.contains("(the rule applies if "), "\(message)")
        #expect(message.contains("which the record does not settle)"), "\(message)")
    }

    // MARK: exclusions

    func exclusionPasses() throws {
        let determination = try evaluate(clean)
        #expect(determination.allReasons(rule("acupuncture")).isEmpty)
        #expect(determination.allReasons(rule("prolotherapy")).isEmpty)
        #expect(determination.outcome == .approved)
    }

    func acupunctureFails(_ code: String) throws {
        let determination = try evaluate(clean.lines([line("20552", pointers: [1]), line(code)]))
        expectReason(determination, rule: rule("acupuncture"), line: 2, carc: "96", lineOutcome: .denied, claimOutcome: .partial,
                     citation: cite(limitationsSection))
        #expect(determination.line(1)?.outcome == .approved)
    }

    func prolotherapyFails() throws {
        let determination = try evaluate(clean.lines([line("M0076")]))
        expectReason(determination, rule: rule("prolotherapy"), carc: "96", lineOutcome: .denied, claimOutcome: .denied,
                     citation: cite(limitationsSection))
    }
}

/// A clean record for a 2021-06-01 date of service (the 2025 clean record's dates shifted back).
func cleanClinical2021() -> Clinical {
    var clinical = cleanClinical()
    clinical.painOnset = day("2021-04-01")
    clinical.conservativeTherapy = [
        ConservativeTherapy(type: .physicalTherapy, start: day("2021-03-01"), end: day("2021-04-20"), outcome: .failed),
        ConservativeTherapy(type: .activeExercise, start: day("2021-03-01"), end: day("2021-04-15"), outcome: .failed),
    ]
    clinical.pharmacotherapy = [Pharmacotherapy(drugClass: .nsaid, start: day("2021-03-01"))]
    return clinical
}

@Suite("Harvard Pilgrim rules (seed 001)")
struct HarvardPilgrimRuleTests {
    let checks = LCDRuleChecks.harvardPilgrim

    @Test("the clean Harvard Pilgrim encounter is approved with every hp.* rule of 20552 evaluated")
    func clean() throws { try checks.cleanApproved() }
    @Test("hp.diagnosis passes: M79.7 (Group 1)")
    func diagnosisPasses() throws { try checks.diagnosisPasses() }
    @Test("hp.diagnosis passes: M79.1 listed covers its billable descendants on a 2025 date", arguments: ["M79.18", "M79.10", "M79.11", "M79.12"])
    func diagnosisHeader(code: String) throws { try checks.diagnosisHeaderCoversDescendant(code) }
    @Test("hp.diagnosis passes: M79.18 on a 2021 date (M79.1 is a header in every release carried; M79.1 itself → 16/M76)")
    func diagnosisHeader2021() throws { try checks.diagnosisHeaderIn2021() }
    @Test("hp.diagnosis fails: unlisted M25.511 (pain in right shoulder joint) → pended 252 for review, not denied 11")
    func diagnosisUnlisted() throws { try checks.diagnosisUnlistedPends("M25.511") }
    @Test("hp.diagnosis passes: the narrative's covered indications, apart from Group 1 (central pain syndrome, other acute and chronic pain, cervicalgia, other disorders of the back, rheumatism excluding the back, myalgia and myositis unspecified; issue 20.5)",
          arguments: ["G89.0", "G89.18", "G89.29", "M54.2", "M54.50", "M54.6", "M53.86", "M62.830", "M79.621", "M79.9", "M60.9"])
    func diagnosisNarrative(code: String) throws {
        let determination = try evaluate(checks.clean.diagnoses([code]))
        expectPasses(determination, rule: "hp.diagnosis")
        #expect(determination.outcome == .approved)
    }
    @Test("hp.diagnosis: the narrative's \"other disorders of the back\" leaves out nerve and structural disorders (radiculopathy M54.16, spinal stenosis M48.061) → pended for review",
          arguments: ["M54.16", "M48.061"])
    func diagnosisNarrativeLimits(code: String) throws { try checks.diagnosisUnlistedPends(code) }
    @Test("hp.unresponsive-to-noninvasive passes: a failed home exercise program, no minimum duration")
    func unresponsivePasses() throws { try checks.unresponsivePasses() }
    @Test("hp.unresponsive-to-noninvasive passes: non-invasive treatment contraindicated")
    func unresponsiveContraindicated() throws { try checks.unresponsiveContraindicatedPasses() }
    @Test("hp.unresponsive-to-noninvasive fails: conservative therapy improved → denied 50")
    func unresponsiveFails() throws { try checks.unresponsiveFails() }
    @Test("hp.unresponsive-to-noninvasive unknown: no therapy record → pended 252, visit note and PT progress note requested by LOINC")
    func unresponsiveUnknown() throws { try checks.unresponsiveUnknown() }
    @Test("hp.injection-sites-documented passes: right trapezius named")
    func sitesPasses() throws { try checks.sitesPasses() }
    @Test("hp.injection-sites-documented unknown: \"paraspinals\" → pended 252, procedure note missing")
    func sitesUnknown() throws { try checks.sitesUnknown() }
    @Test("hp.sessions-per-year passes: 3rd session in 12 months (a same-day pair is one session; a prior 12 months to the day is outside)")
    func sessionsPasses() throws { try checks.sessionsPasses() }
    @Test("hp.sessions-per-year fails: 4th session in 12 months → pended 252 for review, not denied")
    func sessionsFails() throws { try checks.sessionsFails() }
    @Test("hp.repeat-improvement passes: previous injection improved pain 30%")
    func repeatPasses() throws { try checks.repeatPasses() }
    @Test("hp.repeat-improvement passes: the previous injection was more than 12 months ago")
    func repeatOutsideYear() throws { try checks.repeatOutsideYearPasses() }
    @Test("hp.repeat-improvement fails: one prior injection, no improvement documented → pended 252 (not denied)")
    func repeatNoImprovement() throws { try checks.repeatNoImprovementPends() }
    @Test("hp.repeat-improvement unknown: response not documented → pended 252, prior treatment results missing")
    func repeatUnknown() throws { try checks.repeatUnknownPends() }
    @Test("hp.no-relief-same-muscle passes: two prior injections into the right trapezius with improvement")
    func noReliefPasses() throws { try checks.noReliefPasses() }
    @Test("hp.no-relief-same-muscle passes: left and right trapezius are different muscles, so only one prior counts")
    func noReliefOtherSide() throws { try checks.noReliefOtherSideNotCounted() }
    @Test("hp.no-relief-same-muscle fails: two prior injections into the right trapezius, no relief documented → denied 50")
    func noReliefFails() throws { try checks.noReliefFails() }
    @Test("hp.no-relief-same-muscle unknown: prior sites not documented → pended 252, never denied")
    func noReliefUnknown() throws { try checks.noReliefUnknownSites() }
    @Test("hp.acupuncture and hp.prolotherapy pass: neither billed")
    func exclusionsPass() throws { try checks.exclusionPasses() }
    @Test("hp.acupuncture fails: acupuncture billed with the TPI → denied 96 (001 § Limitations)", arguments: ["97810", "97811", "97813", "97814"])
    func acupuncture(code: String) throws { try checks.acupunctureFails(code) }
    @Test("hp.prolotherapy fails: M0076 → denied 96")
    func prolotherapy() throws { try checks.prolotherapyFails() }
}

@Suite("Medicare LCD L33912 rules (seed 001)")
struct MedicareRuleTests {
    let checks = LCDRuleChecks.medicare

    @Test("the clean Medicare encounter is approved under medicare/l33912 with every mcr.* rule of 20552 evaluated")
    func clean() throws { try checks.cleanApproved() }
    @Test("mcr.diagnosis passes: M79.7 (Group 1)")
    func diagnosisPasses() throws { try checks.diagnosisPasses() }
    @Test("mcr.diagnosis passes: M79.1 listed covers its billable descendants on a 2025 date", arguments: ["M79.18", "M79.10", "M79.11", "M79.12"])
    func diagnosisHeader(code: String) throws { try checks.diagnosisHeaderCoversDescendant(code) }
    @Test("mcr.diagnosis passes: M79.18 on a 2021 date (M79.1 is a header in every release carried; M79.1 itself → 16/M76)")
    func diagnosisHeader2021() throws { try checks.diagnosisHeaderIn2021() }
    @Test("mcr.diagnosis fails: unlisted M54.2 → pended 252 for review, not denied 11 (the LCD content takes Group 1 only, not Harvard Pilgrim's narrative list)",
          arguments: ["M54.2", "G89.29"])
    func diagnosisUnlisted(code: String) throws { try checks.diagnosisUnlistedPends(code) }
    @Test("mcr.unresponsive-to-noninvasive passes: a failed home exercise program, no minimum duration")
    func unresponsivePasses() throws { try checks.unresponsivePasses() }
    @Test("mcr.unresponsive-to-noninvasive passes: non-invasive treatment contraindicated")
    func unresponsiveContraindicated() throws { try checks.unresponsiveContraindicatedPasses() }
    @Test("mcr.unresponsive-to-noninvasive fails: conservative therapy improved → denied 50")
    func unresponsiveFails() throws { try checks.unresponsiveFails() }
    @Test("mcr.unresponsive-to-noninvasive unknown: no therapy record → pended 252, visit note and PT progress note requested by LOINC")
    func unresponsiveUnknown() throws { try checks.unresponsiveUnknown() }
    @Test("mcr.injection-sites-documented passes: right trapezius named")
    func sitesPasses() throws { try checks.sitesPasses() }
    @Test("mcr.injection-sites-documented unknown: \"paraspinals\" → pended 252, procedure note missing")
    func sitesUnknown() throws { try checks.sitesUnknown() }
    @Test("mcr.sessions-per-year passes: 3rd session in 12 months (a same-day pair is one session; a prior 12 months to the day is outside)")
    func sessionsPasses() throws { try checks.sessionsPasses() }
    @Test("mcr.sessions-per-year fails: 4th session in 12 months → pended 252 for review, not denied")
    func sessionsFails() throws { try checks.sessionsFails() }
    @Test("mcr.repeat-improvement passes: previous injection improved pain 30%")
    func repeatPasses() throws { try checks.repeatPasses() }
    @Test("mcr.repeat-improvement passes: the previous injection was more than 12 months ago")
    func repeatOutsideYear() throws { try checks.repeatOutsideYearPasses() }
    @Test("mcr.repeat-improvement fails: one prior injection, no improvement documented → pended 252 (not denied)")
    func repeatNoImprovement() throws { try checks.repeatNoImprovementPends() }
    @Test("mcr.repeat-improvement unknown: response not documented → pended 252, prior treatment results missing")
    func repeatUnknown() throws { try checks.repeatUnknownPends() }
    @Test("mcr.no-relief-same-muscle passes: two prior injections into the right trapezius with improvement")
    func noReliefPasses() throws { try checks.noReliefPasses() }
    @Test("mcr.no-relief-same-muscle passes: left and right trapezius are different muscles, so only one prior counts")
    func noReliefOtherSide() throws { try checks.noReliefOtherSideNotCounted() }
    @Test("mcr.no-relief-same-muscle fails: two prior injections into the right trapezius, no relief documented → denied 50")
    func noReliefFails() throws { try checks.noReliefFails() }
    @Test("mcr.no-relief-same-muscle unknown: prior sites not documented → pended 252, never denied")
    func noReliefUnknown() throws { try checks.noReliefUnknownSites() }
    @Test("mcr.acupuncture and mcr.prolotherapy pass: neither billed")
    func exclusionsPass() throws { try checks.exclusionPasses() }
    @Test("mcr.acupuncture fails: acupuncture billed with the TPI → denied 96", arguments: ["97810", "97811", "97813", "97814"])
    func acupuncture(code: String) throws { try checks.acupunctureFails(code) }
    @Test("mcr.prolotherapy fails: M0076 → denied 96")
    func prolotherapy() throws { try checks.prolotherapyFails() }

    @Test("medicare/l33912 covers only the medicare line of business: a commercial 'medicare' coverage → not_applicable")
    func commercialNotCovered() throws {
        let determination = try evaluate(cleanEncounter(.medicare).with { $0.coverage.lineOfBusiness = .commercial })
        #expect(determination.outcome == .notApplicable)
        #expect(determination.policy == nil)
        #expect(determination.reasons.map(\.rule) == ["policy.none"])
    }
}
