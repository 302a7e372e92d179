import Foundation
import Model

/// Counts over a batch adjudication: what the summary, the JSON and the HTML report show.
public struct BatchStatistics: Encodable, Sendable {
    /// Outcome counts for one payer (claims).
    public struct OutcomeCounts: Encodable, Sendable {
        public var approved = 0, denied = 0, partial = 0, pended = 0, notApplicable = 0

        mutating func add(_ outcome: Outcome) {
            switch outcome {
            case .approved: approved += 1
            case .denied: denied += 1
            case .partial: partial += 1
            case .pended: pended += 1
            case .notApplicable: notApplicable += 1
            }
        }

        public var total: Int { approved + denied + partial + pended + notApplicable }
    }

    /// A reason with how often it was given.
    public struct Tally: Encodable, Sendable {
        public var rule: String
        public var carc: String?
        public var message: String
        public var count: Int
    }

    /// A claim that was not adjudicated, and where.
    public struct ClaimProblem: Encodable, Sendable {
        public var claimId: String?
        public var segment: Int?
        public var message: String
    }

    public init() {}

    public var claims = 0
    public var lines = 0
    public var outcomes = OutcomeCounts()
    public var byPayer: [String: OutcomeCounts] = [:]
    /// Denied lines, by rule and CARC.
    public var denialReasons: [String: Tally] = [:]
    /// Lines denied or pended by a frequency limit or minimum interval, by rule.
    public var limitsHit: [String: Tally] = [:]
    public var replays = 0
    /// The first `keptClaimProblems` claims not adjudicated; `claimProblemCount` counts them all.
    public private(set) var claimProblems: [ClaimProblem] = []
    public private(set) var claimProblemCount = 0
    /// The first `keptEnvelopeIssues` envelope issues; `envelopeIssueCount` counts them all. A file of
    /// nothing but bad segments must not grow the heap or the answer with every one of them.
    public private(set) var envelopeIssues: [String] = []
    public private(set) var envelopeIssueCount = 0
    /// How many claim problems are kept (and reported).
    public static let keptClaimProblems = 1_000
    /// How many envelope issues are kept (and reported).
    public static let keptEnvelopeIssues = 100
    /// Claims left out of the 835s (pended, not adjudicated, voids with nothing to reverse).
    public var unremitted = 0
    /// Claims the 835s account for: each with its own CLP, or (a void) the reversal it caused.
    public var remittedClaims = 0
    /// Reversals of earlier payments (CLP02 22) the replacements and voids caused.
    public var reversals = 0
    /// Sum of BPR02, in cents.
    public var paidCents = 0
    /// With `--worker K/N`: the claims of the file (and, past worker 1, its malformed claims) left to
    /// the other workers; nil for a run that decides the whole file.
    public var otherWorkersClaims: Int?

    /// Adds one issued determination. `limitRules`: ids of the policies' limit and interval rules.
    public mutating func add(_ determination: Determination, lineCount: Int, limitRules: Set<String>) {
        claims += 1
        lines += lineCount
        outcomes.add(determination.outcome)
        byPayer[determination.payer, default: OutcomeCounts()].add(determination.outcome)
        for line in determination.lines {
            for reason in line.reasons {
                if line.outcome == .denied, reason.carc != nil {
                    denialReasons[reason.rule + "|" + (reason.carc ?? ""), default: Tally(
                        rule: reason.rule, carc: reason.carc, message: reason.message, count: 0)].count += 1
                }
                if limitRules.contains(reason.rule) {
                    limitsHit[reason.rule, default: Tally(rule: reason.rule, carc: reason.carc,
                                                          message: reason.message, count: 0)].count += 1
                }
            }
        }
    }

    /// Counts a claim that was not adjudicated, keeping the first `keptClaimProblems`.
    public mutating func add(problem: ClaimProblem) {
        claimProblemCount += 1
        if claimProblems.count < Self.keptClaimProblems { claimProblems.append(problem) }
    }

    /// Counts an envelope issue, keeping the first `keptEnvelopeIssues`.
    public mutating func add(envelopeIssue: String) {
        envelopeIssueCount += 1
        if envelopeIssues.count < Self.keptEnvelopeIssues { envelopeIssues.append(envelopeIssue) }
    }

    /// Why the file gave nothing to adjudicate (not one claim, not even a malformed one), with the
    /// first envelope issues; nil when a claim was read. `batch` exits 2 and `POST /v1/batch`
    /// answers 422 with it.
    public var nothingReadMessage: String? {
        guard claims == 0, claimProblemCount == 0, (otherWorkersClaims ?? 0) == 0 else { return nil }
        let shown = 10
        var parts = ["no claims in the file"] + envelopeIssues.prefix(shown)
        if envelopeIssueCount > shown { parts.append("… and \(envelopeIssueCount - shown) more envelope issues") }
        return parts.joined(separator: "; ")
    }

    /// The most frequent entries first (ties by rule id), at most `limit`.
    public static func top(_ tallies: [String: Tally], _ limit: Int) -> [Tally] {
        Array(tallies.values.sorted { ($0.count, $1.rule) > ($1.count, $0.rule) }.prefix(limit))
    }

    enum CodingKeys: String, CodingKey {
        case claims, lines, outcomes, byPayer, topDenialReasons, limitsHit, replays, claimProblems, claimProblemCount
        case envelopeIssues, envelopeIssueCount
        case unremitted, remittedClaims, reversals, paidCents, otherWorkersClaims
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(claims, forKey: .claims)
        try container.encode(lines, forKey: .lines)
        try container.encode(outcomes, forKey: .outcomes)
        try container.encode(byPayer, forKey: .byPayer)
        try container.encode(Self.top(denialReasons, 20), forKey: .topDenialReasons)
        try container.encode(Self.top(limitsHit, 20), forKey: .limitsHit)
        try container.encode(replays, forKey: .replays)
        try container.encode(claimProblems, forKey: .claimProblems)
        try container.encode(claimProblemCount, forKey: .claimProblemCount)
        try container.encode(envelopeIssues, forKey: .envelopeIssues)
        try container.encode(envelopeIssueCount, forKey: .envelopeIssueCount)
        try container.encode(unremitted, forKey: .unremitted)
        try container.encode(remittedClaims, forKey: .remittedClaims)
        try container.encode(reversals, forKey: .reversals)
        try container.encode(paidCents, forKey: .paidCents)
        try container.encodeIfPresent(otherWorkersClaims, forKey: .otherWorkersClaims)
    }
}
