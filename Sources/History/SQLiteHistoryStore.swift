import Foundation
import GRDB
import Model
import Synchronization

/// The embedded history: one SQLite file in WAL mode, shared safely by any number of processes.
///
/// Every adjudication is one `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock
/// for the whole read–decide–write cycle: adjudications (of any member) are serialized across
/// threads and processes, and a crash at any point leaves either all of a claim or none of it.
/// Dry runs and queries read a consistent snapshot without taking the lock.
///
/// The file is marked as ours and versioned as ``SQLiteSchema`` describes. Commits are synced to disk (`synchronous = FULL`): an adjudication
/// reported as recorded survives a power loss too.
final class SQLiteHistoryStore: HistoryStore {
    /// How long a writer waits for another process holding the write lock before giving up.
    static let busyTimeout: TimeInterval = 60

    private let pool: DatabasePool
    private let path: String
    private let isClosed = Mutex(false)
    private let cache = MemberServicesCache()
    private let probe: SQLiteClaimProbe

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
        probe = SQLiteClaimProbe(path: path, busyTimeoutMilliseconds: Int32(Self.busyTimeout * 1000))
    }

    // MARK: Opening

    static func open(path rawPath: String, creating: Bool = true) async throws -> SQLiteHistoryStore {
        guard !rawPath.isEmpty else { throw HistoryError.invalidLocation("the history file path is empty") }
        let url = URL(fileURLWithPath: rawPath).standardizedFileURL
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let files = FileManager.default

        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw HistoryError.notOurDatabase(path) }
            // A device, FIFO or socket: SQLite would open it and leave a `-journal` or `-wal` file
            // beside it (for /dev/null, in /dev).
            if let kind = nonRegularKind(path) {
                throw HistoryError.invalidLocation("\(path) is \(kind), not a file")
            }
            guard isWritable(path) else { throw HistoryError.readOnly(path) }
            try inspectExistingFile(path)
        } else {
            guard creating else {
                throw HistoryError.invalidLocation("\(path) does not exist: there is no history there to read")
            }
            try requireDirectory(directory)
        }
        // SQLite keeps its write-ahead log (-wal, -shm) next to the file.
        guard isWritable(directory) else { throw HistoryError.readOnly(directory) }

        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "medpolicy.history"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw mapError(error, path: path)
        }
        do {
            try await pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try SQLiteSchema.prepare(db, path: path)
                    return .commit
                }
            }
            try SQLiteSchema.migrate(pool)
            try await pool.writeWithoutTransaction { db in
                // GRDB sets NORMAL for WAL databases, which can lose the last commits on power loss;
                // an adjudication reported as recorded must stay recorded.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A batch transaction of 1,000 claims writes several MB of pages; with SQLite's default
                // 2 MB cache the writer spilled them to the log one pwrite at a time mid-transaction.
                try db.execute(sql: "PRAGMA cache_size = -16384")
                // Statement journals (an INSERT whose trigger counts the member's generation needs one)
                // in memory: past 64 KB SQLite spilled them to a file in /var/tmp, a pwrite per page.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
        } catch {
            try? pool.close()
            throw mapError(error, path: path)
        }
        return SQLiteHistoryStore(pool: pool, path: path)
    }

    /// Refuses, without writing anything, an existing file that is neither empty nor a medpolicy
    /// history this version understands. (Opening a `DatabasePool` writes to the file, so this
    /// looks first: at the header bytes, then through a read-only connection, which also sees
    /// commits still in the write-ahead log.)
    private static func inspectExistingFile(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw HistoryError.readOnly(path) }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        try? handle.close()
        if header.isEmpty { return }  // an empty file: SQLite initializes it
        let magic = Data("SQLite format 3\0".utf8)
        guard header.count == 100, header.prefix(16) == magic else { throw HistoryError.notOurDatabase(path) }
        let headerID = header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let markedOurs = headerID == UInt32(bitPattern: SQLiteSchema.applicationID)
        // Another application's id: no need to look further.
        guard markedOurs || headerID == 0 else { throw HistoryError.notOurDatabase(path) }

        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        let found: (id: Int32, version: Int, objects: Int)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            found = try queue.read { db in
                let found = (id: try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                             version: try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                             objects: try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0)
                if found.id == SQLiteSchema.applicationID {
                    try SQLiteSchema.checkNotNewer(db, userVersion: found.version)
                }
                return found
            }
            try queue.close()
        } catch let refusal as HistoryError {
            throw refusal
        } catch {
            // Ours but unreadable: say why. Anything else: not ours.
            if markedOurs { throw mapError(error, path: path) }
            throw HistoryError.notOurDatabase(path)
        }
        if found.id != SQLiteSchema.applicationID {
            // Application id 0: an empty database left by an interrupted first use is ours to set up.
            guard found.objects == 0, found.version == 0 else { throw HistoryError.notOurDatabase(path) }
            return
        }
    }

    /// A new history goes into an existing folder only: a mistyped path must not leave folders behind.
    private static func requireDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw HistoryError.invalidLocation("the folder \(directory) does not exist; create it first")
        }
        guard isDirectory.boolValue else {
            throw HistoryError.invalidLocation("\(directory) is a file, not a directory")
        }
    }


    /// What the path is when it is not a regular file (symbolic links followed), or nil.
    static func nonRegularKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// Writable for this process, and not marked read-only by its permission bits (root ignores
    /// those, but a file or directory nobody may write is meant to stay as it is).
    private static func isWritable(_ path: String) -> Bool {
        guard FileManager.default.isWritableFile(atPath: path) else { return false }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? NSNumber else { return true }
        return permissions.intValue & 0o222 != 0
    }


    // MARK: HistoryStore

    func adjudicate(_ encounter: Encounter, dryRun: Bool,
                    decide: @Sendable ([PriorService]) -> Determination) async throws -> Adjudication {
        try checkOpen()
        let cache = self.cache
        do {
            if dryRun, let adjudication = try Self.dryRunOfNewClaim(probe, encounter, cache: cache, decide: decide) {
                return adjudication
            }
            let submission = try Submission(encounter)
            if dryRun {
                return try Self.read(pool) { db in
                    try Self.adjudicate(db, submission, dryRun: true, cache: cache, decide: decide)
                }
            }
            return try await pool.writeWithoutTransaction { db in
                var result: Adjudication?
                let written = TransactionMemberServices()
                try db.inTransaction(.immediate) {
                    let adjudication = try Self.adjudicate(db, submission, dryRun: false, cache: cache, written: written,
                                                           decide: decide)
                    result = adjudication
                    return adjudication.recorded ? .commit : .rollback
                }
                if result!.recorded { written.publish(to: cache) }
                return result!
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func adjudicate(batch encounters: [Encounter],
                    decide: @Sendable (Encounter, [PriorService]) -> Determination) async throws
        -> [Result<Adjudication, HistoryError>] {
        try checkOpen()
        let submissions = encounters.map(Submission.prepare)
        let cache = self.cache
        do {
            return try await pool.writeWithoutTransaction { db in
                var results: [Result<Adjudication, HistoryError>] = []
                results.reserveCapacity(submissions.count)
                let written = TransactionMemberServices()
                try db.inTransaction(.immediate) {
                    for prepared in submissions {
                        // No savepoint per claim: every refusal is found before anything of the claim is
                        // written, and an error while writing ends the whole transaction. (A savepoint made
                        // SQLite copy every page a claim touched to a sub-journal in /var/tmp first:
                        // 16 of the 24 page writes a claim cost.)
                        results.append(try prepared.adjudicated { submission in
                            try Self.adjudicate(db, submission, dryRun: false, cache: cache, written: written) {
                                decide(submission.encounter, $0)
                            }
                        })
                    }
                    return .commit
                }
                written.publish(to: cache)
                return results
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// The adjudication sequence over this file, inside the caller's transaction.
    private static func adjudicate(_ db: Database, _ submission: Submission, dryRun: Bool, cache: MemberServicesCache,
                                   written: TransactionMemberServices? = nil,
                                   decide: @Sendable ([PriorService]) -> Determination) throws -> Adjudication {
        try AdjudicationSequence.run(submission, dryRun: dryRun,
                                     over: SQLiteTransaction(db: db, cache: cache, written: written), decide: decide)
    }

    /// The common dry run, answered from one statement: an original claim whose id is not recorded
    /// (so neither a replay nor a conflicting resubmission) for a member whose services this
    /// process holds at the generation the file is at. Nil when it is anything else; the full
    /// path answers that. One statement reads one snapshot, so the id test and the generation
    /// agree without opening a transaction, and nothing is encoded: the claim is neither compared
    /// with a recorded one nor written.
    private static func dryRunOfNewClaim(_ probe: SQLiteClaimProbe, _ encounter: Encounter, cache: MemberServicesCache,
                                         decide: @Sendable ([PriorService]) -> Determination) throws -> Adjudication? {
        guard encounter.effectiveFrequency == .original else { return nil }
        // Refused as the full path's submission refuses it, whether or not the member is held.
        try StorableText.check(encounter)
        let member = encounter.member.id
        let answer = try probe.answer(claimId: encounter.id, member: member)
        guard !answer.claimRecorded, let priors = cache.priorServices(member: member, generation: answer.generation) else {
            return nil
        }
        return Adjudication(determination: decide(priors), recorded: false, replayed: false)
    }

    /// The member's counting services: from what this write transaction recorded (`written`) or
    /// from `cache` when the member's generation in this snapshot is theirs, else from the table.
    /// Only a read outside a write transaction (`written == nil`: the snapshot holds committed
    /// data only) fills `cache`; a write transaction may still roll back.
    ///
    /// A cache entry at the generation this snapshot sees is the right one even inside a write
    /// transaction: had the transaction changed the member, the generation would have moved
    /// past every committed one.
    fileprivate static func countingServices(_ db: Database, member: String, cache: MemberServicesCache,
                                         written: TransactionMemberServices?) throws -> [StoredService] {
        let generation = try generation(db, member: member)
        if let services = written?.services(member: member, generation: generation) { return services }
        if let cached = cache.services(member: member, generation: generation) { return cached }
        let services = try countingServices(db, member: member)
        if written == nil { cache.store(services, member: member, generation: generation) }
        return services
    }

    fileprivate static func generation(_ db: Database, member: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT generation FROM member_generations WHERE member_id = ?"),
                           arguments: [member]) ?? 0
    }

    private static func countingServices(_ db: Database, member: String) throws -> [StoredService] {
        var decoder = HistoryCodec.ServiceDecoder()
        var services: [StoredService] = []
        // Columns by position: GRDB's lookup by name folds case on every access.
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT member_id, payer, claim_id, line_number, date_of_service, code, units, sites, outcome
            FROM services
            WHERE member_id = ? AND state = 'current' AND outcome <> 'denied'
            ORDER BY date_of_service, submission, line_number
            """), arguments: [member])
        while let row = try rows.next() {
            services.append(try decoder.service(memberId: row[0], payer: row[1], claimId: row[2], lineNumber: row[3],
                                                dateOfService: row[4], code: row[5], units: row[6], sitesJSON: row[7],
                                                outcome: row[8]))
        }
        return services
    }

    func priorServices(member: String) async throws -> [StoredService] {
        try checkOpen()
        guard StorableText.holds(member) else { return [] }  // bound, it would read the member it cuts to
        do {
            return try Self.read(pool) { db in try Self.countingServices(db, member: member, cache: cache, written: nil) }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func determinations(claimId: String) async throws -> [StoredDetermination] {
        try checkOpen()
        guard StorableText.holds(claimId) else { return [] }
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT claim_id, policy_id, sequence, determination FROM determinations
                    WHERE claim_id = ? ORDER BY sequence
                    """, arguments: [claimId]).map {
                    StoredDetermination(claimId: $0["claim_id"], policyId: $0["policy_id"], issuedSequence: $0["sequence"],
                                        determination: try HistoryCodec.decode(Determination.self, $0["determination"],
                                                                               what: "determination"))
                }
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func record(authorizations: [Authorization]) async throws {
        try checkOpen()
        let rows = try AuthorizationRow.rows(authorizations)
        do {
            try await pool.write { db in
                for (authorization, items, clinical) in rows {
                    // Same number, same member and payer: an amendment. Another member's: refused.
                    if let owner = try Row.fetchOne(db, sql: "SELECT member_id, payer FROM authorizations WHERE number = ?",
                                                    arguments: [authorization.number]),
                       owner["member_id"] as String != authorization.memberId || owner["payer"] as String != authorization.payer {
                        throw HistoryError.authorizationOfAnotherMember(number: authorization.number)
                    }
                    try db.execute(sql: """
                        INSERT INTO authorizations (number, payer, member_id, status, issued, policy_id, items, clinical)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (number) DO UPDATE SET payer = excluded.payer, member_id = excluded.member_id,
                            status = excluded.status, issued = excluded.issued, policy_id = excluded.policy_id,
                            items = excluded.items, clinical = excluded.clinical,
                            recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                        """, arguments: [authorization.number, authorization.payer, authorization.memberId,
                                         authorization.status.rawValue, authorization.issued.description,
                                         authorization.policy, items, clinical])
                }
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func authorizations(member: String, payer: String?) async throws -> [Authorization] {
        try checkOpen()
        guard StorableText.holds(member) else { return [] }
        do {
            return try Self.read(pool) { db in
                try Row.fetchAll(db, sql: """
                    SELECT number, payer, member_id, status, issued, policy_id, items, clinical FROM authorizations
                    WHERE member_id = ? AND (? IS NULL OR payer = ?) ORDER BY issued, number
                    """, arguments: [member, payer, payer]).map {
                    try HistoryCodec.authorization(number: $0[0], payer: $0[1], memberId: $0[2], status: $0[3], issued: $0[4],
                                                   policy: $0[5], items: $0[6], clinical: $0[7])
                }
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func keepsAuthorizations(payer: String) async throws -> Bool {
        try checkOpen()
        guard StorableText.holds(payer) else { return false }
        do {
            return try Self.read(pool) { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM authorizations WHERE payer = ?)", arguments: [payer]) ?? false
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    func close() async throws {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if wasClosed { return }
        probe.close()
        do {
            try pool.close()
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// A read on the calling thread. In WAL mode a reader never waits for a writer, so a read is
    /// short, bounded work; GRDB's async read hops to a reader queue and back, and those two thread
    /// switches cost more than reading a member's history. (Writes stay async: they can wait on
    /// another process's write lock.)
    private static func read<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws -> T {
        // One deferred transaction (a consistent snapshot) opened and closed with prepared
        // statements: GRDB's isolated read wraps the same thing in savepoint bookkeeping that cost
        // more than the reads of a check.
        try pool.unsafeRead { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return value
            } catch {
                try? db.execute(sql: "ROLLBACK")
                throw error
            }
        }
    }

    private func checkOpen() throws {
        if isClosed.withLock({ $0 }) { throw HistoryError.closed }
    }

    /// Our errors pass through; SQLite's become a ``HistoryError`` naming the file.
    private static func mapError(_ error: any Error, path: String) -> any Error {
        if error is HistoryError { return error }
        if error is CancellationError { return error }
        guard let error = error as? DatabaseError else { return HistoryError.storage("\(path): \(error)") }
        switch error.resultCode {
        case .SQLITE_READONLY, .SQLITE_PERM:
            return HistoryError.readOnly(path)
        case .SQLITE_NOTADB:
            return HistoryError.notOurDatabase(path)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return HistoryError.storage("\(path) stayed locked by another process for more than \(Int(busyTimeout)) seconds")
        case .SQLITE_CANTOPEN:
            return HistoryError.storage("cannot open \(path): \(error.message ?? "unable to open the database file")")
        case .SQLITE_FULL:
            return HistoryError.storage("\(path): the disk is full; nothing was recorded")
        case .SQLITE_CORRUPT:
            return HistoryError.storage("\(path) is damaged (SQLite reports corruption); restore it from a backup")
        default:
            return HistoryError.storage("\(path): \(error.message ?? error.description)")
        }
    }
}

/// The adjudication primitives over one SQLite connection, inside a transaction the store opened.
/// Statements are prepared once per connection (cachedStatement): parsing SQL per claim was a
/// measurable share of a batch.
private struct SQLiteTransaction: StoreTransaction {
    let db: Database
    let cache: MemberServicesCache
    /// A write transaction's members, as its own writes left them (nil for a dry run's snapshot).
    let written: TransactionMemberServices?

    func findReplay(_ submission: Submission) throws -> (replay: FoundReplay?, alreadyRecorded: Bool) {
        // Most claims are new: one index probe answers them.
        let alreadyRecorded = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM claims WHERE claim_id = ?)"),
                                                arguments: [submission.claimId]) ?? false
        guard alreadyRecorded else { return (nil, false) }
        if let stored = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT c.submission, d.determination FROM claims c JOIN determinations d ON d.submission = c.submission
            WHERE c.claim_id = ? AND c.encounter = ? ORDER BY d.sequence DESC LIMIT 1
            """), arguments: [submission.claimId, submission.canonicalJSON]) {
            return (FoundReplay(record: stored[0], determination: stored[1]), true)
        }
        return (nil, true)
    }

    func targetRows(claimId: String) throws -> [TargetRow] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT c.submission, c.member_id, c.state, n.claim_id AS changed_by
            FROM claims c LEFT JOIN claims n ON n.submission = c.changed_by
            WHERE c.claim_id = ? AND c.frequency <> 'void' ORDER BY c.submission
            """), arguments: [claimId]).map {
            TargetRow(submission: $0["submission"], memberId: $0["member_id"], state: $0["state"], changedBy: $0["changed_by"])
        }
    }

    func retiredClaim(claimId: String, number: Int64?, changedBy: Int64?) throws -> RecordedClaim? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT c.submission, c.encounter, d.determination FROM claims c JOIN determinations d ON d.submission = c.submission
            WHERE c.claim_id = ? AND (c.submission = ? OR c.changed_by = ?)
            ORDER BY c.submission DESC, d.sequence DESC LIMIT 1
            """), arguments: [claimId, number, changedBy]) else { return nil }
        return try HistoryCodec.recordedClaim(record: row[0], encounter: row[1], determination: row[2])
    }

    func countingServices(member: String) throws -> [StoredService] {
        try SQLiteHistoryStore.countingServices(db, member: member, cache: cache, written: written)
    }

    func record(_ claim: ClaimWrite) throws -> Int64 {
        let submission = claim.submission
        let determination = claim.determination
        // Encoded before the first write: what can fail here fails with nothing of the claim written.
        let determinationJSON = try HistoryCodec.canonicalJSON(determination)
        try db.cachedStatement(sql: """
            INSERT INTO claims (claim_id, member_id, payer, frequency, replaces, state, encounter)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [submission.claimId, submission.memberId, submission.payer, submission.frequency.rawValue,
                             submission.target, submission.recordedState.rawValue, submission.canonicalJSON])
        let number = db.lastInsertedRowID
        for target in claim.targets {
            try db.cachedStatement(sql: "UPDATE claims SET state = ?, changed_by = ? WHERE submission = ?")
                .execute(arguments: [submission.targetNewState.rawValue, number, target])
            try db.cachedStatement(sql: "UPDATE services SET state = ? WHERE submission = ?")
                .execute(arguments: [submission.targetNewState.rawValue, target])
        }
        for line in submission.lines(for: determination) {
            try db.cachedStatement(sql: """
                INSERT INTO services (submission, line_number, member_id, payer, claim_id, date_of_service, code, units,
                                      sites, outcome, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [number, line.lineNumber, submission.memberId, submission.payer, submission.claimId,
                                 submission.dateOfService, line.code, line.units, submission.sitesJSON, line.outcome.rawValue,
                                 submission.recordedState.rawValue])
        }
        try db.cachedStatement(sql: """
            INSERT INTO determinations (submission, claim_id, policy_id, outcome, determination)
            VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [number, submission.claimId, determination.policy?.id, determination.outcome.rawValue,
                             determinationJSON])
        // The claim is written whole: keep what the table now holds for the member.
        if let written {
            written.store(claim.countingAfter, member: submission.memberId,
                          generation: try SQLiteHistoryStore.generation(db, member: submission.memberId))
        }
        return number
    }
}
