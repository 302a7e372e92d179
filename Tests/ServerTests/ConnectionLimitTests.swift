import Foundation
import MedPolicyServer
import Testing

/// Issue 27, item 6: slow or idle clients cannot hold the server, and it serves a bounded number
/// of connections. Real sockets; each timeout is set to 1 s and the test asserts that the server
/// closed the connection (a read gives up after `RawConnection.bound` seconds), not how fast.
@Suite struct ConnectionLimitTests {
    static let health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    @Test func aRequestHeadThatStopsHalfwayIsClosedAfterTheHeaderTimeout() async throws {
        let server = try await RunningServer.start(connectionLimits: ConnectionLimits(
            idleTimeout: .seconds(600), headerTimeout: .seconds(1), bodyTimeout: .seconds(600)))
        // A whole request on its own connection is answered as usual.
        let whole = try RawConnection(port: server.port)
        whole.send(Self.health)
        let answer = await whole.read(untilClosed: false)
        #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")

        let half = try RawConnection(port: server.port)
        half.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        let stalled = await half.read()
        #expect(stalled.closed, "a half-sent head kept its connection open")
        #expect(!stalled.text.contains("200"))
        await server.stop()
    }

    @Test func aBodyThatStopsArrivingIsClosedAfterTheBodyTimeout() async throws {
        let server = try await RunningServer.start(connectionLimits: ConnectionLimits(
            idleTimeout: .seconds(600), headerTimeout: .seconds(600), bodyTimeout: .seconds(1)))
        let connection = try RawConnection(port: server.port)
        connection.send("POST /v1/determinations?record=false HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
        let stalled = await connection.read()
        #expect(stalled.closed, "a stalled body kept its connection open")
        #expect(!stalled.text.contains("200"))
        await server.stop()
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await RunningServer.start(connectionLimits: ConnectionLimits(
            idleTimeout: .seconds(1), headerTimeout: .seconds(600), bodyTimeout: .seconds(600)))
        let connection = try RawConnection(port: server.port)
        connection.send(Self.health)
        let answer = await connection.read(untilClosed: false)
        #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
        #expect(!answer.closed)
        let idle = await connection.read()
        #expect(idle.closed, "an idle keep-alive connection was kept open")
        await server.stop()
    }

    @Test func connectionsPastTheCapAreRefusedWhileEarlierOnesStillWork() async throws {
        let server = try await RunningServer.start(connectionLimits: ConnectionLimits(maxConnections: 2))
        let first = try RawConnection(port: server.port), second = try RawConnection(port: server.port)
        for connection in [first, second] {
            connection.send(Self.health)
            let answer = await connection.read(untilClosed: false)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
        }

        // The third is answered 503 with a problem and closed (or just closed), not served.
        let third = try RawConnection(port: server.port)
        third.send(Self.health)
        let refused = await third.read()
        #expect(refused.closed)
        #expect(!refused.text.contains("200 OK"), "\(refused.text)")
        if !refused.text.isEmpty {
            #expect(refused.text.hasPrefix("HTTP/1.1 503"), "\(refused.text)")
            #expect(refused.text.contains("application/problem+json"))
        }

        // The first two still work, on their kept-alive connections.
        for connection in [first, second] {
            connection.send(Self.health)
            let answer = await connection.read(untilClosed: false)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
        }
        await server.stop()
    }

    @Test func aClosedConnectionFreesItsPlace() async throws {
        let server = try await RunningServer.start(connectionLimits: ConnectionLimits(maxConnections: 1))
        do {
            let only = try RawConnection(port: server.port)
            only.send(Self.health)
            #expect(await only.read(untilClosed: false).text.hasPrefix("HTTP/1.1 200"))
            // While it is open, another is refused.
            let another = try RawConnection(port: server.port)
            another.send(Self.health)
            let refused = await another.read()
            #expect(refused.closed && !refused.text.contains("200 OK"), "\(refused.text)")
        }
        // Both are closed now. The server counts a close on its own event loop: a new connection
        // is served once it has.
        var served = false
        for _ in 0 ..< 50 where !served {
            let next = try RawConnection(port: server.port)
            next.send(Self.health)
            served = await next.read(untilClosed: false).text.hasPrefix("HTTP/1.1 200")
            if !served { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(served)
        await server.stop()
    }
}
