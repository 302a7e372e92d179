import PostgresNIO

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
    private var idle: [PostgresConnection] = []
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
            connection.close().whenComplete { _ in _ = connection }
        }
    }

    /// A connection for the caller's exclusive use; give it back with ``release(_:reusable:)``.
    func lease() async throws -> PostgresConnection {
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
                    return try await PostgresConnection.connect(configuration: configuration, id: nextID, logger: logger)
                } catch {
                    openCount -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    func release(_ connection: PostgresConnection, reusable: Bool) async {
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
