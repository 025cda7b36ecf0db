import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Strata
import Synchronization

/// Bounds what one HTTP connection can hold of the server: time and bytes.
///
/// Two handlers share one ``ConnectionState``:
/// - ``HTTPConnectionGuard`` sits on the plain-text bytes (after TLS, before the HTTP decoder),
///   so it sees a connection from its first byte — before Hummingbird's own handlers exist,
///   which wait for the first request head (the WebSocket upgrade negotiation). It counts the
///   bytes of each request head and answers `414` (request line longer than
///   `http.maxRequestLineBytes`), `431` (head longer than `http.maxHeaderBytes`) or `408` (a
///   head unfinished `http.headerTimeoutMilliseconds` after its first byte, or a body that stops
///   arriving for `http.bodyTimeoutMilliseconds`), then closes. A connection with no request in
///   progress is closed after `http.idleTimeoutMilliseconds`, and at once on graceful shutdown
///   (a client that connects and sends nothing can no longer hold `strata serve` open).
/// - ``HTTPExchangeTracker`` sits after the decoder and tells the state where each exchange is:
///   head received, body complete, response started, response complete.
///
/// Upgraded connections (the live feed) never report a response end, so the guard leaves them
/// alone after their handshake; the feed has its own pings and close timeout.
final class ConnectionState {
    enum Phase {
        /// Waiting for a request head: `bytes` of it so far (0: none yet).
        case awaitingHead(since: NIODeadline, firstByte: NIODeadline?, bytes: Int, lineEnded: Bool)
        /// A request is in progress.
        case exchange(lastRead: NIODeadline, bodyComplete: Bool, responseStarted: Bool)
        /// Switched protocols (`101`: the live feed's WebSocket); no HTTP timeouts apply.
        case upgraded
        case closing
    }

    var phase: Phase = .awaitingHead(since: .now(), firstByte: nil, bytes: 0, lineEnded: false)

    func requestHeadDecoded() {
        if case .exchange = phase { return }
        phase = .exchange(lastRead: .now(), bodyComplete: false, responseStarted: false)
    }

    func requestBodyComplete() {
        if case .exchange(let lastRead, _, let started) = phase {
            phase = .exchange(lastRead: lastRead, bodyComplete: true, responseStarted: started)
        }
    }

    func responseStarted() {
        if case .exchange(let lastRead, let complete, _) = phase {
            phase = .exchange(lastRead: lastRead, bodyComplete: complete, responseStarted: true)
        }
    }

    func responseComplete() {
        switch phase {
        case .closing, .upgraded: return
        default: phase = .awaitingHead(since: .now(), firstByte: nil, bytes: 0, lineEnded: false)
        }
    }
}

/// Counts open HTTP connections against `http.maxConnections`.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false when all are taken (the caller refuses the connection).
    func acquire() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }

    var count: Int { open.load(ordering: .relaxed) }
}

/// The byte-level half of the connection guard (see ``ConnectionState``).
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let state = ConnectionState()
    private let limits: ServerConfiguration.Limits
    private let counter: ConnectionCounter
    private let metrics: ServerMetrics
    private let verdict: GuardVerdict
    private var holdsSlot = false
    private var timer: RepeatedTask?
    /// The last bytes of the head so far, to find its end across reads.
    private var tail: UInt32 = 0

    init(limits: ServerConfiguration.Limits, counter: ConnectionCounter, metrics: ServerMetrics, verdict: GuardVerdict)
    {
        self.limits = limits
        self.counter = counter
        self.metrics = metrics
        self.verdict = verdict
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard counter.acquire() else {
            refuse(
                context, reason: "limit", status: "503 Service Unavailable",
                message: "too many connections (http.maxConnections = \(limits.maxConnections))",
                extraHeaders: "Retry-After: 1\r\n")
            return
        }
        holdsSlot = true
        let tick = TimeAmount.milliseconds(
            Int64(max(50, min(1_000, limits.headerTimeoutMilliseconds / 4, limits.bodyTimeoutMilliseconds / 4))))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in
            let (handler, context) = loopBound.value
            handler.check(context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// Stops the timer and gives the connection's slot back (once).
    private func stop() {
        timer?.cancel()
        timer = nil
        if holdsSlot {
            holdsSlot = false
            counter.release()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state.phase {
        case .closing:
            return  // refused: nothing more reaches the decoder
        case .upgraded:
            break
        case .exchange(_, let complete, let started):
            state.phase = .exchange(lastRead: .now(), bodyComplete: complete, responseStarted: started)
        case .awaitingHead(let since, var firstByte, var bytes, var lineEnded):
            let buffer = unwrapInboundIn(data)
            if firstByte == nil && buffer.readableBytes > 0 { firstByte = .now() }
            var headEnded = false
            buffer.withUnsafeReadableBytes { raw in
                for byte in raw {
                    bytes += 1
                    tail = (tail << 8) | UInt32(byte)
                    if !lineEnded && byte == UInt8(ascii: "\n") { lineEnded = true }
                    // The head ends at an empty line: CRLF CRLF, or LF LF as lenient parsers accept.
                    if tail == 0x0D0A_0D0A || tail & 0xFFFF == 0x0A0A {
                        headEnded = true
                        break
                    }
                    if !lineEnded && bytes > limits.maxRequestLineBytes { break }
                    if bytes > limits.maxHeaderBytes { break }
                }
            }
            if !lineEnded && bytes > limits.maxRequestLineBytes {
                refuse(
                    context, reason: "request_line_too_long", status: "414 URI Too Long",
                    message: "request line longer than \(limits.maxRequestLineBytes) bytes (http.maxRequestLineBytes)")
                return
            }
            if !headEnded && bytes > limits.maxHeaderBytes {
                refuse(
                    context, reason: "header_too_large", status: "431 Request Header Fields Too Large",
                    message: "request head longer than \(limits.maxHeaderBytes) bytes (http.maxHeaderBytes)")
                return
            }
            if headEnded {
                tail = 0
                state.phase = .exchange(lastRead: .now(), bodyComplete: false, responseStarted: false)
            } else {
                state.phase = .awaitingHead(since: since, firstByte: firstByte, bytes: bytes, lineEnded: lineEnded)
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .awaitingHead = state.phase {
            // Shutting down: a connection between requests (or that never sent one) closes now.
            state.phase = .closing
            verdict.markClosed()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Watches the first bytes of each response: a `101 Switching Protocols` ends the HTTP
    /// timeouts for the connection (the live feed reads nothing for minutes, by design).
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .exchange(let lastRead, let complete, false) = state.phase {
            // Before a response starts, what reaches here is the HTTP encoder's output.
            if case .byteBuffer(let buffer) = unwrapOutboundIn(data), buffer.readableBytes > 0 {
                let statusLine = buffer.getString(at: buffer.readerIndex, length: min(12, buffer.readableBytes)) ?? ""
                state.phase =
                    statusLine.hasSuffix(" 101") || statusLine == "HTTP/1.1 101"
                    ? .upgraded : .exchange(lastRead: lastRead, bodyComplete: complete, responseStarted: true)
            }
        }
        context.write(data, promise: promise)
    }

    /// Applies the timeouts (runs every tick on the connection's loop).
    private func check(_ context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        switch state.phase {
        case .closing, .upgraded:
            return
        case .awaitingHead(let since, let firstByte, _, _):
            if let firstByte {
                if now - firstByte > .milliseconds(Int64(limits.headerTimeoutMilliseconds)) {
                    refuse(
                        context, reason: "header_timeout", status: "408 Request Timeout",
                        message:
                            "request head not complete within \(limits.headerTimeoutMilliseconds) ms (http.headerTimeoutMilliseconds)"
                    )
                }
            } else if now - since > .milliseconds(Int64(limits.idleTimeoutMilliseconds)) {
                close(context, reason: "idle")
            }
        case .exchange(let lastRead, let bodyComplete, let responseStarted):
            guard !bodyComplete, now - lastRead > .milliseconds(Int64(limits.bodyTimeoutMilliseconds)) else { return }
            if responseStarted {
                close(context, reason: "body_timeout")
            } else {
                refuse(
                    context, reason: "body_timeout", status: "408 Request Timeout",
                    message:
                        "request body stalled for \(limits.bodyTimeoutMilliseconds) ms (http.bodyTimeoutMilliseconds)")
            }
        }
    }

    /// Closes the connection without an answer, counted under `reason`.
    private func close(_ context: ChannelHandlerContext, reason: String) {
        metrics.connectionRefused(protocol: "http", reason: reason)
        state.phase = .closing
        verdict.markClosed()
        context.close(promise: nil)
    }

    /// Writes a complete plain response (the shared error shape) and closes the connection,
    /// counted under `reason`.
    private func refuse(
        _ context: ChannelHandlerContext, reason: String, status: String, message: String, extraHeaders: String = ""
    ) {
        metrics.connectionRefused(protocol: "http", reason: reason)
        state.phase = .closing
        verdict.markClosed()
        let code = status.split(separator: " ").dropFirst().joined(separator: "")
        let body = "{\"code\":\(JSONText.quoted(lowerFirst(code))),\"message\":\(JSONText.quoted(message))}"
        let text =
            "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\(extraHeaders)\r\n\(body)"
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func lowerFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

/// The exchange-level half of the connection guard: tells ``ConnectionState`` when a request
/// head was decoded, its body ended, and its response started and ended.
final class HTTPExchangeTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var state: ConnectionState?

    func handlerAdded(context: ChannelHandlerContext) {
        state = try? context.pipeline.syncOperations.handler(type: HTTPConnectionGuard.self).state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: state?.requestHeadDecoded()
        case .end: state?.requestBodyComplete()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: state?.responseStarted()
        case .end: state?.responseComplete()
        default: break
        }
        context.write(data, promise: promise)
    }
}

/// Whether the connection guard closed a connection (a limit, a timeout, shutdown): shared
/// with the connection's handling task, which is told in the same words as a client's own close.
final class GuardVerdict: Sendable {
    private let closed = Atomic<Bool>(false)
    func markClosed() { closed.store(true, ordering: .relaxed) }
    var closedByGuard: Bool { closed.load(ordering: .relaxed) }
}

/// A server child channel with the connection guard in front of `Base`'s handlers.
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let base: Base.Value
        let verdict: GuardVerdict
        var channel: any Channel { base.channel }
    }

    let base: Base
    let limits: ServerConfiguration.Limits
    let counter: ConnectionCounter
    let metrics: ServerMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (limits, counter, metrics) = (limits, counter, metrics)
        let verdict = GuardVerdict()
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                HTTPConnectionGuard(limits: limits, counter: counter, metrics: metrics, verdict: verdict))
        }.flatMap { base.setup(channel: channel, logger: logger) }.map { Value(base: $0, verdict: verdict) }
    }

    /// A connection the guard closed before its first request ends the base's wait for that
    /// request with an error (the WebSocket upgrade negotiation logs it at `error`); the guard
    /// already counted why (`strata_connections_refused_total`), so that line is lowered to `debug`.
    func handle(value: Value, logger: Logger) async {
        var quiet = logger
        quiet.handler = GuardClosedLogHandler(wrapped: logger.handler, verdict: value.verdict)
        await base.handle(value: value.base, logger: quiet)
    }
}

/// Lowers errors logged about a connection to `debug` once the guard has closed it.
struct GuardClosedLogHandler: LogHandler {
    var wrapped: any LogHandler
    let verdict: GuardVerdict

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .error, verdict.closedByGuard else { return wrapped.log(event: event) }
        guard wrapped.logLevel <= .debug else { return }
        var lowered = event
        lowered.level = .debug
        wrapped.log(event: lowered)
    }
}
