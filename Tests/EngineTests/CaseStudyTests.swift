import Testing
import Engine
import Model

/// Seed 003 § 8 "Coding in Real-World Scenarios: Case Studies and Examples", coded as DESIGN.md decides
/// (003_14b8193888e9ebc4.txt). The coding advice does not depend on the payer, so each case runs under all five.
@Suite("Seed 003 § 8 case studies")
struct CaseStudyTests {
    static let recommended20552 = [RecommendedLine(code: "20552", units: 1, modifiers: [])]

    @Test("case 1: three trigger points in the right upper trapezius → one 20552, approved", arguments: Payer.allCases)
    func case1SimpleNeckPain(payer: Payer) throws {
        let encounter = cleanEncounter(payer).sites([site("upper trapezius", .right, points: 3)])
        let determination = try evaluate(encounter)
        #expect(determination.outcome == .approved)
        #expect(determination.line(1)?.reasons == [])
        #expect(determination.coding.recommended == Self.recommended20552)
        #expect(determination.coding.issues.isEmpty)
    }

    @Test("case 2: right infraspinatus, teres minor, rhomboid major billed 20552 + 20552-XS → both lines denied, recommendation exactly one 20553",
          arguments: Payer.allCases)
    func case2ComplexShoulderGirdle(payer: Payer) throws {
        let encounter = cleanEncounter(payer)
            .sites([site("infraspinatus", .right), site("teres minor", .right), site("rhomboid major", .right)])
            .lines([line("20552", pointers: [1]), line("20552", ["XS"], pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.lines.map(\.outcome) == [.denied, .denied])
        #expect(determination.outcome == .denied)
        for index in [1, 2] {
            let reasons = try #require(determination.line(index)).reasons
            #expect(reasons.contains { $0.rule == "coding.units-per-day" && $0.carc == "151" && $0.rarc == ["N362"] })
            #expect(reasons.contains { $0.rule == "coding.muscle-count" && $0.carc == "16" })
        }
        #expect(determination.coding.recommended == [RecommendedLine(code: "20553", units: 1, modifiers: [])])
        #expect(Set(determination.issueRules) == ["coding.units-per-day", "coding.muscle-count"])
        let units = try #require(determination.coding.issues.first { $0.rule == "coding.units-per-day" })
        #expect(units.message.contains("XS"))
    }

    @Test("case 3: left and right quadratus lumborum billed 20552-50 → denied CARC 4, recommendation one 20552 without 50",
          arguments: Payer.allCases)
    func case3Bilateral50(payer: Payer) throws {
        let encounter = cleanEncounter(payer)
            .sites([site("quadratus lumborum", .left), site("quadratus lumborum", .right)])
            .lines([line("20552", ["50"], pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.line(1)?.outcome == .denied)
        #expect(determination.line(1)?.reason("coding.modifier-50")?.carc == "4")
        #expect(determination.line(1)?.reason("coding.muscle-count") == nil)
        #expect(determination.coding.recommended == Self.recommended20552)
    }

    @Test("case 3: left and right quadratus lumborum billed 20552-LT + 20552-RT → both denied 151/N362, recommendation one 20552",
          arguments: Payer.allCases)
    func case3LeftRight(payer: Payer) throws {
        let encounter = cleanEncounter(payer)
            .sites([site("quadratus lumborum", .left), site("quadratus lumborum", .right)])
            .lines([line("20552", ["LT"], pointers: [1]), line("20552", ["RT"], pointers: [1])])
        let determination = try evaluate(encounter)
        #expect(determination.lines.map(\.outcome) == [.denied, .denied])
        for index in [1, 2] {
            let reason = try #require(determination.line(index)?.reason("coding.units-per-day"))
            #expect(reason.carc == "151")
            #expect(reason.rarc == ["N362"])
            #expect(determination.line(index)?.reason("coding.muscle-count") == nil)
        }
        #expect(determination.coding.recommended == Self.recommended20552)
    }

    @Test("case 4: 99213-25 + 20552 → the E/M is not denied; without 25 it is denied 97", arguments: Payer.allCases)
    func case4EvaluationAndManagement(payer: Payer) throws {
        let with25 = try evaluate(cleanEncounter(payer).lines([line("99213", ["25"], pointers: [1]), line("20552", pointers: [1])]))
        #expect(with25.line(1)?.outcome == .notApplicable)
        #expect(with25.line(1)?.reasons == [])
        #expect(with25.line(2)?.outcome == .approved)
        #expect(with25.outcome == .approved)
        #expect(with25.coding.recommended == [RecommendedLine(code: "20552", units: 1, modifiers: []),
                                              RecommendedLine(code: "99213", units: 1, modifiers: ["25"])])

        let without25 = try evaluate(cleanEncounter(payer).lines([line("99213", pointers: [1]), line("20552", pointers: [1])]))
        #expect(without25.line(1)?.outcome == .denied)
        #expect(without25.line(1)?.reason("coding.em-modifier-25")?.carc == "97")
        #expect(without25.line(2)?.outcome == .approved)
        #expect(without25.outcome == .partial)
    }
}
