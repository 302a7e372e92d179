import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// How long the server waits on a client and how many clients it serves at once, so that slow or
/// idle connections cannot hold it (issue 27, item 6).
///
/// Defaults: a request head is a few hundred bytes, one or two packets, so 10 s for it to arrive
/// rides out several TCP retransmissions yet frees a connection trickling its headers quickly.
/// A body that stops arriving for 20 s belongs to a client that is gone (a 64 MB batch upload
/// keeps bytes flowing). 30 s idle between requests is longer than HTTP clients wait before
/// reusing a pooled connection. 512 connections stays below the usual 1,024 open-file limit,
/// leaving descriptors for the listener, the history store and logs; beyond it a new connection
/// is answered 503 and closed at once rather than left waiting in the accept queue.
public struct ConnectionLimits: Sendable {
    /// A keep-alive connection with no request for this long is closed.
    public var idleTimeout: Duration
    /// A request head (request line and header fields) must be complete this long after its first bytes.
    public var headerTimeout: Duration
    /// The longest pause while a request body arrives.
    public var bodyTimeout: Duration
    /// Connections open at once; more are answered 503 and closed.
    public var maxConnections: Int

    public init(idleTimeout: Duration = .seconds(30), headerTimeout: Duration = .seconds(10),
                bodyTimeout: Duration = .seconds(20), maxConnections: Int = 512) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
    }
}

/// The number of connections open on one server, shared by every connection's guard.
final class OpenConnections: Sendable {
    let limit: Int
    private let count = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection in, or answers false when the server is at its limit.
    func admit() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { count.withLock { $0 -= 1 } }
}

/// Sits between the HTTP decoder and the request handling of one connection: enforces the
/// connection cap and the header and body timeouts, and answers what the decoder cannot read
/// (oversized heads, unknown methods, malformed requests) with a problem+json body instead of
/// Hummingbird's empty 400. Hummingbird's own idle timer closes connections with no request.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let openConnections: OpenConnections
    private let maxHeadBytes: Int
    private var admitted = false
    private var refused = false
    private var timer: Scheduled<Void>?
    /// Request heads and ends read, responses finished: a request is in flight while they differ.
    private var headsRead = 0, endsRead = 0, responsesEnded = 0

    init(limits: ConnectionLimits, openConnections: OpenConnections, maxHeadBytes: Int) {
        self.limits = limits
        self.openConnections = openConnections
        self.maxHeadBytes = maxHeadBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !admitted, !refused else { return }
        guard openConnections.admit() else {
            refuse(context, .serviceUnavailable, "the server has \(openConnections.limit) connections open, its limit; try again shortly")
            return
        }
        admitted = true
        context.channel.closeFuture.whenComplete { [openConnections] _ in openConnections.release() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        switch unwrapInboundIn(data) {
        case .head:
            headsRead += 1
            schedule(context, after: limits.bodyTimeout)
        case .body:
            cancelTimer()
            schedule(context, after: limits.bodyTimeout)
        case .end:
            endsRead += 1
            cancelTimer()
        }
        context.fireChannelRead(data)
    }

    /// Bytes arrived. Between requests they are the start of the next request's head, which now
    /// has `headerTimeout` to be complete (the decoder passes nothing on until it is).
    func channelReadComplete(context: ChannelHandlerContext) {
        if !refused, headsRead == endsRead, responsesEnded == headsRead, timer == nil {
            schedule(context, after: limits.headerTimeout)
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesEnded += 1
            // An answer given before the whole body was read (413, 401) ends the body's timer too.
            if responsesEnded == headsRead { cancelTimer() }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Only between requests: inside one, Hummingbird's handler owns the answer.
        guard let parseError = error as? HTTPParserError, !refused, responsesEnded == headsRead else {
            context.fireErrorCaught(error)
            return
        }
        switch parseError {
        case .headerOverflow:
            refuse(context, .requestHeaderFieldsTooLarge,
                   "the request line and header fields are larger than the \(maxHeadBytes)-byte limit")
        case .invalidMethod:
            refuse(context, .notImplemented, "the request method is not one HTTP defines")
        default:
            refuse(context, .badRequest, "the request is not valid HTTP/1.1")
        }
    }

    private func schedule(_ context: ChannelHandlerContext, after delay: Duration) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in
            timer = nil
            // A request being answered is not the client's delay.
            guard headsRead == endsRead ? responsesEnded == headsRead : true else { return }
            context.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    /// Answers with a problem and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponse.Status, _ detail: String) {
        refused = true
        cancelTimer()
        let body = ByteBuffer(bytes: Problem(status, detail: detail).bodyBytes())
        let head = HTTPResponse(status: status, headerFields: [
            .contentType: "application/problem+json", .contentLength: String(body.readableBytes), .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.whenComplete { _ in bound.value.close(promise: nil) }
    }
}
