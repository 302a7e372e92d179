import Engine
import Foundation
import Interchange
import Model
import Testing
import TestSupport

/// 837 loop 2010AA N4-02 is the encounter's `coverage.providerState`, which picks a Medicare claim's LCD (issue 23).
@Suite("837 billing provider state")
struct ProviderStateTests {
    static let created = LocalDate("2026-01-15")!

    /// The Medicare approval example as an 837 billed from `state`, read back.
    func claim(billedFrom state: String, edit: (String) -> String = { $0 }) throws -> X12ReadResult {
        var encounter = try Repository.example("medicare-approved")
        encounter.coverage.providerState = state
        encounter.dateOfService = LocalDate("2025-06-02")!
        let text = String(decoding: try Encounter837Writer().bytes(for: encounter, creationDate: Self.created), as: UTF8.self)
        return try read837(edit(text))
    }

    @Test("a claim billed from California is decided by L34211, one from Florida by L33912")
    func stateSelectsTheLCD() throws {
        let evaluator = try Repository.evaluator.get()
        for (state, policy) in [("CA", "medicare/l34211"), ("NV", "medicare/l34211"), ("FL", "medicare/l33912")] {
            let read = try #require(try claim(billedFrom: state).claims.first)
            #expect(read.encounter.coverage.providerState == state)
            #expect(read.billingProvider.state == state)
            var encounter = read.encounter
            encounter.stage = .claim
            #expect(evaluator.evaluate(encounter).policy?.id == policy, "\(state)")
        }
    }

    @Test("a lower-case state is read upper-cased; an empty N4-02 (a foreign address) is no state")
    func stateShape() throws {
        let lower = try #require(try claim(billedFrom: "CA") { $0.replacingOccurrences(of: "N4*MIAMI*CA*", with: "N4*MIAMI*ca*") }.claims.first)
        #expect(lower.encounter.coverage.providerState == "CA")
        let none = try #require(try claim(billedFrom: "CA") { $0.replacingOccurrences(of: "N4*MIAMI*CA*331011234", with: "N4*MIAMI**331011234*CAN") }.claims.first)
        #expect(none.encounter.coverage.providerState == nil)
        let evaluator = try Repository.evaluator.get()
        var encounter = none.encounter
        encounter.stage = .claim
        #expect(evaluator.evaluate(encounter).policy?.id == "medicare/l33912")
    }

    @Test("a state that is not two letters is a claim error located at N402")
    func badStateIsLocated() throws {
        let result = try claim(billedFrom: "CA") { $0.replacingOccurrences(of: "N4*MIAMI*CA*", with: "N4*MIAMI*C1*") }
        #expect(result.claims.isEmpty)
        let error = try #require(result.claimErrors.first)
        #expect(error.issue.element == "N402")
        #expect(error.issue.description.contains("two-letter state code"))
    }

    @Test("the pay-to address (2010AB) does not stand for the billing provider's state")
    func payToAddressIsNotTheState() throws {
        let read = try #require(try claim(billedFrom: "FL") {
            $0.replacingOccurrences(of: "N4*MIAMI*FL*331011234~", with: "N4*MIAMI*FL*331011234~NM1*87*2~N3*1 PAY ST~N4*RENO*NV*89501~")
        }.claims.first)
        #expect(read.encounter.coverage.providerState == "FL")
    }
}
