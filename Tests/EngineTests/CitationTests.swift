@testable import Engine
import Model
import Policies
import Testing

/// Determinations cite each source by its published identity, never by a file only this project has.
@Suite("Citations name published documents")
struct CitationTests {
    static let documents: [(policy: String, name: String)] = [
        ("florida-blue/02-20000-28", Published.floridaBlue),
        ("harvard-pilgrim/trigger-point-injections", Published.harvardPilgrim),
        ("medicare/l33912", Published.medicare),
        ("truecare/mm-1462", Published.trueCare),
        ("aetna/trigger-point-injections", Published.aetna),
    ]

    @Test("each policy file names its document by publisher, document, title and edition, and every rule cites it")
    func policiesNameTheirDocuments() throws {
        let library = try Fixture.evaluator().context.library
        for (id, name) in Self.documents {
            let policy = try #require(library.policy(id: id))
            #expect(policy.source == name)
            for rule in policy.rules { #expect(rule.citation.source == name, "\(rule.id)") }
            for exception in policy.exceptions { #expect(exception.citation.source == name, "\(exception.id)") }
        }
    }

    @Test("the correct-coding rules cite the same documents the policy files name, or a published guideline")
    func codingRulesCiteTheSameNames() throws {
        let library = try Fixture.evaluator().context.library
        #expect(CodingRules.cptDescriptors.source == library.policy(id: "florida-blue/02-20000-28")?.source)
        #expect(CodingRules.oneCodePerDay.source == library.policy(id: "harvard-pilgrim/trigger-point-injections")?.source)
        #expect(CodingRules.siteDocumentation.source == library.policy(id: "harvard-pilgrim/trigger-point-injections")?.source)
        #expect(CodingRules.unitPerDate.source == library.policy(id: "truecare/mm-1462")?.source)
        #expect(CodingRules.decision("x").source == Published.decisions)
    }

    @Test("no determination of the example encounters cites a seed file name or DESIGN.md", arguments: Payer.allCases)
    func noProjectFileNames(payer: Payer) throws {
        let encounters = [cleanEncounter(payer), cleanEncounter(payer).diagnoses(["J45.909"]),
                          cleanEncounter(payer).lines([line("20552", ["50"], pointers: [1])]),
                          cleanEncounter(payer).history([prior("CLM-0", serviceDate)])]
        for encounter in encounters {
            let determination = try evaluate(encounter)
            let reasons = determination.reasons + determination.lines.flatMap(\.reasons)
            #expect(!reasons.isEmpty || determination.outcome == .approved)
            for reason in reasons {
                let citation = try #require(reason.citation, "\(reason.rule)")
                #expect(!citation.source.hasSuffix(".txt") && !citation.source.contains("DESIGN"), "\(reason.rule): \(citation.source)")
                #expect(!(reason.interpretation ?? "").contains("DESIGN.md"), "\(reason.rule)")
            }
        }
    }
}
