import Engine
import History
import Model

/// Decides encounters with the member's claim history, the same way for the CLI's `check` and the
/// HTTP API: prior services come from the store (and from the encounter's own `history`), and the
/// decision is recorded with them in one transaction unless it is a dry run.
public struct Adjudicator: Sendable {
    public let evaluator: Evaluator
    public let history: (any HistoryStore)?

    public init(evaluator: Evaluator, history: (any HistoryStore)?) {
        self.evaluator = evaluator
        self.history = history
    }

    /// What a decision produced: one determination, or one per payer side by side.
    public struct Decision: Sendable {
        public let determinations: [Determination]
        /// The determination was written to the history store.
        public let recorded: Bool
        /// The claim id had been decided before with the same content: its recorded determination.
        public let replayed: Bool
    }

    /// Decides `encounter` under `payer` (its own when nil) or, with `allPayers`, under every payer
    /// with policies (never recorded: a claim has one payer). An unknown payer is `.badInput`; the
    /// history store's refusals (conflicting resubmission, unreachable server) are `.history`.
    public func decide(_ encounter: Encounter, payer: String? = nil, allPayers: Bool = false, dryRun: Bool = false) async throws(WorkflowError) -> Decision {
        try evaluator.requireKnown(payer: payer)
        guard let history else {
            let determinations = allPayers ? evaluator.evaluateAllPayers(encounter) : [evaluator.evaluate(encounter, payer: payer)]
            return Decision(determinations: determinations, recorded: false, replayed: false)
        }
        do {
            if allPayers {
                let prior = try await history.priorServices(member: encounter.member.id)
                let onFile = encounter.effectiveStage == .claim
                    ? try await history.authorizationsOnFile(member: encounter.member.id, payers: evaluator.context.library.authorizingPayers) : nil
                let determinations = evaluator.evaluateAllPayers(encounter, priorServices: Self.merged(prior.map(\.asPriorService), encounter.history),
                                                                 authorizations: onFile)
                return Decision(determinations: determinations, recorded: false, replayed: false)
            }
            let evaluator = self.evaluator
            // A submitted claim is held to the member's prior authorizations on file.
            let onFile = encounter.effectiveStage == .claim
                ? try await history.authorizationsOnFile(member: encounter.member.id, payers: [payer ?? encounter.coverage.payer]) : nil
            let adjudication = try await history.adjudicate(encounter, dryRun: dryRun) { prior in
                evaluator.evaluate(encounter, payer: payer, priorServices: Self.merged(prior, encounter.history),
                                   authorizations: onFile)
            }
            return Decision(determinations: [adjudication.determination], recorded: adjudication.recorded, replayed: adjudication.replayed)
        } catch let error as HistoryError {
            throw .history(error)
        } catch {
            throw .internalFailure("history: \(error)")
        }
    }

    /// Prior services from the store and from the encounter itself, each once.
    public static func merged(_ stored: [PriorService], _ given: [PriorService]?) -> [PriorService] {
        var seen = Set(stored.map { "\($0.id)|\($0.dateOfService)|\($0.code)" })
        return stored + (given ?? []).filter { seen.insert("\($0.id)|\($0.dateOfService)|\($0.code)").inserted }
    }
}

extension HistoryStore {
    /// The member's prior authorizations on file, for the engine: nil when this history keeps the
    /// authorizations of none of `payers`, so that there is nothing to check a claim's number against.
    func authorizationsOnFile(member: String, payers: Set<String>) async throws -> [Authorization]? {
        for payer in payers where try await keepsAuthorizations(payer: payer) {
            return try await authorizations(member: member, payer: nil)
        }
        return nil
    }

    /// The prior authorizations on file for the members of `encounters` whose payer is one of
    /// `payers` (those with rules an authorization meets) and keeps its authorizations here.
    func authorizations(for encounters: [Encounter], payers: Set<String>) async throws -> AuthorizationsOnFile {
        var kept = Set<String>()
        for payer in payers where try await keepsAuthorizations(payer: payer) { kept.insert(payer) }
        var found: [String: [Authorization]] = [:]
        for encounter in encounters where kept.contains(encounter.coverage.payer) && found[encounter.member.id] == nil {
            found[encounter.member.id] = try await authorizations(member: encounter.member.id, payer: nil)
        }
        return AuthorizationsOnFile(kept: kept, byMember: found)
    }
}

/// The prior authorizations a batch of claims is checked against, read once for the batch.
struct AuthorizationsOnFile: Sendable {
    /// The payers whose authorizations the history keeps.
    let kept: Set<String>
    let byMember: [String: [Authorization]]

    /// What the engine gets for `encounter`: nil when its payer's authorizations are not kept here.
    func callAsFunction(_ encounter: Encounter) -> [Authorization]? {
        kept.contains(encounter.coverage.payer) ? byMember[encounter.member.id] ?? [] : nil
    }
}

extension Evaluator {
    /// Refuses a payer id that no loaded policy belongs to (nil is the encounter's own payer).
    public func requireKnown(payer: String?) throws(WorkflowError) {
        let payers = context.library.payers
        if let payer, !payers.contains(payer) {
            throw .badInput("unknown payer '\(payer)' (known: \(payers.joined(separator: ", ")))")
        }
    }
}
