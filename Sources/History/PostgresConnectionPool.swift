import PostgresNIO
import Synchronization

/// A small pool of PostgreSQL connections: at most `maximum` open at once, idle ones reused.
///
/// A connection that fails, or that may be left inside a transaction, is closed instead of
/// returned. Connecting errors reach the caller at once (no background retry loop), so an
/// unreachable server is reported, never waited on. (Kept instead of postgres-nio's `PostgresClient`,
/// issue 24: in 1.33.2 its pool retries a failing connection with backoff and fails waiting requests
/// only when its circuit breaker trips, after about a minute that its options do not expose.
/// `medpolicy-bench pg-unreachable` measures both against a refusing port: this pool reports the
/// refusal in ~30 ms, a `PostgresClient` query failed after 67 s.)
actor PostgresConnectionPool {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let maximum: Int
    private var idle: [LeasedConnection] = []
    private var openCount = 0
    private var nextID = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isClosed = false

    init(configuration: PostgresConnection.Configuration, logger: Logger, maximum: Int) {
        self.configuration = configuration
        self.logger = logger
        self.maximum = max(1, maximum)
    }

    deinit {
        // A store dropped without close(): close its idle connections, keeping each alive until its
        // channel has closed (PostgresNIO requires a connection to be closed before it is released).
        for connection in idle {
            connection.connection.close().whenComplete { _ in _ = connection }
        }
    }

    /// A connection for the caller's exclusive use; give it back with ``release(_:reusable:)``.
    func lease() async throws -> LeasedConnection {
        while true {
            if isClosed { throw HistoryError.closed }
            if let connection = idle.popLast() {
                if connection.isClosed {
                    openCount -= 1
                    continue
                }
                return connection
            }
            if openCount < maximum {
                openCount += 1
                nextID += 1
                do {
                    return LeasedConnection(try await PostgresConnection.connect(
                        configuration: configuration, id: nextID, logger: logger))
                } catch {
                    openCount -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    func release(_ connection: LeasedConnection, reusable: Bool) async {
        if reusable && !isClosed && !connection.isClosed {
            idle.append(connection)
        } else {
            openCount -= 1
            try? await connection.close()
        }
        wakeOne()
    }

    func close() async {
        isClosed = true
        let connections = idle
        idle = []
        openCount -= connections.count
        for connection in connections { try? await connection.close() }
        let sleeping = waiters
        waiters = []
        for waiter in sleeping { waiter.resume() }
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}

/// A pooled PostgreSQL connection whose statements fail, instead of waiting forever, once it closes.
///
/// postgres-nio 1.33.2 never answers a statement sent on a connection the server has just ended
/// (`pg_terminate_backend`, a restart): the statement's promise is dropped with the closed channel,
/// and `batch` hung with no connection left open. Every statement here waits on a promise of ours
/// that the connection's close also fails.
final class LeasedConnection: Sendable {
    /// The connection's close reached a statement still waiting for its answer.
    struct Lost: Error {}

    fileprivate let connection: PostgresConnection
    private let waiting = Mutex<(closed: Bool, next: Int, promises: [Int: EventLoopPromise<PostgresQueryResult>])>(
        (false, 0, [:]))

    init(_ connection: PostgresConnection) {
        self.connection = connection
        connection.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            let stranded = self.waiting.withLock { state in
                state.closed = true
                defer { state.promises = [:] }
                return Array(state.promises.values)
            }
            for promise in stranded { promise.fail(Lost()) }
        }
    }

    var isClosed: Bool { connection.isClosed }

    func close() async throws { try await connection.close() }

    /// Runs `query`, returning all its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let promise = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        let id: Int? = waiting.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.promises[state.next] = promise
            return state.next
        }
        guard let id else {
            promise.fail(Lost())
            throw Lost()
        }
        connection.query(query, logger: logger).cascade(to: promise)
        defer { _ = waiting.withLock { $0.promises.removeValue(forKey: id) } }
        return try await promise.futureResult.get().rows
    }

    /// Runs a statement, discarding any rows.
    func run(_ query: PostgresQuery, _ logger: Logger) async throws {
        _ = try await rows(query, logger: logger)
    }

    /// The first column of the first row, if any.
    func one<T: PostgresDecodable>(_ query: PostgresQuery, _ type: T.Type, _ logger: Logger) async throws -> T? {
        try await rows(query, logger: logger).first?.decode(T.self)
    }
}

extension Array where Element == PostgresRow {
    /// Each row's one column.
    func decode<Column: PostgresDecodable>(_ column: Column.Type) throws -> [Column] {
        try map { try $0.decode(Column.self) }
    }

    /// Each row's columns.
    func decode<each Column: PostgresDecodable>(_ columns: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(columns) }
    }
}
