import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection to a test server, for what an HTTP client cannot do: send half a
/// request, sit idle, count connections. Reads wait at most `bound` seconds, so a test whose
/// server never closes fails instead of hanging; tests assert *whether* the server closed, never
/// how fast.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32
    static let bound = 20

    init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: Self.bound, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }  // the server closed: what the test then reads says so
            sent += written
        }
    }

    /// What the server sent until it closed the connection, or until the bound passed with the
    /// connection still open (`closed` false), or (`untilClosed` false) until one answer arrived.
    func read(untilClosed: Bool = true) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            // A blocking read, off the concurrency pool the server's own tasks run on.
            DispatchQueue.global().async {
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                    if count > 0 {
                        received += buffer[0 ..< count]
                        if !untilClosed, Self.holdsWholeAnswer(received) { break }
                        continue
                    }
                    let closed = count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
                    continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
                    return
                }
                continuation.resume(returning: (String(decoding: received, as: UTF8.self), false))
            }
        }
    }

    /// Whether `bytes` hold a response head and as much body as its Content-Length says.
    private static func holdsWholeAnswer(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[end.upperBound...].utf8.count >= length
    }
}
