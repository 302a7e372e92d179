import Model
import PostgresNIO

/// A PostgreSQL batch decided in memory and written in two round trips (issue 22).
///
/// Sent claim by claim, a batch cost two statements a claim, and PostgreSQL parsed and planned each
/// anew: most of its 1.6 ms a claim was the server planning (pgbench, the replay lookup: 0.28 ms
/// unnamed, 0.07 ms with a cached plan). The batch's members are locked and their services read up
/// front already, so the only other state a claim's sequence reads is the claims recorded under the
/// claim ids the batch names (its own ids and the claims they replace or void). ``load(_:schema:submissions:services:logger:)``
/// reads those rows once; the adjudication sequence then runs over them as a ``StoreTransaction``,
/// each claim seeing the ones before it; ``write(_:)`` sends every row the batch recorded in one
/// statement.
///
/// Claims recorded here get provisional numbers (above any the table holds, so that "latest" still
/// means "largest") until ``write(_:)`` draws their real numbers from the claims' sequence, in
/// order. A concurrent writer that records one of the batch's original claim ids for another member
/// makes the write fail on `claims_original_once`; the caller then decides the batch again claim by
/// claim.
final class PostgresBatchChunk: StoreTransaction {
    /// A row of `claims` with its latest determination, as read or as recorded by this batch.
    private struct ClaimRow {
        let submission: Int64
        let claimId: String
        let memberId: String
        let payer: String
        let frequency: String
        let replaces: String?
        var state: String
        var changedBy: Int64?
        /// The claim id of the claim that superseded or voided it.
        var changedByClaimId: String?
        let encounter: String
        /// The latest determination (canonical JSON) and its order among determinations.
        let determination: String?
        let determinationOrder: Int64
        let isNew: Bool
    }

    /// A recorded claim's lines and determination, to be written.
    private struct Recorded {
        let row: Int
        let lines: [LineRecord]
        let dateOfService: String
        let sitesJSON: String
        let policyId: String?
        let outcome: String
    }

    /// Provisional numbers start here: above any real submission number, below Int64.max.
    private static let firstProvisional: Int64 = 1 << 62

    private let schema: String
    private let logger: Logger
    private let services: TransactionMemberServices
    private let generation: Int64
    private var rows: [ClaimRow] = []
    private var rowsByClaimId: [String: [Int]] = [:]
    /// Rows that were in the table and that this batch superseded or voided.
    private var retiredRows: Set<Int> = []
    private var recorded: [Recorded] = []

    private init(schema: String, logger: Logger, services: TransactionMemberServices, generation: Int64) {
        self.schema = schema; self.logger = logger; self.services = services; self.generation = generation
    }

    /// Reads the recorded claims under every claim id the submissions name, in one round trip.
    static func load(_ connection: LeasedConnection, schema s: String, submissions: [Submission],
                     services: TransactionMemberServices, generation: Int64, logger: Logger) async throws -> PostgresBatchChunk {
        let chunk = PostgresBatchChunk(schema: s, logger: logger, services: services, generation: generation)
        let claimIds = Array(Set(submissions.flatMap { [$0.claimId] + ($0.target.map { [$0] } ?? []) }))
        let result = try await connection.rows("""
            SELECT c.submission, c.claim_id, c.member_id, c.payer, c.frequency, c.replaces, c.state, c.changed_by,
                   n.claim_id, c.encounter, d.sequence, d.determination
            FROM \(unescaped: s).claims c
            LEFT JOIN \(unescaped: s).claims n ON n.submission = c.changed_by
            LEFT JOIN LATERAL (
                SELECT sequence, determination FROM \(unescaped: s).determinations
                WHERE submission = c.submission ORDER BY sequence DESC LIMIT 1) d ON true
            WHERE c.claim_id = ANY (\(claimIds)::text[])
            ORDER BY c.submission
            """, logger: logger)
        for (submission, claimId, memberId, payer, frequency, replaces, state, changedBy, changedByClaimId, encounter,
             sequence, determination)
            in try result.decode((Int64, String, String, String, String, String?, String, Int64?, String?, String, Int64?,
                                  String?).self) {
            chunk.append(ClaimRow(submission: submission, claimId: claimId, memberId: memberId, payer: payer,
                                  frequency: frequency, replaces: replaces, state: state, changedBy: changedBy,
                                  changedByClaimId: changedByClaimId, encounter: encounter, determination: determination,
                                  determinationOrder: sequence ?? 0, isNew: false))
        }
        return chunk
    }

    private func append(_ row: ClaimRow) {
        rowsByClaimId[row.claimId, default: []].append(rows.count)
        rows.append(row)
    }

    private func rows(claimId: String) -> [ClaimRow] {
        (rowsByClaimId[claimId] ?? []).map { rows[$0] }
    }

    // MARK: StoreTransaction, over the rows read and recorded

    func findReplay(_ submission: Submission) throws -> (replay: FoundReplay?, alreadyRecorded: Bool) {
        let recordedRows = rows(claimId: submission.claimId)
        let identical = recordedRows.filter { $0.encounter == submission.canonicalJSON && $0.determination != nil }
        let replay = identical.max { $0.determinationOrder < $1.determinationOrder }.map {
            FoundReplay(record: $0.submission, determination: $0.determination!)
        }
        return (replay, !recordedRows.isEmpty)
    }

    func targetRows(claimId: String) throws -> [TargetRow] {
        rows(claimId: claimId).filter { $0.frequency != ClaimFrequency.void.rawValue }.map {
            TargetRow(submission: $0.submission, memberId: $0.memberId, state: $0.state, changedBy: $0.changedByClaimId)
        }
    }

    func retiredClaim(claimId: String, number: Int64?, changedBy: Int64?) throws -> RecordedClaim? {
        let matching = rows(claimId: claimId).filter {
            $0.determination != nil && ($0.submission == number || ($0.changedBy != nil && $0.changedBy == changedBy))
        }
        guard let row = matching.max(by: { ($0.submission, $0.determinationOrder) < ($1.submission, $1.determinationOrder) })
        else { return nil }
        return try HistoryCodec.recordedClaim(record: row.submission, encounter: row.encounter, determination: row.determination!)
    }

    func countingServices(member: String) throws -> [StoredService] {
        // Every member of the batch was read up front (and is locked).
        services.services(member: member, generation: generation) ?? []
    }

    func record(_ claim: ClaimWrite) throws -> Int64 {
        let submission = claim.submission
        let determination = claim.determination
        let determinationJSON = try HistoryCodec.canonicalJSON(determination)
        let number = Self.firstProvisional + Int64(recorded.count)
        for target in claim.targets {
            guard let index = rows.firstIndex(where: { $0.submission == target }) else { continue }
            rows[index].state = submission.targetNewState.rawValue
            rows[index].changedBy = number
            rows[index].changedByClaimId = submission.claimId
            if !rows[index].isNew { retiredRows.insert(index) }
        }
        recorded.append(Recorded(row: rows.count, lines: submission.lines(for: determination),
                                 dateOfService: submission.dateOfService, sitesJSON: submission.sitesJSON,
                                 policyId: determination.policy?.id, outcome: determination.outcome.rawValue))
        append(ClaimRow(submission: number, claimId: submission.claimId, memberId: submission.memberId,
                        payer: submission.payer, frequency: submission.frequency.rawValue, replaces: submission.target,
                        state: submission.recordedState.rawValue, changedBy: nil, changedByClaimId: nil,
                        encounter: submission.canonicalJSON, determination: determinationJSON,
                        determinationOrder: number, isNew: true))
        services.store(claim.countingAfter, member: submission.memberId, generation: generation)
        return number
    }

    // MARK: Writing

    /// Writes what the batch recorded and returns the real number of each provisional one (empty
    /// when nothing was recorded). Numbers come from the claims' sequence in the order the claims
    /// were decided, as claim-by-claim inserts would have drawn them.
    func write(_ connection: LeasedConnection) async throws -> [Int64: Int64] {
        guard !recorded.isEmpty else { return [:] }
        let s = schema
        var drawn = try await connection.rows("""
            SELECT nextval(pg_get_serial_sequence('\(unescaped: s).claims', 'submission'))
            FROM generate_series(1, \(recorded.count))
            """, logger: logger).decode(Int64.self)
        drawn.sort()
        guard drawn.count == recorded.count else {
            throw HistoryError.storage("PostgreSQL gave \(drawn.count) claim numbers for \(recorded.count) claims")
        }
        var real: [Int64: Int64] = [:]
        for (offset, number) in drawn.enumerated() { real[Self.firstProvisional + Int64(offset)] = number }
        func resolved(_ number: Int64?) -> Int64 { number.map { real[$0] ?? $0 } ?? 0 }

        let newRows = recorded.map { rows[$0.row] }
        let retired = retiredRows.sorted().map { rows[$0] }
        var lineClaims: [Int64] = [], lineNumbers: [Int] = [], lineMembers: [String] = [], linePayers: [String] = []
        var lineClaimIds: [String] = [], lineDates: [String] = [], lineCodes: [String] = [], lineUnits: [Int] = []
        var lineSites: [String] = [], lineOutcomes: [String] = [], lineStates: [String] = []
        for item in recorded {
            let row = rows[item.row]
            for line in item.lines {
                lineClaims.append(resolved(row.submission)); lineNumbers.append(line.lineNumber)
                lineMembers.append(row.memberId); linePayers.append(row.payer); lineClaimIds.append(row.claimId)
                lineDates.append(item.dateOfService); lineCodes.append(line.code); lineUnits.append(line.units)
                lineSites.append(item.sitesJSON); lineOutcomes.append(line.outcome.rawValue); lineStates.append(row.state)
            }
        }
        // One statement: foreign keys (a claim's changed_by naming a claim of this batch) are checked at its end.
        // Nullable columns travel as a value and a flag: the arrays' elements are not optional.
        try await connection.run("""
            WITH new_claims AS (
                INSERT INTO \(unescaped: s).claims (submission, claim_id, member_id, payer, frequency, replaces, state,
                                                    changed_by, encounter)
                SELECT submission, claim_id, member_id, payer, frequency,
                       CASE WHEN has_replaces THEN replaces END, state, NULLIF(changed_by, 0), encounter
                FROM unnest(\(newRows.map { resolved($0.submission) })::bigint[], \(newRows.map(\.claimId))::text[],
                            \(newRows.map(\.memberId))::text[], \(newRows.map(\.payer))::text[],
                            \(newRows.map(\.frequency))::text[], \(newRows.map { $0.replaces ?? "" })::text[],
                            \(newRows.map { $0.replaces != nil })::boolean[], \(newRows.map(\.state))::text[],
                            \(newRows.map { resolved($0.changedBy) })::bigint[], \(newRows.map(\.encounter))::text[])
                     AS c (submission, claim_id, member_id, payer, frequency, replaces, has_replaces, state, changed_by,
                           encounter)
                ORDER BY submission
            ), retired_claims AS (
                UPDATE \(unescaped: s).claims c SET state = r.state, changed_by = r.changed_by
                FROM unnest(\(retired.map(\.submission))::bigint[], \(retired.map(\.state))::text[],
                            \(retired.map { resolved($0.changedBy) })::bigint[]) AS r (submission, state, changed_by)
                WHERE c.submission = r.submission
            ), retired_services AS (
                UPDATE \(unescaped: s).services v SET state = r.state
                FROM unnest(\(retired.map(\.submission))::bigint[], \(retired.map(\.state))::text[]) AS r (submission, state)
                WHERE v.submission = r.submission
            ), new_services AS (
                INSERT INTO \(unescaped: s).services (submission, line_number, member_id, payer, claim_id, date_of_service,
                                                      code, units, sites, outcome, state)
                SELECT submission, line_number, member_id, payer, claim_id, date_of_service::date, code, units, sites,
                       outcome, state
                FROM unnest(\(lineClaims)::bigint[], \(lineNumbers)::integer[], \(lineMembers)::text[],
                            \(linePayers)::text[], \(lineClaimIds)::text[], \(lineDates)::text[], \(lineCodes)::text[],
                            \(lineUnits)::integer[], \(lineSites)::text[], \(lineOutcomes)::text[], \(lineStates)::text[])
                     AS l (submission, line_number, member_id, payer, claim_id, date_of_service, code, units, sites,
                           outcome, state)
            )
            INSERT INTO \(unescaped: s).determinations (submission, claim_id, policy_id, outcome, determination)
            SELECT submission, claim_id, CASE WHEN has_policy THEN policy_id END, outcome, determination
            FROM unnest(\(newRows.map { resolved($0.submission) })::bigint[], \(newRows.map(\.claimId))::text[],
                        \(recorded.map { $0.policyId ?? "" })::text[], \(recorded.map { $0.policyId != nil })::boolean[],
                        \(recorded.map(\.outcome))::text[], \(newRows.map { $0.determination ?? "" })::text[])
                 WITH ORDINALITY AS d (submission, claim_id, policy_id, has_policy, outcome, determination, position)
            ORDER BY position
            """, logger)
        return real
    }
}

extension Adjudication {
    /// The adjudication with each provisional claim number replaced by its real one.
    func numbered(_ real: [Int64: Int64]) -> Adjudication {
        guard !real.isEmpty else { return self }
        func resolved(_ number: Int64?) -> Int64? { number.map { real[$0] ?? $0 } }
        return Adjudication(determination: determination, recorded: recorded, replayed: replayed, record: resolved(record),
                            retired: retired.map {
                                RecordedClaim(record: resolved($0.record)!, encounter: $0.encounter,
                                              determination: $0.determination)
                            })
    }
}
