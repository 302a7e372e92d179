import GRDB
import GRDBSQLite
import Synchronization

/// The one question a dry run of a new claim asks the SQLite file: is this claim id recorded, and
/// at which generation are the member's services? Answered from one statement (one snapshot) on
/// read-only connections of its own, through SQLite's C interface.
///
/// Why not through the `DatabasePool`: lending a pooled connection (a semaphore, a lock and a
/// dispatch to the connection's queue) cost about 10 µs, three times the query; a dry run with a
/// member's history cached is otherwise that query and the decision. Connections here are kept
/// idle in a list and used by one caller at a time; the statement stays prepared on each.
final class SQLiteClaimProbe: Sendable {
    /// What the file says, in one snapshot.
    struct Answer: Equatable {
        /// Some claim with this id is recorded (in any state, any frequency).
        let claimRecorded: Bool
        /// The member's generation (0 when the member has no services).
        let generation: Int64
    }

    private struct State {
        var idle: [ProbeConnection] = []
        var closed = false
    }

    private let path: String
    private let busyTimeoutMilliseconds: Int32
    private let state = Mutex(State())
    /// Connections kept idle at most (GRDB's pool keeps five readers). More than this many dry runs
    /// at once each open one, closed after use: a burst leaves no file handles behind.
    static let idleLimit = 8

    init(path: String, busyTimeoutMilliseconds: Int32) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    func answer(claimId: String, member: String) throws -> Answer {
        let connection = try state.withLock { state -> ProbeConnection? in
            if state.closed { throw HistoryError.closed }
            return state.idle.popLast()
        } ?? ProbeConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let answer = try connection.answer(claimId: claimId, member: member)
        // A connection that raced a close, or past the idle limit, is dropped (closed by its deinit).
        state.withLock { state in
            if !state.closed && state.idle.count < Self.idleLimit { state.idle.append(connection) }
        }
        return answer
    }

    /// Closes the idle connections; later questions throw ``HistoryError/closed``.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        _ = idle  // released here, outside the lock: each closes its connection
    }
}

/// A read-only connection with the probe's statement prepared. Used by one thread at a time (it is
/// either in the idle list or held by one caller), which is what SQLite's multi-thread mode
/// (`SQLITE_OPEN_NOMUTEX`) asks; that hand-over is why it is `@unchecked Sendable`.
private final class ProbeConnection: @unchecked Sendable {
    private let db: OpaquePointer
    private let statement: OpaquePointer

    init(path: String, busyTimeoutMilliseconds: Int32) throws {
        var db: OpaquePointer?
        let opened = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard opened == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close_v2(db)
            throw DatabaseError(resultCode: ResultCode(rawValue: opened), message: message)
        }
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        var statement: OpaquePointer?
        let sql = """
            SELECT EXISTS (SELECT 1 FROM claims WHERE claim_id = ?1),
                   (SELECT generation FROM member_generations WHERE member_id = ?2)
            """
        let prepared = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard prepared == SQLITE_OK, let statement else {
            let message = String(cString: sqlite3_errmsg(db))
            sqlite3_close_v2(db)
            throw DatabaseError(resultCode: ResultCode(rawValue: prepared), message: message)
        }
        self.db = db
        self.statement = statement
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close_v2(db)
    }

    func answer(claimId: String, member: String) throws -> SQLiteClaimProbe.Answer {
        defer {
            // Resetting ends the statement's read transaction: the next answer sees a new snapshot.
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        guard bind(claimId, at: 1) == SQLITE_OK, bind(member, at: 2) == SQLITE_OK else { throw failure() }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw failure() }
        return SQLiteClaimProbe.Answer(claimRecorded: sqlite3_column_int64(statement, 0) != 0,
                                       generation: sqlite3_column_int64(statement, 1))
    }

    /// Binds the text's UTF-8 bytes with their length (not up to a NUL, as a C string would be).
    /// SQLITE_TRANSIENT: SQLite copies them, so the Swift string need not outlive the call.
    private func bind(_ text: String, at index: Int32) -> Int32 {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // An empty string has no storage; a null pointer would bind NULL, not "".
                guard let start = chars.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, transient) }
                return sqlite3_bind_text(statement, index, start, Int32(chars.count), transient)
            }
        }
    }

    /// The connection's last error as GRDB reports SQLite's, so that the store names it the same way.
    private func failure() -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(db)), message: String(cString: sqlite3_errmsg(db)))
    }
}
