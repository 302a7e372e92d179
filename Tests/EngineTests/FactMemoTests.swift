import CodeSets
@testable import Engine
import Model
import Policies
import Testing

@Suite("Fact memo")
struct FactMemoTests {
    @Test("a memo starts undecided, keeps each of the three truths, and ignores positions past its end")
    func memoKeepsTruths() {
        let storage = FactMemoStorage(count: 3)
        let memo = storage.memo
        #expect((0..<3).allSatisfy { memo[$0] == nil })
        memo[0] = .yes
        memo[1] = .no
        memo[2] = .unknown
        #expect(memo[0] == .yes && memo[1] == .no && memo[2] == .unknown)
        memo[3] = .yes
        #expect(memo[3] == nil)
        memo[1] = nil  // a decided fact stays decided
        #expect(memo[1] == .no)
    }

    /// Encounters whose 20552 line passes every Florida Blue rule, or fails or leaves open some.
    static let cases: [String: (encounter: Encounter, allPass: Bool)] = [
        "clean": (cleanEncounter(.floridaBlue), true),
        "no taut band": (cleanEncounter(.floridaBlue).clinical { $0.findings?.tautBand = false }, false),
        "no therapy or medication record": (cleanEncounter(.floridaBlue).clinical { $0.conservativeTherapy = nil; $0.pharmacotherapy = nil }, false),
        "5th procedure in 30 days": (cleanEncounter(.floridaBlue).history([prior("H1", "2025-08-12"), prior("H2", "2025-08-20"),
                                                                           prior("H3", "2025-08-27", "20553"), prior("H4", "2025-09-03")]), false),
    ]

    /// A policy that is not one of the context's is compiled for the decision, with its own memo:
    /// its verdicts are those of the context's copy of the same policy.
    @Test("a policy outside the context gets the verdicts of the context's own copy", arguments: cases.keys.sorted())
    func compiledHereMatchesContext(_ name: String) throws {
        let (encounter, allPass) = try #require(Self.cases[name])
        let context = try Fixture.evaluator().context
        let library = try PolicyLibrary.load(directory: Fixture.policiesDirectory).library
        let own = try #require(context.library.policies.first { $0.id == Payer.floridaBlue.policyId })
        let foreign = try #require(library.policies.first { $0.id == Payer.floridaBlue.policyId })
        #expect(context.plan(of: own) != nil)
        #expect(context.plan(of: foreign) == nil)

        let facts = EncounterFacts(encounter: encounter, priorServices: nil, context: context)
        let inContext = PolicyRuleEvaluator(policy: own, facts: facts, context: context)
        let compiled = PolicyRuleEvaluator(policy: foreign, facts: facts, context: context)
        var compared = 0, passed = 0
        // The rules a decision runs on the 20552 line, as it picks them.
        for position in inContext.plan.rules(for: "20552").positions where inContext.governs(own.rules[position]) {
            let expected = describe(inContext.evaluate(own.rules[position], at: position, onLine: 0))
            let found = describe(compiled.evaluate(foreign.rules[position], at: position, onLine: 0))
            #expect(found == expected, "rule \(own.rules[position].id)")
            compared += 1
            if found == "pass" { passed += 1 }
        }
        #expect(compared >= 5)
        #expect((passed == compared) == allPass)
    }

    private func describe(_ verdict: RuleVerdict) -> String {
        switch verdict {
        case .pass: "pass"
        case .fail(let message): "fail: \(message)"
        case .unknown(let message, let documents, let attestable): "unknown: \(message) \(documents.map(\.rawValue).sorted()) attestable: \(attestable ?? "no")"
        }
    }
}
