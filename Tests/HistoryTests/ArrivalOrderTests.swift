import Foundation
import History
import Model
import SyntheticClaims
import Testing
import Workflows

/// Issue 27.4 at the store: the same claims for one member, adjudicated with history in different
/// arrival orders on both stores, are decided by the same rules whichever came first. Which claims
/// are paid can depend on the order (the first claims in are paid, as a claims system must), but
/// how many are paid does not, and every order's result keeps the limit in every window and
/// refuses only claims the paid ones leave no room for.
@Suite("History: limits by arrival order")
struct ArrivalOrderTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let evaluator = Result { try EngineSetup.evaluator(policies: checkout.appendingPathComponent("Policies").path) }

    static func claim(_ example: String, member: String, date: String) throws -> Encounter {
        var encounter = try EncounterReader.decode(try Data(contentsOf: checkout.appendingPathComponent("Examples/\(example)")))
        encounter.id = "\(member)-\(date)"
        encounter.member.id = member
        encounter.dateOfService = LocalDate(date)!
        return encounter
    }

    /// Oldest first, newest first, and shuffles from fixed seeds (reproducible).
    static func orders(of dates: [String]) -> [[String]] {
        var orders = [dates, dates.reversed()]
        for seed: UInt64 in [1, 7, 42, 2025] {
            var generator = SplitMix64(seed: seed)
            orders.append(dates.shuffled(using: &generator))
        }
        return orders
    }

    /// Adjudicates the claims in `order` for a new member, recording each; the outcome by date.
    static func adjudicate(_ example: String, _ order: [String], member: String, store: any HistoryStore) async throws -> [String: Outcome] {
        let adjudicator = Adjudicator(evaluator: try evaluator.get(), history: store)
        var outcomes: [String: Outcome] = [:]
        for date in order {
            let decision = try await adjudicator.decide(try claim(example, member: member, date: date))
            outcomes[date] = decision.determinations[0].outcome
        }
        return outcomes
    }

    @Test("Florida Blue, six claims in one 30-day period: four paid and two pended in every order", arguments: StoreKind.allCases)
    func floridaBlueThirtyDays(kind: StoreKind) async throws {
        let dates = (20...25).map { "2025-08-\($0)" }
        try await withFreshStore(kind) { store, _ in
            for (index, order) in Self.orders(of: dates).enumerated() {
                let outcomes = try await Self.adjudicate("florida-blue-approved.json", order, member: "ARRIVE-FB-\(index)", store: store)
                let paid = dates.filter { outcomes[$0] == .approved }
                #expect(paid.count == 4, "order \(order): \(outcomes)")
                #expect(dates.filter { outcomes[$0] == .pended }.count == 2, "order \(order): \(outcomes)")
                // Paid first come, first served: the first four to arrive.
                #expect(Set(paid) == Set(order.prefix(4)), "order \(order): \(outcomes)")
            }
        }
    }

    @Test("Aetna, 7 days between injections in both directions: paid ones are 7 days apart and every refusal is one's neighbour",
          arguments: StoreKind.allCases)
    func aetnaSevenDays(kind: StoreKind) async throws {
        let dates = ["2025-08-20", "2025-08-23", "2025-08-27", "2025-09-10"]
        try await withFreshStore(kind) { store, _ in
            var paidCounts: Set<Int> = []
            for (index, order) in Self.orders(of: dates).enumerated() {
                let outcomes = try await Self.adjudicate("aetna-approved.json", order, member: "ARRIVE-AET-\(index)", store: store)
                let paid = dates.filter { outcomes[$0] == .approved }.map { LocalDate($0)! }
                paidCounts.insert(paid.count)
                func gap(_ a: LocalDate, _ b: LocalDate) -> Int { abs(a.days(until: b)) }
                for a in paid { for b in paid where a < b { #expect(gap(a, b) >= 7, "order \(order): \(outcomes)") } }
                for date in dates where outcomes[date] != .approved {
                    #expect(paid.contains { gap($0, LocalDate(date)!) < 7 }, "\(date) refused without a paid neighbour: \(order) \(outcomes)")
                }
                // 09-10 is 14 days from everything else: paid in every order.
                #expect(outcomes["2025-09-10"] == .approved, "order \(order): \(outcomes)")
            }
            // 08-20, 08-23 and 08-27: 08-23 first pays one of the three, 08-20 or 08-27 first pays two.
            #expect(paidCounts.isSubset(of: [2, 3]), "\(paidCounts)")
        }
    }
}
