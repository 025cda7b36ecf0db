import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
public import ServiceLifecycle
public import Strata
import Synchronization

/// The WebSocket live feed: `GET /api/v1/live` upgraded to a WebSocket streams what the store
/// stores from then on (see `Docs/Server.md`, "Live feed").
///
/// Each connection subscribes to the store (``StrataTable/subscribe(symbols:bufferLimit:)``,
/// ``StrataStore/subscribeBars(symbols:bufferLimit:)``) with `live.bufferLimit` rows of buffer
/// per channel, and one task per channel writes its batches as JSON text messages. Ingest never
/// waits for a connection: a client that falls more than the limit behind is dropped and closed
/// with 1013 (try again later) and `slow consumer: more than N rows behind`.
///
/// As a service it must come *after* the HTTP application in the service group, so that on
/// graceful shutdown it runs first: every connection is closed with 1001 (going away) before the
/// HTTP server drains and the store closes.
public final class LiveFeed: Service, Sendable {
    /// The route (upgraded on the WebSocket router; a plain GET is answered 426 by the HTTP one).
    static let path = "/api/v1/live"
    /// The pause between the handshake response and the first frame (see ``serve``).
    static let firstFrameDelay = Duration.milliseconds(2)

    let store: StrataStore
    let bufferLimit: Int
    let auth: AuthMiddleware
    let metrics: ServerMetrics
    /// How long a close may take (the close frame stuck behind unread data, the client's reply)
    /// before the connection is closed by force.
    let closeTimeout: Duration
    /// Timeouts and limits of every HTTP connection (see ``HTTPConnectionGuard``).
    let limits: ServerConfiguration.Limits
    let connections: ConnectionCounter
    private let sessions = Mutex(Sessions())

    private struct Sessions {
        var open: [Int: LiveSession] = [:]
        var next = 0
        var shuttingDown = false
    }

    /// - Parameters:
    ///   - store: the open store whose rows are streamed.
    ///   - configuration: `live.bufferLimit` and the tokens.
    ///   - metrics: `strata_live_subscribers`, `strata_live_dropped_subscribers_total`.
    public convenience init(store: StrataStore, configuration: ServerConfiguration, metrics: ServerMetrics) {
        self.init(store: store, configuration: configuration, metrics: metrics, closeTimeout: .seconds(10))
    }

    init(store: StrataStore, configuration: ServerConfiguration, metrics: ServerMetrics, closeTimeout: Duration) {
        self.store = store
        bufferLimit = configuration.liveBufferLimit
        auth = AuthMiddleware(auth: configuration.auth)
        self.metrics = metrics
        self.closeTimeout = closeTimeout
        limits = configuration.limits
        connections = ConnectionCounter(limit: configuration.limits.maxConnections)
    }

    /// Live connections now.
    public var connectionCount: Int { sessions.withLock { $0.open.count } }

    /// Waits for graceful shutdown, then closes every connection with 1001 (going away): their
    /// subscriptions are cancelled, and a connection whose close cannot be sent within the close
    /// timeout (a client that stopped reading) is closed by force.
    public func run() async throws {
        try? await gracefulShutdown()
        let open = sessions.withLock { sessions in
            sessions.shuttingDown = true
            return Array(sessions.open.values)
        }
        for session in open { session.goAway() }
        let deadline = ContinuousClock.now.advanced(by: closeTimeout)
        while connectionCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for session in sessions.withLock({ Array($0.open.values) }) { session.channel.close(promise: nil) }
    }

    /// The router the WebSocket upgrade consults.
    func router() -> Router<LiveRequestContext> {
        let router = Router(context: LiveRequestContext.self)
        router.ws(RouterPath(stringLiteral: Self.path)) { inbound, outbound, context in
            await self.serve(inbound: inbound, outbound: outbound, context: context)
        }
        return router
    }

    // MARK: - One connection

    private enum Outcome: Sendable {
        case clientGone
        case pump(LivePump.End)
        case dropped(limit: Int)
        case none
    }

    private func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<LiveRequestContext>
    ) async {
        let request = context.request
        var logger = context.logger
        logger[metadataKey: "route"] = "\(Self.path)"
        // Refusals are sent as close frames with the reason: a refused handshake cannot carry one
        // that browsers (or every client library) expose.
        // The first frame (subscribed, or a refusal) waits a moment after the handshake response:
        // sent at once, it reaches the client in the same read, and swift-websocket's client
        // (1.6.2) can lose a frame that arrives with the handshake (then hears nothing more).
        // Two milliseconds, once per connection, keep the two apart.
        try? await Task.sleep(for: Self.firstFrameDelay)
        let header =
            request.headers[.authorization] ?? request.uri.queryParameters.get("token").map { "Bearer " + $0 }
        guard auth.auth.disabled || auth.access(header) != .none else {
            try? await outbound.close(
                .policyViolation, reason: "unauthorized: a read token is required (Authorization: Bearer or ?token=)")
            return
        }
        let live: LiveRequest
        do {
            live = try LiveRequest(request, store: store)
        } catch {
            try? await outbound.close(.policyViolation, reason: Self.reason("invalid parameter: " + error.message))
            return
        }
        let pumps: [LivePump]
        do {
            pumps = try live.channels.map { try subscribe($0, symbols: live.symbols) }
        } catch {
            try? await outbound.close(.goingAway, reason: "store closed")
            return
        }
        let session = LiveSession(channel: context.requestContext.channel, pumps: pumps)
        guard let id = register(session) else {
            session.cancelAll()
            try? await outbound.close(.goingAway, reason: "server shutting down")
            return
        }
        metrics.liveConnectionOpened()
        logger.info(
            "live feed connected",
            metadata: [
                "channels": "\(live.channels.map(\.rawValue).joined(separator: ","))",
                "symbols": "\(live.symbols?.count ?? 0)",
            ])
        defer {
            session.cancelAll()
            _ = sessions.withLock { $0.open.removeValue(forKey: id) }
            metrics.liveConnectionClosed()
        }
        do {
            try await outbound.write(.text(LiveMessage.subscribed(live, bufferLimit: bufferLimit)))
        } catch {
            return
        }
        await withTaskGroup(of: Outcome.self) { group in
            // Messages from the client are not used; reading them answers pings and sees the close.
            group.addTask {
                do { for try await _ in inbound {} } catch {}
                return .clientGone
            }
            for pump in pumps {
                group.addTask { .pump(await pump.run(outbound)) }
                // A slow consumer is reported here at once, even while its pump waits on the socket.
                group.addTask {
                    if case .slowConsumer(let limit) = await pump.terminated() { return .dropped(limit: limit) }
                    return .none
                }
            }
            var closing = false
            while let outcome = await group.next() {
                if case .clientGone = outcome {
                    // The connection is over: end the pumps and any close still waiting.
                    closing = true
                    session.cancelAll()
                    group.cancelAll()
                    continue
                }
                guard !closing else { continue }
                let (code, reason): (WebSocketErrorCode?, String)
                switch outcome {
                case .clientGone, .none: continue
                case .dropped(let limit), .pump(.slowConsumer(let limit)):
                    metrics.liveSubscriberDropped()
                    logger.notice("live feed subscriber dropped: slow consumer", metadata: ["limit": "\(limit)"])
                    (code, reason) = (Self.tryAgainLater, "slow consumer: more than \(limit) rows behind")
                case .pump(.ended(let termination)):
                    if session.isGoingAway {
                        (code, reason) = (.goingAway, "server shutting down")
                    } else if termination == .storeClosed {
                        (code, reason) = (.goingAway, "store closed")
                    } else {
                        (code, reason) = (.normalClosure, "subscription ended")
                    }
                case .pump(.unavailable(let message)):
                    (code, reason) = (.unexpectedServerError, Self.reason(message))
                case .pump(.writeFailed):
                    (code, reason) = (nil, "")
                }
                closing = true
                session.cancelAll()
                // The close frame waits behind what the client has not read; past the timeout the
                // connection is closed by force. The reader task ends with the client's reply.
                let channel = session.channel
                let timeout = closeTimeout
                if let code {
                    group.addTask {
                        try? await outbound.close(code, reason: reason)
                        return .none
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { channel.close(promise: nil) }
                    return .none
                }
            }
        }
        logger.info("live feed disconnected")
    }

    /// 1013: "try again later" — reconnect, then fill the gap from the query API.
    static let tryAgainLater = WebSocketErrorCode(codeNumber: 1013)

    /// A close reason fits in 123 bytes.
    static func reason(_ text: String) -> String {
        guard text.utf8.count > 123 else { return text }
        var cut = ""
        for character in text {
            if cut.utf8.count + character.utf8.count > 120 { break }
            cut.append(character)
        }
        return cut + "…"
    }

    private func register(_ session: LiveSession) -> Int? {
        sessions.withLock { sessions in
            guard !sessions.shuttingDown else { return nil }
            sessions.next += 1
            sessions.open[sessions.next] = session
            return sessions.next
        }
    }

    private func subscribe(_ channel: LiveChannel, symbols: [Symbol]?) throws -> LivePump {
        switch channel {
        case .bars1m:
            return LivePump(
                channel, try store.subscribeBars(symbols: symbols, bufferLimit: bufferLimit), LiveMessage.bar)
        case .table(let name):
            guard let table = store.reader(named: name) else {
                throw StrataError(.invalidArgument, "no table \(name)")
            }
            let json = RowJSON(schema: table.schema)
            return LivePump(channel, try table.subscribe(symbols: symbols, bufferLimit: bufferLimit), json.write)
        }
    }
}

/// One connection's subscriptions, for shutdown.
final class LiveSession: Sendable {
    let channel: any Channel
    let pumps: [LivePump]
    private let goingAway = Atomic<Bool>(false)

    init(channel: any Channel, pumps: [LivePump]) {
        self.channel = channel
        self.pumps = pumps
    }

    var isGoingAway: Bool { goingAway.load(ordering: .acquiring) }

    /// Server shutdown: end the subscriptions; the connection closes with 1001.
    func goAway() {
        goingAway.store(true, ordering: .releasing)
        cancelAll()
    }

    func cancelAll() { for pump in pumps { pump.cancel() } }
}

/// One channel of a connection: its subscription, and the loop that writes it to the socket.
struct LivePump: Sendable {
    enum End: Sendable {
        /// The subscription finished (store closed, cancelled).
        case ended(LiveTermination?)
        case slowConsumer(limit: Int)
        case unavailable(String)
        /// The socket is gone.
        case writeFailed
    }

    let channel: LiveChannel
    let run: @Sendable (WebSocketOutboundWriter) async -> End
    let terminated: @Sendable () async -> LiveTermination?
    let cancel: @Sendable () -> Void

    init<Row: Sendable>(
        _ channel: LiveChannel, _ subscription: LiveSubscription<Row>,
        _ write: @escaping @Sendable (Row, inout JSONWriter) -> Void
    ) {
        self.channel = channel
        terminated = { await subscription.terminated }
        cancel = { subscription.cancel() }
        run = { outbound in
            var seq: Int64 = 0
            do throws(LiveFeedError) {
                for try await rows in subscription {
                    var start = 0
                    while start < rows.count {
                        let end = min(rows.count, start + LiveMessage.maximumRows)
                        seq += 1
                        let text = LiveMessage.rows(channel: channel, seq: seq, rows: rows[start..<end], write: write)
                        do {
                            try await outbound.write(.text(text))
                        } catch {
                            return .writeFailed
                        }
                        start = end
                    }
                }
                return .ended(subscription.termination)
            } catch {
                switch error {
                case .slowConsumer(let limit): return .slowConsumer(limit: limit)
                case .unavailable(let error): return .unavailable("live bar unavailable: \(error.message)")
                }
            }
        }
    }
}

extension LiveFeed {
    /// `GET /api/v1/live` without a WebSocket upgrade (behind the HTTP router's auth): 426.
    static func registerHTTP(on router: Router<StrataRequestContext>) {
        router.get(RouterPath(stringLiteral: path)) { _, context in
            var response = Responses.error(
                status: .upgradeRequired, code: "upgradeRequired",
                message: "\(path) is a WebSocket: connect with a WebSocket client (Upgrade: websocket)",
                context: context)
            response.headers[.upgrade] = "websocket"
            return response
        }
    }
}

extension LiveFeed {
    /// HTTP/1.1 with the WebSocket upgrade of ``path`` routed to this feed, each connection
    /// handled on its own event loop (``EventLoopBoundChannel``); over TLS when `tls` is given.
    func serverBuilder(tls: TLSConfiguration?) -> HTTPServerBuilder {
        let webSocketResponder = router().buildResponder()
        // Client frames are small (the feed reads none); autoPing keeps dead peers visible.
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(additionalChannelHandlers: [HTTPExchangeTracker()]),
            ws: .init(maxFrameSize: 1 << 16, closeTimeout: closeTimeout))
        let metrics = metrics
        let limits = limits
        let counter = connections
        return HTTPServerBuilder { responder in
            let channel = GuardedChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                limits: limits, counter: counter, metrics: metrics)
            guard let tls else { return EventLoopBoundChannel(base: channel, metrics: metrics) }
            return EventLoopBoundChannel(base: try TLSChannel(channel, tlsConfiguration: tls), metrics: metrics)
        }
    }
}
