import Engine
import Foundation
import History
import Interchange
import Model

/// Adjudicates an 837P claim file: claims are read as a stream, decided in file order and (with a
/// history store) recorded in transactions of `chunkSize` claims, so each claim sees every earlier
/// claim of the file. A malformed claim is counted with its segment and skipped. Shared by
/// `medpolicy batch` and `POST /v1/batch`.
public final class ClaimFileAdjudication {
    /// Claims decided and recorded per history transaction.
    public static let chunkSize = 1_000

    public let evaluator: Evaluator
    public let history: (any HistoryStore)?
    /// Where the 835 claims are collected; nil when no 835 is wanted (`policies impact`).
    public let remittances: Remittance835Stream?
    /// With several workers on one file: the members this one decides (the others' claims are skipped).
    public let partition: WorkerPartition?
    public private(set) var statistics = BatchStatistics()
    private let limitRules: Set<String>
    /// Payers with a rule met by a prior authorization at claim time: only their members' are looked up.
    private let authorizingPayers: Set<String>

    /// `remittances` collects the 835 claims (spooled per payer); determinations are handed to `run`'s callback.
    public init(evaluator: Evaluator, history: (any HistoryStore)?, remittances: Remittance835Stream?,
                partition: WorkerPartition? = nil) {
        self.evaluator = evaluator
        self.history = history
        self.remittances = remittances
        self.partition = partition
        if partition != nil { statistics.otherWorkersClaims = 0 }
        limitRules = Set(evaluator.context.library.policies.flatMap(\.rules).filter {
            switch $0.check {
            case .limit, .interval: return true
            default: return false
            }
        }.map(\.id))
        authorizingPayers = evaluator.context.library.authorizingPayers
    }

    /// Reads `reader` to its end. `issued` sees every determination in file order; `afterChunk`
    /// runs after each chunk is recorded (progress, flushing outputs). A reader error that ends the
    /// file (an unreadable envelope) is `.badInput` with its segment.
    ///
    /// Two chunks are in hand at a time: while one chunk is decided and recorded (a child task),
    /// the next is read and the one before is written to the 835, on another core. A chunk's
    /// transaction starts only after the one before it has committed, so every claim still sees
    /// every earlier claim of the file.
    public func run(_ reader: X12Reader837, issued: (Determination) throws -> Void = { _ in },
                    afterChunk: () throws -> Void = {}) async throws {
        try await withThrowingTaskGroup(of: [Result<Adjudication, HistoryError>].self) { group in
            var deciding: [ParsedClaim]?  // the chunk whose child task is running
            /// Waits for the chunk being decided and hands its results on.
            func finishDeciding() async throws {
                guard let claims = deciding, let results = try await group.next() else { return }
                deciding = nil
                try finish(claims, results, issued: issued)
                try afterChunk()
            }
            /// Starts deciding `chunk` once the chunk before it is recorded, then issues that one.
            func decide(_ chunk: [ParsedClaim]) async throws {
                let previous = deciding
                var previousResults: [Result<Adjudication, HistoryError>]?
                if previous != nil { previousResults = try await group.next() }
                if !chunk.isEmpty {
                    let encounters = claimEncounters(chunk)
                    let (history, evaluator, payers) = (self.history, self.evaluator, authorizingPayers)
                    group.addTask { try await Self.adjudicate(encounters, history: history, evaluator: evaluator, payers: payers) }
                }
                deciding = chunk.isEmpty ? nil : chunk
                if let previous, let previousResults {
                    try finish(previous, previousResults, issued: issued)
                    try afterChunk()
                }
            }
            var chunk: [ParsedClaim] = []
            chunk.reserveCapacity(Self.chunkSize)
            while true {
                let event: ReaderEvent?
                do { event = try nextEvent(reader) } catch {
                    // What was read before the error is issued, as when it was read one chunk at a time.
                    try await finishDeciding()
                    throw error
                }
                guard let event else { break }
                switch event {
                case .claim(let claim):
                    if let partition, !partition.owns(member: claim.encounter.member.id) {
                        statistics.otherWorkersClaims? += 1
                        continue
                    }
                    chunk.append(claim)
                    if chunk.count == Self.chunkSize {
                        try await decide(chunk)
                        chunk = []
                        chunk.reserveCapacity(Self.chunkSize)
                    }
                case .claimError(let error):
                    // A malformed claim may have no member to partition by: worker 1 reports them all.
                    if let partition, partition.index != 1 {
                        statistics.otherWorkersClaims? += 1
                        continue
                    }
                    statistics.add(problem: .init(claimId: error.claimId, segment: error.issue.segmentNumber,
                                                  message: error.issue.description))
                case .envelopeIssue(let issue):
                    statistics.add(envelopeIssue: issue.description)
                }
            }
            try await decide(chunk)
            try await finishDeciding()
            if chunk.isEmpty { try afterChunk() }
        }
    }

    private func nextEvent(_ reader: X12Reader837) throws(WorkflowError) -> ReaderEvent? {
        do { return try reader.next() } catch { throw WorkflowError.badInput(error.message) }
    }

    /// Writes each payer's 835 interchange into `output` and counts what they hold.
    public func finishRemittances(into output: X12Output) throws {
        guard let remittances else { return }
        for payer in remittances.payers {
            let totals: Remittance835Stream.Totals
            do { totals = try remittances.finish(payer: payer, into: output) } catch let error as RemittanceError {
                throw WorkflowError(error)
            }
            statistics.remittedClaims += totals.remittedClaims
            statistics.reversals += totals.reversals
            let (paid, overflow) = statistics.paidCents.addingReportingOverflow(totals.paidCents)
            guard !overflow else { throw WorkflowError.badInput("835: the payments of this file add up past what can be totalled") }
            statistics.paidCents = paid
        }
        try output.flush()
    }

    /// An 837 is a submitted claim: decided as a payer does (stage `claim`), what it cannot carry
    /// handled as each rule declares at claim time.
    private func claimEncounters(_ claims: [ParsedClaim]) -> [Encounter] {
        claims.map { claim -> Encounter in
            var encounter = claim.encounter
            encounter.stage = .claim
            return encounter
        }
    }

    /// Decides (and with a history, records) one chunk: the child task's work, on no state of the run.
    private static func adjudicate(_ encounters: [Encounter], history: (any HistoryStore)?, evaluator: Evaluator,
                                   payers: Set<String>) async throws -> [Result<Adjudication, HistoryError>] {
        guard let history else {
            return encounters.map { .success(Adjudication(determination: evaluator.evaluate($0), recorded: false, replayed: false)) }
        }
        do {
            let onFile = try await history.authorizations(for: encounters, payers: payers)
            return try await history.adjudicate(batch: encounters) {
                evaluator.evaluate($0, priorServices: $1, authorizations: onFile($0))
            }
        } catch let error as HistoryError {
            throw WorkflowError.history(error)
        }
    }

    /// Counts a decided chunk, hands its determinations to `issued` in file order and adds its
    /// claims to the 835.
    private func finish(_ claims: [ParsedClaim], _ results: [Result<Adjudication, HistoryError>],
                        issued: (Determination) throws -> Void) throws {
        var adjudicated: [AdjudicatedClaim] = []
        adjudicated.reserveCapacity(claims.count)
        for (claim, result) in zip(claims, results) {
            switch result {
            case .success(let adjudication):
                let determination = adjudication.determination
                statistics.add(determination, lineCount: claim.lines.count, limitRules: limitRules)
                if adjudication.replayed { statistics.replays += 1 }
                adjudicated.append(AdjudicatedClaim(
                    claim: claim, determination: determination,
                    payerClaimControlNumber: adjudication.record.map(Remittance835Writer.payerClaimControlNumber(record:)),
                    reversal: adjudication.retired.map {
                        RemittanceReversal(encounter: $0.encounter, determination: $0.determination,
                                           payerClaimControlNumber: Remittance835Writer.payerClaimControlNumber(record: $0.record))
                    }))
                try issued(determination)
            case .failure(let refusal):
                statistics.add(problem: .init(claimId: claim.encounter.id, segment: claim.segmentNumber,
                                              message: "history: \(refusal.description)"))
            }
        }
        guard let remittances else { return }
        do {
            statistics.unremitted += try remittances.add(adjudicated).count
        } catch let error as RemittanceError {
            throw WorkflowError(error)
        }
    }

    /// How each payer appears on its 835s. medpolicy decides coverage, not payment: these identify
    /// the payer in the 835's 1000A loop; a payer deploying medpolicy sets its own.
    public static func remittanceSettings(_ payers: [String], productionDate: LocalDate) -> RemittanceSettings {
        var identities: [String: RemittancePayer] = [:]
        for (offset, payer) in payers.enumerated() {
            identities[payer] = RemittancePayer(
                name: PayerDirectory.standard.displayName(for: payer),
                originatingCompanyId: "1" + String(repeating: String(offset % 9 + 1), count: 9),
                addressLine: "PO BOX \(1000 + offset)", city: "JACKSONVILLE", state: "FL", postalCode: "32231",
                technicalContactPhone: "8005550100")
        }
        return RemittanceSettings(senderId: "MEDPOLICY", receiverId: "PROVIDER", productionDate: productionDate,
                                  payers: identities)
    }
}
