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
    public func run(_ reader: X12Reader837, issued: (Determination) throws -> Void = { _ in },
                    afterChunk: () throws -> Void = {}) async throws {
        var chunk: [ParsedClaim] = []
        chunk.reserveCapacity(Self.chunkSize)
        while true {
            let event: ReaderEvent?
            do { event = try reader.next() } catch { throw WorkflowError.badInput(error.message) }
            guard let event else { break }
            switch event {
            case .claim(let claim):
                if let partition, !partition.owns(member: claim.encounter.member.id) {
                    statistics.otherWorkersClaims? += 1
                    continue
                }
                chunk.append(claim)
                if chunk.count == Self.chunkSize {
                    try await adjudicate(chunk, issued: issued)
                    chunk.removeAll(keepingCapacity: true)
                    try afterChunk()
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
        try await adjudicate(chunk, issued: issued)
        try afterChunk()
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

    private func adjudicate(_ claims: [ParsedClaim], issued: (Determination) throws -> Void) async throws {
        guard !claims.isEmpty else { return }
        // An 837 is a submitted claim: decided as a payer does (stage `claim`), what it cannot
        // carry handled as each rule declares at claim time.
        let encounters = claims.map { claim -> Encounter in
            var encounter = claim.encounter
            encounter.stage = .claim
            return encounter
        }
        let results: [Result<Adjudication, HistoryError>]
        if let history {
            let evaluator = self.evaluator
            do {
                let onFile = try await history.authorizations(for: encounters, payers: authorizingPayers)
                results = try await history.adjudicate(batch: encounters) {
                    evaluator.evaluate($0, priorServices: $1, authorizations: onFile($0))
                }
            } catch let error as HistoryError {
                throw WorkflowError.history(error)
            }
        } else {
            results = encounters.map { .success(Adjudication(determination: evaluator.evaluate($0), recorded: false, replayed: false)) }
        }
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
