import Foundation
import History
import Logging
import PostgresNIO

/// How long a caller waits to learn that PostgreSQL cannot be reached, through the history store's
/// own connection pool and through postgres-nio's `PostgresClient` (issue 24 asks for the client
/// unless a measurement says otherwise). The server is a port on 127.0.0.1 where nothing listens,
/// so every connection attempt is refused at once; the wait is the pool's, not the network's.
func runPostgresUnreachableBenchmark() async {
    let port = refusedPort()
    print("PostgreSQL unreachable (127.0.0.1:\(port) refuses connections)")

    let clock = ContinuousClock()
    let storeStart = clock.now
    do {
        _ = try await HistoryStores.openPostgres(url: "postgres://u:p@127.0.0.1:\(port)/db")
        print("  history store: connected?")
    } catch {
        print("  history store (PostgresConnectionPool): failed after \(clock.now - storeStart): \(error)")
    }

    var configuration = PostgresClient.Configuration(host: "127.0.0.1", port: port, username: "u", password: "p",
                                                     database: "db", tls: .disable)
    configuration.options.connectTimeout = .seconds(10)
    let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
    let limit = Duration.seconds(120)
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        let clientStart = clock.now
        let outcome = await withTaskGroup(of: String?.self) { race in
            race.addTask {
                do {
                    _ = try await client.query("SELECT 1")
                    return "connected?"
                } catch {
                    return "failed after \(clock.now - clientStart): \(String(describing: error).prefix(160))"
                }
            }
            race.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await race.next() ?? nil
            race.cancelAll()
            return first ?? "still waiting after \(limit)"
        }
        print("  PostgresClient: \(outcome)")
        group.cancelAll()
    }
}

/// A local port with nothing listening: bound and closed again.
private func refusedPort() -> Int {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
    }
    close(socketFD)
    return Int(UInt16(bigEndian: address.sin_port))
}
