import Engine
import Foundation
import History
import Interchange
import Model
import Policies

/// What changes for one claim file when policy OLD is replaced by policy NEW (`medpolicy policies
/// impact`). The file is adjudicated twice by ``ClaimFileAdjudication``: once with OLD and once with
/// NEW deciding every claim that the library gives to either of them (by payer, line of business,
/// date, jurisdiction or a program exception's route; ``PolicyLibrary/deciding(by:inPlaceOf:)``),
/// the rest of the library as loaded. Each run has its own scratch history (a copy of `--db`, or
/// empty), so claims see the earlier claims of the file and the history given is never written.
public struct PolicyImpact: Codable, Sendable {
    /// One claim's decision under one side: its outcome and the CARCs of its reasons, claim and lines.
    public struct Decision: Codable, Equatable, Sendable {
        public let outcome: Outcome
        public let carcs: [String]
        public let policy: String?
    }

    /// A claim whose outcome or CARCs differ between the sides, and the rules that made it move.
    public struct Move: Codable, Sendable {
        public let claim: String
        public let payer: String
        public let old: Decision
        public let new: Decision
        /// Rules that gave a reason under OLD and none under NEW.
        public let cleared: [String]
        /// Rules that give a reason under NEW and gave none under OLD.
        public let raised: [String]
    }

    /// Claims per outcome, or per CARC, under each side.
    public struct Count: Codable, Sendable {
        public let key: String
        public let old: Int
        public let new: Int
    }

    /// Claims that went from one outcome to another, and the rules behind it, most frequent first.
    public struct Transition: Codable, Sendable {
        public let from: Outcome
        public let to: Outcome
        public let claims: Int
        public let rules: [Count]
    }

    public let old: String
    public let new: String
    public let file: String
    /// Claims decided (under each side: the same claims).
    public let claims: Int
    /// Claims the reader skipped (a malformed claim) or the history refused: decided under neither.
    public let notAdjudicated: Int
    /// Claims already recorded in the history given: both sides replay the recorded determination.
    public let replayed: Int
    public let outcomes: [Count]
    public let carcs: [Count]
    /// Claims that moved, by outcome change (outcome kept, CARCs changed, is a transition to itself).
    public let transitions: [Transition]
    public let moved: [Move]
    public let unchanged: Int

    /// Adjudicates `file` under `old` and under `new`. `history` is a SQLite history file read as it
    /// is (copied; never opened in place). An unreadable 837 or history is `.badInput`.
    public static func run(file: String, old: Policy, new: Policy, evaluator: Evaluator,
                           history: String?) async throws(WorkflowError) -> PolicyImpact {
        if let history, !FileManager.default.isReadableFile(atPath: history) {
            throw .badInput("\(history): no such history file, or not readable (--db is only read here, never created)")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medpolicy-impact-\(UUID().uuidString)").path
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false) } catch {
            throw .internalFailure("cannot create a scratch folder for the histories: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let replaced: Set<String> = [old.id, new.id]
        var sides: [[Determination]] = []
        var statistics: [BatchStatistics] = []
        for (index, policy) in [old, new].enumerated() {
            let context = evaluator.context
            let side = Evaluator(context: EvaluationContext(library: context.library.deciding(by: policy, inPlaceOf: replaced),
                                                            icd: context.icd, tables: context.tables, muscles: context.muscles))
            let store = try await scratchHistory(copying: history, into: (scratch as NSString).appendingPathComponent("side\(index).sqlite"))
            let reader: X12Reader837
            do { reader = try X12Reader837(path: file) } catch { throw .badInput("\(file): \(error.message)") }
            let adjudication = ClaimFileAdjudication(evaluator: side, history: store, remittances: nil)
            var determinations: [Determination] = []
            do {
                try await adjudication.run(reader, issued: { determinations.append($0) })
                try await store.close()
            } catch let error as WorkflowError {
                try? await store.close()
                if case .badInput(let message) = error { throw .badInput("\(file): \(message)") }
                throw error
            } catch {
                try? await store.close()
                throw .internalFailure("\(error)")
            }
            if let nothing = adjudication.statistics.nothingReadMessage { throw .badInput("\(file): \(nothing)") }
            sides.append(determinations)
            statistics.append(adjudication.statistics)
        }
        guard sides[0].count == sides[1].count, zip(sides[0], sides[1]).allSatisfy({ $0.encounterId == $1.encounterId }) else {
            throw .internalFailure("the two runs over \(file) decided different claims (\(sides[0].count) and \(sides[1].count))")
        }
        return PolicyImpact(old: old.id, new: new.id, file: file, pairs: Array(zip(sides[0], sides[1])),
                            notAdjudicated: statistics[0].claimProblemCount, replayed: statistics[0].replays)
    }

    /// A history of its own for one run: a copy of `source` (with its write-ahead log), or a new file.
    private static func scratchHistory(copying source: String?, into path: String) async throws(WorkflowError) -> any HistoryStore {
        if let source {
            do {
                try FileManager.default.copyItem(atPath: source, toPath: path)
                if FileManager.default.fileExists(atPath: source + "-wal") {
                    try FileManager.default.copyItem(atPath: source + "-wal", toPath: path + "-wal")
                }
            } catch {
                throw .badInput("\(source): cannot read the history file: \(error.localizedDescription)")
            }
        }
        do {
            return try await HistoryStores.openSQLite(path: path, creating: true)
        } catch let error as HistoryError {
            // The copy's name means nothing to the caller: name the file given.
            let message = error.description.replacingOccurrences(of: path, with: source ?? "scratch history")
            throw .badInput("history: \(message)")
        } catch {
            throw .internalFailure("history: \(error)")
        }
    }

    /// The comparison of determinations of the same claims, in file order (old, new).
    public init(old: String, new: String, file: String, pairs: [(Determination, Determination)], notAdjudicated: Int, replayed: Int) {
        self.old = old; self.new = new; self.file = file
        claims = pairs.count; self.notAdjudicated = notAdjudicated; self.replayed = replayed
        var outcomeCounts: [Outcome: (Int, Int)] = [:], carcCounts: [String: (Int, Int)] = [:]
        var moved: [Move] = []
        for (a, b) in pairs {
            let x = Self.decision(a), y = Self.decision(b)
            outcomeCounts[x.outcome, default: (0, 0)].0 += 1
            outcomeCounts[y.outcome, default: (0, 0)].1 += 1
            for carc in x.carcs { carcCounts[carc, default: (0, 0)].0 += 1 }
            for carc in y.carcs { carcCounts[carc, default: (0, 0)].1 += 1 }
            guard x.outcome != y.outcome || x.carcs != y.carcs else { continue }
            let before = Self.reasonRules(a), after = Self.reasonRules(b)
            moved.append(Move(claim: a.encounterId, payer: a.payer, old: x, new: y,
                              cleared: before.subtracting(after).sorted(), raised: after.subtracting(before).sorted()))
        }
        outcomes = Outcome.reportOrder.map { Count(key: $0.rawValue, old: outcomeCounts[$0]?.0 ?? 0, new: outcomeCounts[$0]?.1 ?? 0) }
        carcs = carcCounts.map { Count(key: $0.key, old: $0.value.0, new: $0.value.1) }
            .sorted { ($0.old + $0.new, $1.key) > ($1.old + $1.new, $0.key) }
        var groups: [String: (from: Outcome, to: Outcome, claims: Int, rules: [String: Int])] = [:]
        for move in moved {
            let key = "\(move.old.outcome.rawValue)>\(move.new.outcome.rawValue)"
            var group = groups[key] ?? (move.old.outcome, move.new.outcome, 0, [:])
            group.claims += 1
            for rule in move.cleared { group.rules["- " + rule, default: 0] += 1 }
            for rule in move.raised { group.rules["+ " + rule, default: 0] += 1 }
            groups[key] = group
        }
        transitions = groups.values.map { group in
            Transition(from: group.from, to: group.to, claims: group.claims,
                       rules: group.rules.map { Count(key: $0.key, old: 0, new: $0.value) }.sorted { ($0.new, $1.key) > ($1.new, $0.key) })
        }.sorted { ($0.claims, $1.from.rawValue, $1.to.rawValue) > ($1.claims, $0.from.rawValue, $0.to.rawValue) }
        self.moved = moved
        unchanged = pairs.count - moved.count
    }

    static func decision(_ determination: Determination) -> Decision {
        var carcs = Set(determination.reasons.compactMap(\.carc))
        for line in determination.lines { carcs.formUnion(line.reasons.compactMap(\.carc)) }
        return Decision(outcome: determination.outcome, carcs: carcs.sorted(), policy: determination.policy?.id)
    }

    /// The rules that gave the determination a reason (claim or line).
    static func reasonRules(_ determination: Determination) -> Set<String> {
        var rules = Set(determination.reasons.map(\.rule))
        for line in determination.lines { rules.formUnion(line.reasons.map(\.rule)) }
        return rules
    }

    /// The impact as text: counts under each side, transitions with their rules, then the claims that moved.
    public func text(listing limit: Int = 50, describingCARC describe: (String) -> String? = { _ in nil }) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        func number(_ value: Int, _ width: Int = 7) -> String { let text = String(value); return String(repeating: " ", count: max(0, width - text.count)) + text }
        func signed(_ value: Int) -> String { let text = value > 0 ? "+\(value)" : String(value); return String(repeating: " ", count: max(0, 7 - text.count)) + text }
        var out = ["\(old) → \(new) on \(file): \(claims) claims decided under each, \(moved.count) moved, \(unchanged) unchanged"
                   + (notAdjudicated > 0 ? "; \(notAdjudicated) not adjudicated (malformed)" : "")]
        if replayed > 0 {
            out.append("note: \(replayed) claims were already recorded in the history and replay their recorded determination under both policies")
        }
        out.append("")
        out.append(pad("outcome", 16) + "    old    new change")
        for count in outcomes { out.append(pad(count.key, 16) + number(count.old) + number(count.new) + signed(count.new - count.old)) }
        if !carcs.isEmpty {
            out.append("")
            out.append(pad("claims with CARC", 16) + "    old    new change")
            for count in carcs {
                out.append(pad(count.key, 16) + number(count.old) + number(count.new) + signed(count.new - count.old)
                           + (describe(count.key).map { "  " + String($0.prefix(70)) } ?? ""))
            }
        }
        if !transitions.isEmpty {
            out.append("")
            out.append("moves (- a rule's reason gone under \(new), + a new one):")
            for transition in transitions {
                let kind = transition.from == transition.to ? "\(transition.from.rawValue), CARCs changed" : "\(transition.from.rawValue) → \(transition.to.rawValue)"
                out.append("  \(kind): \(transition.claims) claims")
                for rule in transition.rules.prefix(6) { out.append("      \(rule.key) (\(rule.new))") }
            }
            out.append("")
            out.append("claims that moved" + (moved.count > limit ? " (first \(limit) of \(moved.count); --json lists all)" : "") + ":")
            for move in moved.prefix(limit) {
                func side(_ decision: Decision) -> String {
                    decision.outcome.rawValue + (decision.carcs.isEmpty ? "" : " [CARC " + decision.carcs.joined(separator: ",") + "]")
                }
                let rules = move.cleared.map { "-" + $0 } + move.raised.map { "+" + $0 }
                out.append("  \(move.claim) (\(move.payer)): \(side(move.old)) → \(side(move.new))  \(rules.joined(separator: " "))")
            }
        }
        return out.joined(separator: "\n")
    }
}

extension Outcome {
    /// The order reports list outcomes in: paid to unpaid, then outside every policy.
    public static let reportOrder: [Outcome] = [.approved, .partial, .denied, .pended, .notApplicable]
}
