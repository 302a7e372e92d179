import Foundation
import Model
import PostgresNIO

/// The shared history: tables in one PostgreSQL schema (default `medpolicy`), used by any number of
/// processes and machines at once.
///
/// Every adjudication is one transaction that first takes `pg_advisory_xact_lock` on a hash of the
/// schema and the member id: adjudications of one member are serialized everywhere, those of
/// different members run in parallel. The schema is marked as ours, with its version, in the
/// `meta` table.
final class PostgresHistoryStore: HistoryStore {
    private let pool: PostgresConnectionPool
    let location: PostgresLocation
    let logger: Logger
    /// The schema name, checked to be a plain identifier, for use in SQL text.
    let s: String

    private init(pool: PostgresConnectionPool, location: PostgresLocation, logger: Logger) {
        self.pool = pool
        self.location = location
        self.logger = logger
        self.s = location.schema
    }

    // MARK: Opening

    static func open(url: String) async throws -> PostgresHistoryStore {
        let location = try PostgresLocation(url: url)
        var logger = Logger(label: "medpolicy.history.postgres")
        logger.logLevel = .critical
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable:
            tls = .disable
        case .require:
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw HistoryError.invalidLocation("cannot set up TLS: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let pool = PostgresConnectionPool(configuration: configuration, logger: logger, maximum: 8)
        let store = PostgresHistoryStore(pool: pool, location: location, logger: logger)
        do {
            try await store.migrate()
        } catch {
            await pool.close()
            throw error
        }
        return store
    }

    // MARK: HistoryStore

    func adjudicate(_ encounter: Encounter, dryRun: Bool,
                    decide: @Sendable ([PriorService]) -> Determination) async throws -> Adjudication {
        let submission = try Submission(encounter)
        do {
            return try await transaction { connection in
                let adjudication = try await self.adjudicate(connection, submission, dryRun: dryRun, decide: decide)
                return (adjudication, commit: adjudication.recorded)
            }
        } catch {
            throw Self.refusal(error, submission) ?? error
        }
    }

    func adjudicate(batch encounters: [Encounter],
                    decide: @Sendable (Encounter, [PriorService]) -> Determination) async throws
        -> [Result<Adjudication, HistoryError>] {
        let submissions = encounters.map(Submission.prepare)
        do {
            return try await adjudicate(batch: submissions, inMemory: true, decide: decide)
        } catch let error as PSQLError where Self.isConcurrentOriginal(error) {
            // Another writer recorded one of the batch's original claim ids (for another member)
            // after the batch read them: nothing was written. Claim by claim, that claim is refused
            // and the others are recorded.
            return try await adjudicate(batch: submissions, inMemory: false, decide: decide)
        }
    }

    /// One batch transaction: its members locked in one order and their services read up front;
    /// then each claim decided over a ``PostgresBatchChunk`` and the batch written in one statement
    /// (`inMemory`), or each claim read and written on its own.
    private func adjudicate(batch submissions: [Result<Submission, HistoryError>], inMemory: Bool,
                            decide: @Sendable (Encounter, [PriorService]) -> Determination) async throws
        -> [Result<Adjudication, HistoryError>] {
        let members = Array(Set(submissions.compactMap { try? $0.get().memberId }))
        return try await transaction { connection in
            // Every member of the batch, locked up front in one order (by lock key), so that two
            // batches sharing members cannot deadlock.
            try await connection.run("""
                SELECT pg_advisory_xact_lock(hashtext(\("medpolicy:" + self.s)), key)
                FROM (SELECT DISTINCT hashtext(member) AS key FROM unnest(\(members)::text[]) AS member) AS keys
                ORDER BY key
                """, self.logger)
            // Locked, the members' services change only through this transaction: read them all in
            // one round trip, then keep them as each claim leaves them.
            let written = TransactionMemberServices()
            for (member, services) in try await self.countingServices(connection, members: members) {
                written.store(services, member: member, generation: Self.lockedGeneration)
            }
            var results: [Result<Adjudication, HistoryError>] = []
            results.reserveCapacity(submissions.count)
            // No savepoint per claim: every refusal is found before anything of the claim is
            // written (claim by claim, a concurrent duplicate original is skipped by ON CONFLICT).
            if inMemory {
                let chunk = try await PostgresBatchChunk.load(
                    connection, schema: self.s, submissions: submissions.compactMap { try? $0.get() }, services: written,
                    generation: Self.lockedGeneration, logger: self.logger)
                for prepared in submissions {
                    results.append(try prepared.adjudicated { submission in
                        try AdjudicationSequence.run(submission, dryRun: false, over: chunk) { decide(submission.encounter, $0) }
                    })
                }
                let numbers = try await chunk.write(connection)
                return (results.map { $0.map { $0.numbered(numbers) } }, commit: true)
            }
            for prepared in submissions {
                results.append(try await prepared.adjudicated { submission in
                    try await self.adjudicate(connection, submission, dryRun: false, written: written) {
                        decide(submission.encounter, $0)
                    }
                })
            }
            return (results, commit: true)
        }
    }

    /// Whether `error` is the unique index on original claim ids refusing a claim that another
    /// writer recorded concurrently.
    private static func isConcurrentOriginal(_ error: PSQLError) -> Bool {
        error.serverInfo?[.sqlState] == "23505" && error.serverInfo?[.constraintName] == "claims_original_once"
    }

    /// The history rules' refusal that `error` stands for, if it is one (a unique-index conflict
    /// is a resubmission recorded concurrently for another member).
    private static func refusal(_ error: any Error, _ submission: Submission) -> HistoryError? {
        if let refusal = error as? HistoryError { return refusal }
        if let error = error as? PSQLError, isConcurrentOriginal(error) {
            return .conflictingResubmission(claimId: submission.claimId)
        }
        return nil
    }

    /// The generation under which a batch keeps its members' services: no other medpolicy writer
    /// can change them while the batch holds their locks.
    fileprivate static let lockedGeneration: Int64 = 0

    /// The adjudication sequence on `connection`, inside the caller's transaction. `written`: a
    /// batch's members, locked and with their services read up front.
    private func adjudicate(_ connection: LeasedConnection, _ submission: Submission, dryRun: Bool,
                            written: TransactionMemberServices? = nil,
                            decide: @Sendable ([PriorService]) -> Determination) async throws -> Adjudication {
        if !dryRun && written == nil {
            try await connection.run("""
                SELECT pg_advisory_xact_lock(hashtext(\("medpolicy:" + s)), hashtext(\(submission.memberId)))
                """, logger)
        }
        return try await AdjudicationSequence.run(
            submission, dryRun: dryRun, over: PostgresTransaction(store: self, connection: connection, written: written),
            decide: decide)
    }

    fileprivate func countingServices(_ connection: LeasedConnection, member: String) async throws -> [StoredService] {
        try await countingServices(connection, members: [member])[member] ?? []
    }

    /// The counting services of each of `members` (every one present, with none when it has none),
    /// oldest first.
    fileprivate func countingServices(_ connection: LeasedConnection, members: [String]) async throws -> [String: [StoredService]] {
        let result = try await connection.rows("""
            SELECT member_id, payer, claim_id, line_number, to_char(date_of_service, 'YYYY-MM-DD'), code, units,
                   sites, outcome
            FROM \(unescaped: s).services
            WHERE member_id = ANY (\(members)::text[]) AND state = 'current' AND outcome <> 'denied'
            ORDER BY member_id, date_of_service, submission, line_number
            """, logger: logger)
        var services = Dictionary(uniqueKeysWithValues: members.map { ($0, [StoredService]()) })
        var decoder = HistoryCodec.ServiceDecoder()
        for (memberId, payer, claimId, lineNumber, date, code, units, sites, outcome)
            in try result.decode((String, String, String, Int, String, String, Int, String, String).self) {
            services[memberId, default: []].append(try decoder.service(
                memberId: memberId, payer: payer, claimId: claimId, lineNumber: lineNumber, dateOfService: date,
                code: code, units: units, sitesJSON: sites, outcome: outcome))
        }
        return services
    }

    func priorServices(member: String) async throws -> [StoredService] {
        guard StorableText.holds(member) else { return [] }  // PostgreSQL would refuse the parameter
        return try await withConnection { connection in
            try await self.countingServices(connection, member: member)
        }
    }

    func determinations(claimId: String) async throws -> [StoredDetermination] {
        guard StorableText.holds(claimId) else { return [] }
        return try await withConnection { connection in
            let result = try await connection.rows("""
                SELECT claim_id, policy_id, sequence, determination FROM \(unescaped: self.s).determinations
                WHERE claim_id = \(claimId) ORDER BY sequence
                """, logger: self.logger)
            var stored: [StoredDetermination] = []
            for (claim, policy, sequence, json) in try result.decode((String, String?, Int, String).self) {
                stored.append(StoredDetermination(
                    claimId: claim, policyId: policy, issuedSequence: sequence,
                    determination: try HistoryCodec.decode(Determination.self, json, what: "determination")))
            }
            return stored
        }
    }

    func record(authorizations: [Authorization]) async throws {
        let rows = try AuthorizationRow.rows(authorizations)
        try await transaction { connection in
            for (authorization, items, clinical) in rows {
                // Same number, same member and payer: an amendment. Another member's: refused (the
                // row lock of FOR UPDATE keeps a concurrent import from slipping in between).
                let owners = try await connection.rows("""
                    SELECT member_id, payer FROM \(unescaped: self.s).authorizations WHERE number = \(authorization.number) FOR UPDATE
                    """, logger: self.logger)
                for (member, payer) in try owners.decode((String, String).self)
                where member != authorization.memberId || payer != authorization.payer {
                    throw HistoryError.authorizationOfAnotherMember(number: authorization.number)
                }
                try await connection.run("""
                    INSERT INTO \(unescaped: self.s).authorizations (number, payer, member_id, status, issued, policy_id, items, clinical)
                    VALUES (\(authorization.number), \(authorization.payer), \(authorization.memberId),
                            \(authorization.status.rawValue), \(authorization.issued.description)::date, \(authorization.policy),
                            \(items), \(clinical))
                    ON CONFLICT (number) DO UPDATE SET payer = excluded.payer, member_id = excluded.member_id,
                        status = excluded.status, issued = excluded.issued, policy_id = excluded.policy_id,
                        items = excluded.items, clinical = excluded.clinical, recorded_at = now()
                    """, self.logger)
            }
            return ((), commit: true)
        }
    }

    func authorizations(member: String, payer: String?) async throws -> [Authorization] {
        guard StorableText.holds(member) else { return [] }
        return try await withConnection { connection in
            let result = try await connection.rows("""
                SELECT number, payer, member_id, status, to_char(issued, 'YYYY-MM-DD'), policy_id, items, clinical
                FROM \(unescaped: self.s).authorizations
                WHERE member_id = \(member) AND (\(payer)::text IS NULL OR payer = \(payer)::text) ORDER BY issued, number
                """, logger: self.logger)
            var found: [Authorization] = []
            for (number, payer, memberId, status, issued, policy, items, clinical)
                in try result.decode((String, String, String, String, String, String?, String, String?).self) {
                found.append(try HistoryCodec.authorization(number: number, payer: payer, memberId: memberId, status: status,
                                                            issued: issued, policy: policy, items: items, clinical: clinical))
            }
            return found
        }
    }

    func keepsAuthorizations(payer: String) async throws -> Bool {
        guard StorableText.holds(payer) else { return false }
        return try await withConnection { connection in
            let result = try await connection.rows("""
                SELECT EXISTS (SELECT 1 FROM \(unescaped: self.s).authorizations WHERE payer = \(payer))
                """, logger: self.logger)
            for (kept) in try result.decode(Bool.self) { return kept }
            return false
        }
    }

    func close() async throws {
        await pool.close()
    }

    // MARK: Connections and errors

    /// Runs `body` on a pooled connection; PostgreSQL's errors become ``HistoryError``s.
    private func withConnection<T: Sendable>(_ body: (LeasedConnection) async throws -> T) async throws -> T {
        let connection: LeasedConnection
        do {
            connection = try await pool.lease()
        } catch {
            throw describe(error, connecting: true)
        }
        do {
            let value = try await body(connection)
            await pool.release(connection, reusable: true)
            return value
        } catch {
            // After our own refusals the transaction was rolled back and the connection is sound.
            await pool.release(connection, reusable: error is HistoryError)
            throw describe(error, connecting: false)
        }
    }

    /// Runs `body` in a transaction, committing when it says so and rolling back otherwise or on error.
    func transaction<T: Sendable>(
        _ body: (LeasedConnection) async throws -> (T, commit: Bool)
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.run("BEGIN", self.logger)
            let value: T
            let commit: Bool
            do {
                (value, commit) = try await body(connection)
            } catch {
                if Self.leavesConnectionOpen(error) {
                    do {
                        try await connection.run("ROLLBACK", self.logger)
                    } catch {
                        try? await connection.close()  // never reuse a connection left in a transaction
                    }
                } else {
                    // The connection is gone or going, and the server rolls back what it held.
                    try? await connection.close()
                }
                throw error
            }
            try await connection.run(commit ? "COMMIT" : "ROLLBACK", self.logger)
            return value
        }
    }

    /// Whether the connection survives `error`: our own refusals and a statement's ERROR leave it open
    /// (inside a failed transaction); a FATAL or PANIC from the server and every network or protocol
    /// failure end it.
    static func leavesConnectionOpen(_ error: any Error) -> Bool {
        if error is HistoryError { return true }
        guard let error = error as? PSQLError, error.code == .server else { return false }
        let severity = error.serverInfo?[.severity] ?? error.serverInfo?[.localizedSeverity]
        return severity != "FATAL" && severity != "PANIC"
    }

    /// What went wrong, in the server's words where it gave any: a statement on a connection the
    /// server ended carries the server's FATAL inside a client-side error.
    private static func detail(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            guard let state = error.serverInfo?[.sqlState] else { return message }
            return "\(message) (SQLSTATE \(state))"
        }
        if let underlying = error.underlying as? PSQLError { return detail(underlying) }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    /// A user-facing error for what PostgreSQL or the network reported; our own errors pass through.
    private func describe(_ error: any Error, connecting: Bool) -> any Error {
        if error is HistoryError || error is CancellationError { return error }
        if error is LeasedConnection.Lost {
            return HistoryError.unreachable("\(location.displayName): the server closed the connection")
        }
        guard let error = error as? PSQLError else {
            return connecting ? HistoryError.unreachable("\(location.displayName): \(error)")
                : HistoryError.storage("\(location.displayName): \(error)")
        }
        if error.serverInfo?[.constraintName] == "claims_original_once" { return error }  // the caller knows the claim
        let detail = Self.detail(error)
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .sslUnsupported,
             .failedToAddSSLHandler:
            return HistoryError.unreachable("\(location.displayName): \(detail)")
        default:
            return connecting ? HistoryError.unreachable("\(location.displayName): \(detail)")
                : HistoryError.storage("\(location.displayName): \(detail)")
        }
    }
}

/// The adjudication primitives on one PostgreSQL connection, inside a transaction the store opened
/// (with the member locked, unless a dry run).
private struct PostgresTransaction: AsyncStoreTransaction {
    let store: PostgresHistoryStore
    let connection: LeasedConnection
    /// A batch's members, locked and with their services read up front.
    let written: TransactionMemberServices?
    private var s: String { store.s }
    private var logger: Logger { store.logger }

    /// One round trip: an identical recorded submission's determination, and whether the id is known.
    func findReplay(_ submission: Submission) async throws -> (replay: FoundReplay?, alreadyRecorded: Bool) {
        let found = try await connection.rows("""
            SELECT replayed.submission, replayed.determination,
                   EXISTS (SELECT 1 FROM \(unescaped: s).claims WHERE claim_id = \(submission.claimId))
            FROM (SELECT 1) AS one LEFT JOIN (
                SELECT c.submission, d.determination FROM \(unescaped: s).claims c
                JOIN \(unescaped: s).determinations d ON d.submission = c.submission
                WHERE c.claim_id = \(submission.claimId) AND c.encounter = \(submission.canonicalJSON)
                ORDER BY d.sequence DESC LIMIT 1) AS replayed ON true
            """, logger: logger)
        var replay: FoundReplay?
        var alreadyRecorded = false
        for (record, determination, exists) in try found.decode((Int64?, String?, Bool).self) {
            if let record, let determination { replay = FoundReplay(record: record, determination: determination) }
            alreadyRecorded = exists
        }
        return (replay, alreadyRecorded)
    }

    func targetRows(claimId: String) async throws -> [TargetRow] {
        var rows: [TargetRow] = []
        let result = try await connection.rows("""
            SELECT c.submission, c.member_id, c.state, n.claim_id
            FROM \(unescaped: s).claims c LEFT JOIN \(unescaped: s).claims n ON n.submission = c.changed_by
            WHERE c.claim_id = \(claimId) AND c.frequency <> 'void' ORDER BY c.submission
            """, logger: logger)
        for (number, member, state, changedBy) in try result.decode((Int64, String, String, String?).self) {
            rows.append(TargetRow(submission: number, memberId: member, state: state, changedBy: changedBy))
        }
        return rows
    }

    func retiredClaim(claimId: String, number: Int64?, changedBy: Int64?) async throws -> RecordedClaim? {
        let result = try await connection.rows("""
            SELECT c.submission, c.encounter, d.determination FROM \(unescaped: s).claims c
            JOIN \(unescaped: s).determinations d ON d.submission = c.submission
            WHERE c.claim_id = \(claimId) AND (c.submission = \(number) OR c.changed_by = \(changedBy))
            ORDER BY c.submission DESC, d.sequence DESC LIMIT 1
            """, logger: logger)
        var retired: RecordedClaim?
        for (record, encounter, determination) in try result.decode((Int64, String, String).self) {
            retired = try HistoryCodec.recordedClaim(record: record, encounter: encounter, determination: determination)
        }
        return retired
    }

    func countingServices(member: String) async throws -> [StoredService] {
        if let kept = written?.services(member: member, generation: PostgresHistoryStore.lockedGeneration) { return kept }
        return try await store.countingServices(connection, member: member)
    }

    func record(_ claim: ClaimWrite) async throws -> Int64 {
        let submission = claim.submission
        let determination = claim.determination
        // One statement records the claim, retires the claims it replaces or voids, and records its
        // lines and determination (foreign keys are checked at the end of the statement).
        let lines = submission.lines(for: determination)
        let newState = submission.targetNewState.rawValue
        let recordedState = submission.recordedState.rawValue
        guard let record = try await connection.one("""
            WITH claim AS (
                INSERT INTO \(unescaped: s).claims (claim_id, member_id, payer, frequency, replaces, state, encounter)
                VALUES (\(submission.claimId), \(submission.memberId), \(submission.payer),
                        \(submission.frequency.rawValue), \(submission.target), \(recordedState),
                        \(submission.canonicalJSON))
                ON CONFLICT (claim_id) WHERE frequency = 'original' DO NOTHING
                RETURNING submission
            ), retired_claims AS (
                UPDATE \(unescaped: s).claims SET state = \(newState), changed_by = (SELECT submission FROM claim)
                WHERE submission = ANY (\(claim.targets)::bigint[])
            ), retired_services AS (
                UPDATE \(unescaped: s).services SET state = \(newState)
                WHERE submission = ANY (\(claim.targets)::bigint[])
            ), recorded_services AS (
                INSERT INTO \(unescaped: s).services (submission, line_number, member_id, payer, claim_id,
                    date_of_service, code, units, sites, outcome, state)
                SELECT claim.submission, line.number, \(submission.memberId), \(submission.payer),
                       \(submission.claimId), \(submission.dateOfService)::date, line.code, line.units,
                       \(submission.sitesJSON), line.outcome, \(recordedState)
                FROM claim, unnest(\(lines.map(\.lineNumber))::integer[], \(lines.map(\.code))::text[],
                                   \(lines.map(\.units))::integer[], \(lines.map(\.outcome.rawValue))::text[])
                            AS line (number, code, units, outcome)
            ), issued AS (
                INSERT INTO \(unescaped: s).determinations (submission, claim_id, policy_id, outcome, determination)
                SELECT submission, \(submission.claimId), \(determination.policy?.id),
                       \(determination.outcome.rawValue), \(try HistoryCodec.canonicalJSON(determination))
                FROM claim
            )
            SELECT submission FROM claim
            """, Int64.self, logger) else {
            // The same original claim id was recorded meanwhile (for another member: this member is
            // locked); nothing of this claim was written.
            guard submission.frequency == .original else {
                throw HistoryError.storage("PostgreSQL returned no id for the recorded claim")
            }
            throw HistoryError.conflictingResubmission(claimId: submission.claimId)
        }
        written?.store(claim.countingAfter, member: submission.memberId, generation: PostgresHistoryStore.lockedGeneration)
        return record
    }
}
