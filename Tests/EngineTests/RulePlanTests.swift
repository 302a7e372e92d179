import CodeSets
@testable import Engine
import Foundation
import Model
import Policies
import Testing

@Suite("Rules a line is decided by")
struct RulePlanTests {
    /// TrueCare's policy with one more rule for 20552, second in policy order: an exclusion that
    /// applies only when 99213 is billed with it.
    static func evaluatorWithPairedExclusion() throws -> Evaluator {
        let file = Fixture.policiesDirectory + "/truecare-mm-1462.yaml"
        let yaml = try String(contentsOfFile: file, encoding: .utf8)
        let marker = "  - id: tc.conservative-therapy\n"
        let extra = """
              - id: tc.test-with-office-visit
                citation: {section: "test"}
                exclude: {codes: ["20552"], withCodes: ["99213"], status: not_covered}

            """
        #expect(yaml.contains(marker))
        let parsed = PolicyLoader.parse(yaml: yaml.replacingOccurrences(of: marker, with: extra + marker), file: "truecare-test.yaml")
        let policy = try #require(parsed.policy, "\(parsed.issues)")
        let context = try Fixture.evaluator().context
        return Evaluator(context: EvaluationContext(library: try PolicyLibrary([policy]), icd: context.icd,
                                                    tables: context.tables, muscles: context.muscles))
    }

    @Test("an exclusion that does not govern the line is left out of the rules evaluated, the others keep policy order")
    func skippedExclusionLeftOut() throws {
        let evaluator = try Self.evaluatorWithPairedExclusion()
        let alone = evaluator.evaluate(cleanEncounter(.trueCare))
        let ids = try #require(alone.line(1)?.evaluated)
        #expect(ids == ["tc.diagnosis", "tc.new-pain", "tc.conservative-therapy", "tc.overall-plan", "tc.pharmacotherapy", "tc.documentation",
                        "tc.subsequent-improvement", "tc.dates-per-year"])
        #expect(alone.outcome == .approved)
    }

    @Test("billed with the paired code, the exclusion governs in its place and denies")
    func pairedExclusionGoverns() throws {
        let evaluator = try Self.evaluatorWithPairedExclusion()
        let encounter = cleanEncounter(.trueCare).lines([line("20552", [], units: 1, pointers: [1]), line("99213", ["25"], pointers: [1])])
        let determination = evaluator.evaluate(encounter)
        let ids = try #require(determination.line(1)?.evaluated)
        #expect(ids == ["tc.diagnosis", "tc.new-pain", "tc.test-with-office-visit", "tc.conservative-therapy", "tc.overall-plan", "tc.pharmacotherapy",
                        "tc.documentation", "tc.subsequent-improvement", "tc.dates-per-year"])
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.line(1)?.reasons.map(\.rule) == ["tc.test-with-office-visit"])
    }

    /// A rule evaluated without the line's rules being picked first (as a test or a future caller
    /// may): a "when billed with" exclusion still passes a line billed without its pair.
    @Test("an exclusion asked directly passes without its paired code and denies with it")
    func exclusionAskedDirectly() throws {
        let context = try Fixture.evaluator().context
        let policy = try #require(context.library.policies.first { $0.id == Payer.floridaBlue.policyId })
        let position = try #require(policy.rules.firstIndex { $0.id == "fb.imaging-guidance" })
        func verdict(_ lines: [ServiceLine]) -> RuleVerdict {
            let facts = EncounterFacts(encounter: cleanEncounter(.floridaBlue).lines(lines), priorServices: nil, context: context)
            return PolicyRuleEvaluator(policy: policy, facts: facts, context: context).evaluate(policy.rules[position], at: position, onLine: 0)
        }
        guard case .pass = verdict([line("76942", pointers: [1])]) else { Issue.record("expected a pass alone"); return }
        guard case .fail(let message) = verdict([line("76942", pointers: [1]), line("20552", pointers: [1])]) else {
            Issue.record("expected a failure with 20552"); return
        }
        #expect(message.hasPrefix("76942 ("))
        #expect(message.hasSuffix("is experimental or investigational under this policy when billed with 20552/20553."))
    }
}
