import Model

/// A member's claim history: the services that count toward frequency limits, and the audit
/// trail of every determination issued.
///
/// Two implementations: SQLite (embedded, one file, the default) and PostgreSQL (shared by many
/// machines). Both serialize adjudications per member, so that two claims for one member
/// decided at the same time cannot both use the last allowed service.
public protocol HistoryStore: Sendable {
    /// One adjudication, atomically and serialized per member: begin a transaction, take the
    /// member's lock (SQLite: a write transaction `BEGIN IMMEDIATE`; PostgreSQL:
    /// `pg_advisory_xact_lock` on a hash of the member id), read the member's prior services that
    /// count, call `decide(prior)` (a pure function: the engine), then (unless `dryRun`) record every
    /// service line of the encounter with its line outcome, and the full determination JSON with
    /// the policy id, then commit. Either all of it is written or nothing.
    ///
    /// Claim frequency:
    /// - `original` whose claim id is already recorded: an identical encounter replays the stored
    ///   determination (`replayed == true`, nothing written); a different one throws
    ///   ``HistoryError/conflictingResubmission(claimId:)``.
    /// - `replacement` of claim X (`replaces`, or the encounter's own id when absent): X's services
    ///   are superseded and stop counting; the new claim is recorded.
    /// - `void` of claim X: X's services are voided; the void is recorded with its determination.
    ///   Replacing or voiding a claim never recorded throws ``HistoryError/unknownReplacedClaim(_:)``.
    ///
    /// `decide` receives the prior services before this claim is recorded (including the claim being
    /// replaced: the engine itself ignores services with the current claim id or the id it replaces).
    func adjudicate(_ encounter: Encounter, dryRun: Bool,
                    decide: @Sendable ([PriorService]) -> Determination) async throws -> Adjudication

    /// Adjudicates claims in order, in one transaction (a group commit, for batch files): each
    /// claim is decided with the member's history including the claims before it in the batch,
    /// exactly as if they had been adjudicated one by one. A claim the history rules refuse (a
    /// conflicting resubmission, an unknown or retired replaced claim: a ``HistoryError``) writes
    /// nothing and is returned as a failure; the others are recorded. Any other failure (storage,
    /// connection) rolls the whole batch back and throws: a process killed mid-batch leaves the
    /// store as before the batch. Every member in the batch is locked for the transaction.
    func adjudicate(batch encounters: [Encounter],
                    decide: @Sendable (Encounter, [PriorService]) -> Determination) async throws
        -> [Result<Adjudication, HistoryError>]

    /// Services that count toward limits for a member (not voided, not superseded, line outcome
    /// not denied), oldest first (by date of service, then as recorded).
    func priorServices(member: String) async throws -> [StoredService]

    /// Every determination recorded for a claim id, in the order issued (the audit trail).
    func determinations(claimId: String) async throws -> [StoredDetermination]

    /// Records prior authorizations in one transaction: all of them or none. A number already on
    /// file is replaced (an authorization amended or re-imported).
    func record(authorizations: [Authorization]) async throws

    /// The member's prior authorizations on file (only `payer`'s when given), oldest issued first.
    func authorizations(member: String, payer: String?) async throws -> [Authorization]

    /// Whether any of `payer`'s prior authorizations are on file. When none are, this history does
    /// not keep that payer's authorizations, and a claim's number cannot be checked against it.
    func keepsAuthorizations(payer: String) async throws -> Bool

    /// Closes the store; later calls throw ``HistoryError/closed``.
    func close() async throws
}

/// The result of ``HistoryStore/adjudicate(_:dryRun:decide:)``.
public struct Adjudication: Sendable, Equatable {
    /// The determination: freshly decided, or the stored one when `replayed`.
    public let determination: Determination
    /// The claim and its determination were written to the history (false for dry runs and replays).
    public let recorded: Bool
    /// The encounter was an identical resubmission of a recorded claim; the stored determination was returned.
    public let replayed: Bool
    /// The store's number for the claim: the record just written, or the recorded claim a replay
    /// returned (nil for dry runs). Stable, so a later reversal can name the claim's payment.
    public let record: Int64?
    /// For a replacement or void: the claim it takes out of the count, as it was recorded (the
    /// encounter and the latest determination issued on it), so that its payment can be reversed.
    /// A replayed replacement or void hands it back again, as a replayed claim is remitted again
    /// (a run that stopped before writing its 835 is run again). Nil for originals.
    public let retired: RecordedClaim?

    public init(determination: Determination, recorded: Bool, replayed: Bool, record: Int64? = nil,
                retired: RecordedClaim? = nil) {
        self.determination = determination; self.recorded = recorded; self.replayed = replayed
        self.record = record; self.retired = retired
    }
}

/// A claim as the history recorded it.
public struct RecordedClaim: Sendable, Equatable {
    /// The store's number for the claim (see ``Adjudication/record``).
    public let record: Int64
    public let encounter: Encounter
    /// The latest determination issued on it.
    public let determination: Determination

    public init(record: Int64, encounter: Encounter, determination: Determination) {
        self.record = record; self.encounter = encounter; self.determination = determination
    }
}

/// One recorded service line.
public struct StoredService: Sendable, Equatable {
    public let memberId: String
    public let payer: String
    /// The id of the claim the line was billed on.
    public let claimId: String
    /// 1-based line number on that claim.
    public let lineNumber: Int
    public let dateOfService: LocalDate
    public let code: String
    public let units: Int
    /// The injection sites of the encounter's procedure (the encounter carries sites per claim,
    /// not per line, so every line of a claim records the same sites).
    public let sites: [InjectionSite]
    /// The line outcome of the determination issued when the claim was recorded.
    public let outcome: Outcome

    public init(memberId: String, payer: String, claimId: String, lineNumber: Int, dateOfService: LocalDate,
                code: String, units: Int, sites: [InjectionSite], outcome: Outcome) {
        self.memberId = memberId; self.payer = payer; self.claimId = claimId; self.lineNumber = lineNumber
        self.dateOfService = dateOfService; self.code = code; self.units = units; self.sites = sites
        self.outcome = outcome
    }

    /// The service as the engine sees it (`id` is the claim id).
    public var asPriorService: PriorService {
        PriorService(id: claimId, dateOfService: dateOfService, code: code, units: units,
                     sites: sites.isEmpty ? nil : sites)
    }
}

/// One determination as issued and recorded.
public struct StoredDetermination: Sendable, Equatable {
    /// The encounter (claim) id the determination was issued for.
    public let claimId: String
    /// `determination.policy?.id`, stored in its own column for reporting.
    public let policyId: String?
    /// The store-wide issue order: increases with every recorded determination.
    public let issuedSequence: Int
    public let determination: Determination

    public init(claimId: String, policyId: String?, issuedSequence: Int, determination: Determination) {
        self.claimId = claimId; self.policyId = policyId; self.issuedSequence = issuedSequence
        self.determination = determination
    }
}

/// Opens history stores.
public enum HistoryStores {
    /// Opens a SQLite history file in WAL mode and brings its schema up to date. With `creating`
    /// (the default), a missing file is created, in an existing folder only; without it (reading a
    /// history), a missing file is refused and nothing is created.
    ///
    /// Refuses, with nothing written: a file that is not a medpolicy history (another SQLite
    /// database or not SQLite at all: ``HistoryError/notOurDatabase(_:)``), one written by a newer
    /// medpolicy (``HistoryError/newerSchema(found:supported:)``), and a read-only file or directory
    /// (``HistoryError/readOnly(_:)``).
    public static func openSQLite(path: String, creating: Bool = true) async throws -> any HistoryStore {
        try await SQLiteHistoryStore.open(path: path, creating: creating)
    }

    /// Connects to PostgreSQL and brings the history schema up to date.
    ///
    /// `url` is `postgres://user:password@host:port/database`, optionally with query parameters
    /// `schema=NAME` (the PostgreSQL schema holding the tables; default `medpolicy`) and
    /// `sslmode=disable|require` (default `disable`; `require` verifies the server certificate).
    /// A server that cannot be reached throws ``HistoryError/unreachable(_:)``.
    public static func openPostgres(url: String) async throws -> any HistoryStore {
        try await PostgresHistoryStore.open(url: url)
    }
}

/// An authorization as both stores write it: checked for text a store cannot hold (all before any
/// is written), its items and clinical record as canonical JSON.
enum AuthorizationRow {
    static func rows(_ authorizations: [Authorization]) throws -> [(Authorization, String, String?)] {
        for authorization in authorizations {
            for (field, text) in [("authorization number", authorization.number), ("authorization payer", authorization.payer),
                                  ("authorization member id", authorization.memberId)] where !StorableText.holds(text) {
                throw HistoryError.unstorableText(field: field)
            }
        }
        return try authorizations.map { authorization in
            (authorization, try HistoryCodec.canonicalJSON(authorization.items),
             try authorization.clinical.map { try HistoryCodec.canonicalJSON($0) })
        }
    }
}
