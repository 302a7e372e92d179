import Foundation
import Model
import Policies
import Testing

/// A minimal valid policy; the error cases below change one line of it. Line numbers matter:
/// line 1 is `id:`.
let minimalPolicy = """
id: acme/tpi-1
payer: acme
title: Test policy
source: {publisher: Acme Health, document: Medical Policy 1, title: Trigger Point Injections, edition: revised 2024-01-01}
effective:
  from: 2024-01-01
  to: null
linesOfBusiness: [commercial]
governs: ["20552", "20553"]
rules:
  - id: acme.diagnosis
    citation: {section: Position Statement}
    diagnoses:
      - M79.7
      - M60.111 – M60.179
    onFail: deny
  - id: acme.limit
    citation: {section: Reimbursement Information}
    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}
    onFail: pend
"""

func issues(replacing old: String, with new: String) -> [PolicyIssue] {
    #expect(minimalPolicy.components(separatedBy: old).count == 2, "fixture text must occur once: \(old)")
    return PolicyLoader.parse(yaml: minimalPolicy.replacingOccurrences(of: old, with: new), file: "bad.yaml").issues
}

@Suite("Policy loader")
struct PolicyLoaderTests {
    @Test func minimalPolicyLoads() throws {
        let (policy, found) = PolicyLoader.parse(yaml: minimalPolicy, file: "ok.yaml")
        #expect(found.isEmpty)
        let loaded = try #require(policy)
        #expect(loaded.id == "acme/tpi-1")
        #expect(loaded.rules.count == 2)
        #expect(loaded.rules[0].onFail == .deny(carc: "11", rarc: []))
        #expect(loaded.rules[1].onFail == .pend)
        #expect(loaded.rules[0].location.line == 11)
        guard case .diagnoses(let entries) = loaded.rules[0].check else { Issue.record("expected diagnoses"); return }
        #expect(entries.map(\.description) == ["M79.7", "M60.111 – M60.179"])
        guard case .limit(let limit) = loaded.rules[1].check else { Issue.record("expected a limit"); return }
        #expect(limit.codes == ["20552", "20553"])  // defaults to governs
        #expect(limit.window == .days(30))
    }

    /// (old text, new text, expected line, fragment of the message)
    static let bad: [(old: String, new: String, line: Int, message: String)] = [
        ("title: Test policy", "title: Test policy\nauthor: someone", 4, "unknown key 'author' in policy"),
        ("    onFail: deny", "    onFail: deny\n    severity: high", 17, "unknown key 'severity' in rule"),
        ("      - M79.7", "      - M797X1234", 14, "'M797X1234' is not an ICD-10-CM code"),
        ("      - M60.111 – M60.179", "      - M60.179 – M60.111", 15, "range 'M60.179 – M60.111' has its ends out of order"),
        ("governs: [\"20552\", \"20553\"]", "governs: [\"2055\", \"20553\"]", 9, "'2055' is not a CPT or HCPCS code"),
        ("  from: 2024-01-01", "  from: 2024-13-01", 6, "effective.from must be a date YYYY-MM-DD"),
        ("  to: null", "  to: 2023-01-01", 7, "effective.to (2023-01-01) is before effective.from"),
        ("linesOfBusiness: [commercial]", "linesOfBusiness: [hmo]", 8, "unknown line of business 'hmo'"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    limit: {max: 4, count: visits, window: {days: 30}, scope: anatomic_region}", 19, "unknown limit count 'visits'"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    limit: {max: 4, count: procedures, window: {weeks: 4}, scope: anatomic_region}", 19, "unknown key 'weeks' in window"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    limit: {max: 0, count: procedures, window: {days: 30}, scope: anatomic_region}", 19, "limit max must be ≥ 1, got 0"),
        // Spans past 100 years: date arithmetic with them would overflow (a crash at decision time).
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    limit: {max: 4, count: procedures, window: {months: 9223372036854775807}, scope: anatomic_region}", 19,
         "window months must be ≤ 1200, got 9223372036854775807"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    limit: {max: 4, count: procedures, window: {days: 36526}, scope: anatomic_region}", 19,
         "window days must be ≤ 36525, got 36526"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    criteria: {painOnset: {withinMonths: 99999999999999}}", 19, "withinMonths must be ≤ 1200"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    criteria: {conservativeTherapy: {minMonths: 1201}}", 19, "minMonths must be ≤ 1200, got 1201"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    interval: {minDays: 4611686018427387904, scope: member}", 19, "interval minDays must be ≤ 36525"),
        ("    onFail: pend", "    onFail: maybe", 20, "onFail must be 'deny' or 'pend'"),
        ("    onFail: pend", "", 17, "rule 'acme.limit' needs onFail: deny or onFail: pend"),
        ("  - id: acme.limit", "  - id: acme.diagnosis", 17, "duplicate rule id 'acme.diagnosis' (first at line 11)"),
        ("    citation: {section: Reimbursement Information}",
         "    citation: {}", 18, "missing required key 'section' in citation"),
        ("    citation: {section: Reimbursement Information}",
         "    citation: {source: DESIGN, section: Reimbursement Information}", 18, "unknown key 'source'"),
        ("source: {publisher: Acme Health, document: Medical Policy 1, title: Trigger Point Injections, edition: revised 2024-01-01}",
         "source: 000_4343e11a9d1ffd15.txt", 4, "source names the published document as {publisher, document, title, edition}"),
        ("source: {publisher: Acme Health, document: Medical Policy 1, title: Trigger Point Injections, edition: revised 2024-01-01}",
         "source: {publisher: Acme Health, document: Medical Policy 1}", 4, "missing required key 'edition'"),
        ("    diagnoses:", "    criteria: {finding: tautBand}\n    diagnoses:", 11, "has more than one check (diagnoses, criteria)"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    criteria: {finding: twitchy}", 19, "unknown finding 'twitchy'"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    criteria: {headache: true}", 19, "unknown fact or operator 'headache'"),
        ("    limit: {max: 4, count: procedures, window: {days: 30}, scope: anatomic_region}",
         "    criteria: {finding: tautBand, painOnset: {withinMonths: 3}}", 19, "a criterion has exactly one key"),
        ("id: acme/tpi-1", "id: other/tpi-1", 1, "policy id 'other/tpi-1' must start with its payer ('acme/')"),
        ("id: acme/tpi-1", "id: Acme/TPI 1", 1, "may contain only lower-case letters"),
        ("    onFail: pend", "    onFail: pend\n    carc: \"119\"", 21, "a rule that pends carries no denial CARC"),
        ("title: Test policy", "title: [unclosed", 4, "not valid YAML"),  // libyaml notices at the next line
    ]

    @Test(arguments: 0..<bad.count)
    func badPolicyIsLocated(_ index: Int) {
        let case_ = Self.bad[index]
        let found = issues(replacing: case_.old, with: case_.new)
        #expect(found.contains { $0.severity == .error && $0.location.file == "bad.yaml" && $0.location.line == case_.line && $0.message.contains(case_.message) },
                "expected bad.yaml:\(case_.line): …\(case_.message)…, got \(found.map(\.description))")
    }

    @Test func aBadPolicyDoesNotLoad() {
        let (policy, found) = PolicyLoader.parse(yaml: minimalPolicy.replacingOccurrences(of: "onFail: deny", with: "onFail: nope"), file: "bad.yaml")
        #expect(policy == nil)
        #expect(found.count == 1)
    }

    @Test("a YAML error at the end of a file without a final line break is on its last line, not past it (found by fuzzing)")
    func yamlErrorAtTheEndIsOnTheLastLine() {
        let found = PolicyLoader.parse(yaml: "id: acme/tpi-1\npayer: acme\nsource:\ne", file: "end.yaml").issues
        #expect(found.count == 1)
        #expect(found.first?.location.line == 4, "\(found.map(\.description))")
        #expect(found.first?.message.contains("not valid YAML") == true)
        let withBreak = PolicyLoader.parse(yaml: "id: acme/tpi-1\npayer: acme\ntitle: [unclosed\n", file: "end.yaml").issues
        #expect(withBreak.first.map { (1...4).contains($0.location.line) } == true, "\(withBreak.map(\.description))")
        // An empty document after "---" without a line break: libyaml places the empty value on line 2.
        let emptyDocument = PolicyLoader.parse(yaml: "---", file: "end.yaml").issues
        #expect(emptyDocument.map(\.location.line) == [1], "\(emptyDocument.map(\.description))")
    }


    @Test("lines are counted as YAML counts them: CR LF once; a lone CR, NEL, LS and PS each end a line")
    func lineCountFollowsYAMLLineBreaks() {
        #expect(PolicyLoader.lineCount("") == 1)
        #expect(PolicyLoader.lineCount("a\nb\n") == 3)
        #expect(PolicyLoader.lineCount("a\r\nb") == 2)
        #expect(PolicyLoader.lineCount("a\rb\rc") == 3)
        #expect(PolicyLoader.lineCount("a\u{85}b\u{2028}c\u{2029}d") == 4)
        #expect(PolicyLoader.lineCount("a\r\r\nb") == 3)
    }

    @Test("an issue after a lone CR names the line YAML saw, and that line is within the file (found by fuzzing)")
    func issueAfterALoneCarriageReturnIsInTheFile() {
        // "payer" is on line 2; after two lone CRs the unknown key is on YAML's line 4, which the
        // file has although it holds only one more LF there.
        let text = minimalPolicy.replacingOccurrences(of: "payer: acme\n", with: "payer: acme\r\rbogus: 1\n")
        let found = PolicyLoader.parse(yaml: text, file: "cr.yaml").issues
        let bogus = found.first { $0.message.contains("bogus") }
        #expect(bogus?.location.line == 4, "\(found.map(\.description))")
        #expect(found.allSatisfy { (1...PolicyLoader.lineCount(text)).contains($0.location.line) })
    }

    @Test func emptyFileIsAnError() {
        let found = PolicyLoader.parse(yaml: "", file: "empty.yaml").issues
        #expect(found.map(\.description) == ["empty.yaml:1: error: the file is empty"])
    }

    @Test func overlappingEffectivePeriodsForOnePayerAreRejected() throws {
        let first = try #require(PolicyLoader.parse(yaml: minimalPolicy, file: "a.yaml").policy)
        let second = try #require(PolicyLoader.parse(yaml: minimalPolicy
            .replacingOccurrences(of: "id: acme/tpi-1", with: "id: acme/tpi-2")
            .replacingOccurrences(of: "  from: 2024-01-01", with: "  from: 2024-06-01"), file: "b.yaml").policy)
        do {
            _ = try PolicyLibrary([first, second])
            Issue.record("expected an overlap error")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].location == SourceLocation(file: "b.yaml", line: 1))
            #expect(error.issues[0].message.contains("overlaps 'acme/tpi-1'"))
        }
    }

    @Test func consecutivePeriodsOrOtherLinesOfBusinessDoNotOverlap() throws {
        let first = try #require(PolicyLoader.parse(yaml: minimalPolicy.replacingOccurrences(of: "  to: null", with: "  to: 2024-05-31"), file: "a.yaml").policy)
        let second = try #require(PolicyLoader.parse(yaml: minimalPolicy
            .replacingOccurrences(of: "id: acme/tpi-1", with: "id: acme/tpi-2")
            .replacingOccurrences(of: "  from: 2024-01-01", with: "  from: 2024-06-01"), file: "b.yaml").policy)
        let library = try PolicyLibrary([first, second])
        guard case .policy(let chosen, _) = library.select(payer: "acme", lineOfBusiness: .commercial, on: LocalDate("2024-07-01")!) else {
            Issue.record("expected a policy"); return
        }
        #expect(chosen.id == "acme/tpi-2")
        guard case .none(let why) = library.select(payer: "acme", lineOfBusiness: .medicaid, on: LocalDate("2024-07-01")!) else {
            Issue.record("expected none"); return
        }
        #expect(why.contains("no acme policy is in effect on 2024-07-01 for line of business medicaid"))
    }

    @Test func routeToAnUnknownPolicyIsRejected() throws {
        let yaml = minimalPolicy.replacingOccurrences(of: "governs:", with: """
        exceptions:
          - id: acme.ma
            linesOfBusiness: [medicare_advantage]
            route: medicare/none
            citation: {section: Program Exceptions}
        governs:
        """)
        let policy = try #require(PolicyLoader.parse(yaml: yaml, file: "r.yaml").policy)
        do {
            _ = try PolicyLibrary([policy])
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.map(\.description) == ["r.yaml:10: error: exception 'acme.ma' routes to unknown policy 'medicare/none'"])
        }
    }
}

/// `atClaim` (issue 19): how a criteria rule is enforced on a submitted claim.
@Suite("Policy loader: atClaim")
struct ClaimEnforcementLoaderTests {
    static let criteriaRule = """
      - id: acme.findings
        citation: {section: Position Statement}
        criteria: {finding: tautBand}
    """

    func parse(_ rule: String) -> (Policy?, [PolicyIssue]) {
        PolicyLoader.parse(yaml: minimalPolicy + "\n" + rule, file: "p.yaml")
    }

    @Test func declaredModesLoad() throws {
        for mode in ClaimEnforcement.allCases {
            let (policy, issues) = parse(Self.criteriaRule + "\n    onFail: deny\n    atClaim: \(mode.rawValue)")
            #expect(issues.isEmpty, "\(issues)")
            let rule = try #require(policy?.rules.last)
            #expect(rule.atClaim == mode)
            #expect(rule.atClaimDeclared)
        }
    }

    @Test func undeclaredIsReviewWithAWarning() throws {
        let (policy, issues) = parse(Self.criteriaRule + "\n    onFail: deny")
        #expect(try #require(policy?.rules.last).atClaim == .review)
        #expect(issues.count == 1)
        #expect(issues.first?.severity == .warning)
        #expect(issues.first?.message.contains("atClaim") == true)
    }

    @Test func anUnknownModeIsAnErrorAtItsLine() {
        let (_, issues) = parse(Self.criteriaRule + "\n    onFail: deny\n    atClaim: trusted")
        #expect(issues.contains { $0.severity == .error && $0.message.contains("atClaim must be one of attested, authorization, review") && $0.location.line == 25 })
    }

    @Test func atClaimOnACodeCheckableRuleIsAnError() {
        let (_, issues) = PolicyLoader.parse(yaml: minimalPolicy.replacingOccurrences(of: "    onFail: pend", with: "    onFail: pend\n    atClaim: attested"), file: "p.yaml")
        #expect(issues.contains { $0.severity == .error && $0.message.contains("decided from the claim itself") })
    }

    @Test func everyShippedCriteriaRuleDeclaresIt() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Policies").path
        let library = try PolicyLibrary.load(directory: directory).library
        for policy in library.policies {
            for rule in policy.rules {
                if case .criteria = rule.check { #expect(rule.atClaimDeclared, "\(policy.id) \(rule.id)") }
            }
        }
    }
}

/// The criterion keys the policy audit added (issue 20.3, 20.6, 20.7) and the remark codes exclusions carry (20.12).
@Suite("Policy loader: onset bounds, current medication, remark codes")
struct AuditCriteriaLoaderTests {
    func parse(_ criteria: String) -> (Policy?, [PolicyIssue]) {
        let rule = """
          - id: acme.audit
            citation: {section: Position Statement}
            criteria: \(criteria)
            onFail: deny
            atClaim: attested
        """
        return PolicyLoader.parse(yaml: minimalPolicy + "\n" + rule, file: "p.yaml")
    }

    func fact(_ policy: Policy?) -> Fact? {
        guard case .criteria(.fact(let fact)) = policy?.rules.last?.check else { return nil }
        return fact
    }

    @Test func painOnsetTakesDaysOrMonths() {
        let (days, dayIssues) = parse("{painOnset: {withinDays: 84}}")
        #expect(dayIssues.isEmpty, "\(dayIssues)")
        #expect(fact(days) == .painOnset(.days(84)))
        let (months, monthIssues) = parse("{painOnset: {withinMonths: 3}}")
        #expect(monthIssues.isEmpty, "\(monthIssues)")
        #expect(fact(months) == .painOnset(.months(3)))
    }

    @Test func painOnsetNeedsExactlyOneBound() {
        for criteria in ["{painOnset: {withinDays: 84, withinMonths: 3}}", "{painOnset: {}}"] {
            let (_, issues) = parse(criteria)
            #expect(issues.contains { $0.severity == .error && $0.message.contains("exactly one of withinDays or withinMonths") }, "\(criteria): \(issues)")
        }
    }

    @Test func pharmacotherapyTakesOutcomesAndCurrent() {
        let (policy, issues) = parse("{pharmacotherapy: {classes: [nsaid], minDays: 42, outcomes: [failed], current: true}}")
        #expect(issues.isEmpty, "\(issues)")
        #expect(fact(policy) == .pharmacotherapy(classes: [.nsaid], minDays: 42, outcomes: [.failed], current: true))
        let (plain, _) = parse("{pharmacotherapy: {classes: [nsaid]}}")
        #expect(fact(plain) == .pharmacotherapy(classes: [.nsaid], minDays: nil, outcomes: nil, current: false))
    }

    @Test func currentMustBeABoolean() {
        let (_, issues) = parse("{pharmacotherapy: {current: sometimes}}")
        #expect(issues.contains { $0.severity == .error && $0.message.contains("current must be true or false, got 'sometimes'") && $0.location.line > 20 }, "\(issues)")
    }

    @Test func aNotCoveredExclusionCarriesN130UnlessItNamesItsOwn() throws {
        let exclusion = """
          - id: acme.acupuncture
            citation: {section: Position Statement}
            exclude: {codes: ["97810"], status: not_covered}
        """
        let (policy, issues) = PolicyLoader.parse(yaml: minimalPolicy + "\n" + exclusion, file: "p.yaml")
        #expect(issues.isEmpty, "\(issues)")
        #expect(try #require(policy?.rules.last).onFail == .deny(carc: "96", rarc: ["N130"]))
        let (named, _) = PolicyLoader.parse(yaml: minimalPolicy + "\n" + exclusion + "\n    rarc: [N425]", file: "p.yaml")
        #expect(try #require(named?.rules.last).onFail == .deny(carc: "96", rarc: ["N425"]))
        let (investigational, _) = PolicyLoader.parse(yaml: minimalPolicy + "\n" + exclusion.replacingOccurrences(of: "not_covered", with: "investigational"), file: "p.yaml")
        #expect(try #require(investigational?.rules.last).onFail == .deny(carc: "55", rarc: []))
    }
}

@Suite("Policy loader: where the effective dates come from (issue 20.10)")
struct EffectiveBasisTests {
    @Test func basisLoadsAndIsOptional() throws {
        let with = minimalPolicy.replacingOccurrences(of: "  to: null", with: "  to: null\n  basis: \"unknown: no date in the source\"")
        let (policy, issues) = PolicyLoader.parse(yaml: with, file: "p.yaml")
        #expect(issues.isEmpty, "\(issues)")
        #expect(policy?.effectiveBasis == "unknown: no date in the source")
        #expect(PolicyLoader.parse(yaml: minimalPolicy, file: "p.yaml").0?.effectiveBasis == nil)
    }

    @Test func everyShippedPolicySaysWhereItsDatesComeFrom() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Policies").path
        let library = try PolicyLibrary.load(directory: directory).library
        for policy in library.policies {
            #expect(policy.effectiveBasis?.isEmpty == false, "\(policy.id) has no effective.basis")
        }
        // The two whose sources carry no date say so; the three that do cite it.
        let unknown = Set(library.policies.filter { $0.effectiveBasis?.hasPrefix("unknown") == true }.map(\.id))
        #expect(unknown == ["harvard-pilgrim/trigger-point-injections", "aetna/trigger-point-injections"])
    }
}
