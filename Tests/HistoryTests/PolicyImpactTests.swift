import Foundation
import Interchange
import Model
import Policies
import Testing
import TestSupport
import Workflows

/// `PolicyImpact`: one claim file decided under two policies; only the claims a changed rule reaches move.
@Suite("policy impact")
struct PolicyImpactTests {
    /// Two Medicare claims billed from Florida, one interchange each: M79.7 (fibromyalgia) and M60.811.
    static func claimFile() throws -> URL {
        var text = ""
        for (index, diagnosis) in ["M79.7", "M60.811"].enumerated() {
            var encounter = try Repository.example("medicare-approved")
            encounter.id = "IMPACT-\(index + 1)"
            encounter.member = Member(id: "M-IMPACT-\(index + 1)", birthDate: LocalDate("1948-04-12"), sex: .F)
            encounter.diagnoses = [diagnosis]
            var settings = Encounter837Settings()
            settings.controlNumber = index + 1
            text += String(decoding: try Encounter837Writer(settings: settings).bytes(for: encounter, creationDate: LocalDate("2026-01-15")!), as: UTF8.self)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("impact-\(UUID().uuidString).837")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// L33912 with M79.7 taken off its Group 1 list (same id: a revision).
    static func revisedL33912() throws -> Policy {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("Policies/medicare-l33912.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "      - M79.7\n", with: "")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("l33912-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try #require(PolicyLoader.load(path: file.path).policy)
    }

    @Test("a claim whose diagnosis leaves the list moves approved → pended by mcr.diagnosis; the other does not move")
    func oneMovesOneStays() async throws {
        let evaluator = try Repository.evaluator.get()
        let file = try Self.claimFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let old = try #require(evaluator.context.library.policy(id: "medicare/l33912"))
        let impact = try await PolicyImpact.run(file: file.path, old: old, new: try Self.revisedL33912(), evaluator: evaluator, history: nil)
        #expect(impact.claims == 2)
        #expect(impact.unchanged == 1)
        let move = try #require(impact.moved.first)
        #expect(impact.moved.count == 1)
        #expect(move.claim == "IMPACT-1")
        #expect(move.old.outcome == .approved && move.old.carcs.isEmpty)
        #expect(move.new.outcome == .pended && move.new.carcs == ["252"])
        #expect(move.raised == ["mcr.diagnosis"] && move.cleared.isEmpty)
        #expect(impact.outcomes.first { $0.key == "approved" }.map { ($0.old, $0.new) } ?? (0, 0) == (2, 1))
        #expect(impact.carcs.first { $0.key == "252" }.map { ($0.old, $0.new) } ?? (0, 0) == (0, 1))
        #expect(impact.transitions.count == 1 && impact.transitions[0].from == .approved && impact.transitions[0].to == .pended)
    }

    @Test("the same policy on both sides moves nothing")
    func samePolicyMovesNothing() async throws {
        let evaluator = try Repository.evaluator.get()
        let file = try Self.claimFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let policy = try #require(evaluator.context.library.policy(id: "medicare/l33912"))
        let impact = try await PolicyImpact.run(file: file.path, old: policy, new: policy, evaluator: evaluator, history: nil)
        #expect(impact.claims == 2 && impact.moved.isEmpty && impact.unchanged == 2)
        #expect(impact.outcomes.first { $0.key == "approved" }?.new == 2)
    }

    @Test("an unreadable 837 or a missing history is bad input naming the file")
    func badInput() async throws {
        let evaluator = try Repository.evaluator.get()
        let policy = try #require(evaluator.context.library.policy(id: "medicare/l33912"))
        await #expect(throws: WorkflowError.self) {
            try await PolicyImpact.run(file: "/nonexistent/claims.837", old: policy, new: policy, evaluator: evaluator, history: nil)
        }
        let file = try Self.claimFile()
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try await PolicyImpact.run(file: file.path, old: policy, new: policy, evaluator: evaluator, history: "/nonexistent/h.sqlite")
            Issue.record("a missing history was accepted")
        } catch {
            #expect(error.isCallersToFix && error.description.contains("/nonexistent/h.sqlite"))
        }
    }
}
