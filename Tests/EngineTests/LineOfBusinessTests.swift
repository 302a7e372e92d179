import Testing
import Model
import Engine

/// Issue 20 item 11: the line of business when the encounter names none.
@Suite("Line of business when not given")
struct LineOfBusinessTests {
    @Test func payerMedicareWithoutLineOfBusinessIsMedicare() throws {
        let encounter = cleanEncounter(.medicare).with { $0.coverage.lineOfBusiness = nil }
        let determination = try evaluate(encounter)
        #expect(determination.policy?.id == "medicare/l33912")
        #expect(determination.outcome == .approved)
    }

    @Test func aPayerCoveringCommercialStaysCommercial() throws {
        // Florida Blue covers every line of business; absent means commercial, not Medicare Advantage (no routing).
        let determination = try evaluate(cleanEncounter(.floridaBlue).with { $0.coverage.lineOfBusiness = nil })
        #expect(determination.policy?.id == "florida-blue/02-20000-28")
        #expect(!determination.reasons.contains { $0.rule == "fb.exception.medicare-advantage" })
    }

    @Test func aNamedLineOfBusinessTheMedicarePolicyDoesNotCoverIsNotApplicable() throws {
        let determination = try evaluate(cleanEncounter(.medicare).with { $0.coverage.lineOfBusiness = .commercial })
        #expect(determination.outcome == .notApplicable)
        #expect(determination.reasons.first?.rule == "policy.none")
    }
}
