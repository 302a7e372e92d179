import Foundation
import Testing

/// `medpolicy policies test`: the shipped policies' own test cases, and what a broken rule or a bad case file does.
@Suite("medpolicy policies test")
struct PolicyTestCLITests {
    /// Every case of every shipped policy passes, and every rule has a passing and a failing case (exit 0 needs both).
    @Test func theShippedPoliciesPassTheirCasesWithEveryRuleOnBothSides() throws {
        let run = try medpolicy(["policies", "test", "Policies"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains("FAIL"))
        #expect(!run.stdout.contains("MISSING"))
        #expect(run.stdout.contains("0 failed; 0 rule side(s) without a case"))
    }

    /// A copy of the policies where Florida Blue allows 3 procedures in 30 days, not 4: the case at the limit fails.
    @Test func aChangedLimitFailsTheCaseAtTheLimitAndPrintsTheDifference() throws {
        let copy = try policyCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("florida-blue-02-20000-28.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let changed = text.replacingOccurrences(of: "limit: {max: 4, count: procedures, window: {days: 30}", with: "limit: {max: 3, count: procedures, window: {days: 30}")
        #expect(changed != text)
        try changed.write(to: file, atomically: true, encoding: .utf8)
        let run = try medpolicy(["policies", "test", copy.path])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("florida-blue-02-20000-28.yaml:"))
        #expect(run.stdout.contains("case 'a fourth procedure in 30 days at the region is within the limit': outcome: expected \"approved\", got \"pended\""))
        #expect(run.stdout.contains("passes: expected"))
    }

    /// A rule with no case on one side is reported and fails the run.
    @Test func aRuleWithoutAFailingCaseIsReported() throws {
        let copy = try policyCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("tests/aetna-trigger-point-injections.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let start = try #require(text.range(of: "  - name: six days after the previous injection is denied"))
        let end = try #require(text.range(of: "  - name: a fifth injection"))
        try (String(text[..<start.lowerBound]) + String(text[end.lowerBound...])).write(to: file, atomically: true, encoding: .utf8)
        let run = try medpolicy(["policies", "test", copy.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("rule aetna.interval of aetna/trigger-point-injections has no failing case"))
        #expect(!run.stdout.contains("aetna.interval of aetna/trigger-point-injections has no passing case"))
    }

    /// A malformed case (an encounter Contract 1 refuses, an unknown expectation) is a located error, exit 2.
    @Test func aBadCaseFileIsALocatedErrorWithExitTwo() throws {
        let copy = try policyCopy()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("tests/aetna-trigger-point-injections.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let broken = text.replacingOccurrences(of: "  - name: clean initial injection is approved\n    expect:\n",
                                               with: "  - name: clean initial injection is approved\n    change: {dateOfService: \"2025-13-40\"}\n    expect:\n      verdict: approved\n")
        #expect(broken != text)
        try broken.write(to: file, atomically: true, encoding: .utf8)
        let run = try medpolicy(["policies", "test", copy.path])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("tests/aetna-trigger-point-injections.yaml:"))
        #expect(run.stderr.contains("dateOfService"))
        #expect(run.stderr.contains("unknown key 'verdict' in expect"))
    }

    /// A temporary copy of Policies/ with its tests.
    private func policyCopy() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-policies-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Policies"), to: copy)
        return copy
    }
}
