import Model

/// What a store reads and writes for one adjudication, inside the transaction its caller opened
/// (and after any lock the store takes). SQLite answers synchronously, from inside GRDB's write
/// closure; PostgreSQL's ``AsyncStoreTransaction`` has the same primitives, asynchronous.
protocol StoreTransaction {
    /// An identical recorded submission (same claim id, same canonical encounter) with its latest
    /// determination, and whether the claim id is recorded at all (asked only when there is none).
    func findReplay(_ submission: Submission) throws -> (replay: FoundReplay?, alreadyRecorded: Bool)
    /// The recorded claims, other than voids, with this claim id, oldest first.
    func targetRows(claimId: String) throws -> [TargetRow]
    /// The claim with id `claimId` numbered `number`, or the one that the claim numbered `changedBy`
    /// retired, with its latest determination.
    func retiredClaim(claimId: String, number: Int64?, changedBy: Int64?) throws -> RecordedClaim?
    /// The member's counting services, oldest first.
    func countingServices(member: String) throws -> [StoredService]
    /// Writes the claim, retires its targets, writes its lines and determination; returns its number.
    func record(_ claim: ClaimWrite) throws -> Int64
}

/// ``StoreTransaction``'s primitives for a store that answers asynchronously (PostgreSQL).
protocol AsyncStoreTransaction {
    func findReplay(_ submission: Submission) async throws -> (replay: FoundReplay?, alreadyRecorded: Bool)
    func targetRows(claimId: String) async throws -> [TargetRow]
    func retiredClaim(claimId: String, number: Int64?, changedBy: Int64?) async throws -> RecordedClaim?
    func countingServices(member: String) async throws -> [StoredService]
    func record(_ claim: ClaimWrite) async throws -> Int64
}

/// A recorded submission identical to the one adjudicated: its number and latest determination (JSON).
struct FoundReplay: Sendable {
    let record: Int64
    let determination: String
}

/// Everything a store writes for one decided claim.
struct ClaimWrite {
    let submission: Submission
    /// The recorded claims it supersedes or voids.
    let targets: [Int64]
    let determination: Determination
    /// The member's counting services before the claim.
    let countingBefore: [StoredService]

    /// The member's counting services once the claim is written, derived instead of read back.
    var countingAfter: [StoredService] {
        submission.countingServices(after: countingBefore, determination: determination)
    }
}

/// The one adjudication sequence of both stores: replay an identical resubmission, refuse a
/// conflicting one, check the claim a replacement or void names, read the member's counting
/// services, decide, and (unless a dry run) write.
///
/// The sequence does no I/O: each step names what it needs next (a ``Step``), the store answers
/// through its primitives, and the sequence continues with the answer. That lets SQLite, whose
/// transactions are synchronous closures, and PostgreSQL, whose are asynchronous, run the very
/// same steps; each store's `run` only carries answers back and forth.
struct AdjudicationSequence {
    enum Step {
        case findReplay
        case findTargets(claimId: String)
        case findRetired(claimId: String, number: Int64?, changedBy: Int64?)
        case readCountingServices(member: String)
        case record(ClaimWrite)
        case finished(Adjudication)
    }

    let submission: Submission
    let dryRun: Bool
    private var replayed: (record: Int64, determination: Determination)?
    private var targets: [Int64] = []
    private var retired: RecordedClaim?
    private var determination: Determination?

    init(_ submission: Submission, dryRun: Bool) {
        self.submission = submission; self.dryRun = dryRun
    }

    /// Runs the sequence over a synchronous store's primitives.
    static func run(_ submission: Submission, dryRun: Bool, over store: some StoreTransaction,
                    decide: @Sendable ([PriorService]) -> Determination) throws -> Adjudication {
        var sequence = AdjudicationSequence(submission, dryRun: dryRun)
        var step = Step.findReplay
        while true {
            switch step {
            case .findReplay:
                let found = try store.findReplay(submission)
                step = try sequence.replayFound(found.replay, alreadyRecorded: found.alreadyRecorded)
            case .findTargets(let claimId):
                step = try sequence.targetsFound(try store.targetRows(claimId: claimId))
            case .findRetired(let claimId, let number, let changedBy):
                step = sequence.retiredFound(try store.retiredClaim(claimId: claimId, number: number, changedBy: changedBy))
            case .readCountingServices(let member):
                step = sequence.servicesRead(try store.countingServices(member: member), decide: decide)
            case .record(let claim):
                step = sequence.recorded(number: try store.record(claim))
            case .finished(let adjudication):
                return adjudication
            }
        }
    }

    /// Runs the sequence over an asynchronous store's primitives.
    static func run(_ submission: Submission, dryRun: Bool, over store: some AsyncStoreTransaction,
                    decide: @Sendable ([PriorService]) -> Determination) async throws -> Adjudication {
        var sequence = AdjudicationSequence(submission, dryRun: dryRun)
        var step = Step.findReplay
        while true {
            switch step {
            case .findReplay:
                let found = try await store.findReplay(submission)
                step = try sequence.replayFound(found.replay, alreadyRecorded: found.alreadyRecorded)
            case .findTargets(let claimId):
                step = try sequence.targetsFound(try await store.targetRows(claimId: claimId))
            case .findRetired(let claimId, let number, let changedBy):
                step = sequence.retiredFound(
                    try await store.retiredClaim(claimId: claimId, number: number, changedBy: changedBy))
            case .readCountingServices(let member):
                step = sequence.servicesRead(try await store.countingServices(member: member), decide: decide)
            case .record(let claim):
                step = sequence.recorded(number: try await store.record(claim))
            case .finished(let adjudication):
                return adjudication
            }
        }
    }

    // MARK: The steps, in order

    /// An identical resubmission replays its stored determination (handing back the claim it
    /// retired); otherwise an original whose id is recorded is a conflict.
    private mutating func replayFound(_ found: FoundReplay?, alreadyRecorded: Bool) throws -> Step {
        if let found {
            let determination = try HistoryCodec.decode(Determination.self, found.determination, what: "determination")
            replayed = (found.record, determination)
            guard let target = submission.target else { return finishReplay() }
            return .findRetired(claimId: target, number: nil, changedBy: found.record)
        }
        try submission.checkNotConflicting(alreadyRecorded: alreadyRecorded)
        guard let target = submission.target else { return .readCountingServices(member: submission.memberId) }
        return .findTargets(claimId: target)
    }

    /// The claim a replacement or void names must be current and this member's.
    private mutating func targetsFound(_ rows: [TargetRow]) throws -> Step {
        targets = try submission.checkTarget(rows)
        guard let target = submission.target, let latest = targets.max() else {
            return .readCountingServices(member: submission.memberId)
        }
        return .findRetired(claimId: target, number: latest, changedBy: nil)
    }

    private mutating func retiredFound(_ claim: RecordedClaim?) -> Step {
        retired = claim
        if replayed != nil { return finishReplay() }
        return .readCountingServices(member: submission.memberId)
    }

    private func finishReplay() -> Step {
        let (record, determination) = replayed!
        return .finished(Adjudication(determination: determination, recorded: false, replayed: true, record: record,
                                      retired: retired))
    }

    /// Decides on the member's services before this claim; a dry run ends here.
    private mutating func servicesRead(_ counting: [StoredService],
                                       decide: ([PriorService]) -> Determination) -> Step {
        let determination = decide(counting.map(\.asPriorService))
        self.determination = determination
        if dryRun {
            return .finished(Adjudication(determination: determination, recorded: false, replayed: false, retired: retired))
        }
        return .record(ClaimWrite(submission: submission, targets: targets, determination: determination,
                                  countingBefore: counting))
    }

    private func recorded(number: Int64) -> Step {
        .finished(Adjudication(determination: determination!, recorded: true, replayed: false, record: number,
                               retired: retired))
    }
}
