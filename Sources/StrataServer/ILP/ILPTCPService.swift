import Crypto
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
public import ServiceLifecycle
public import Strata
import StrataEngine
import Synchronization

/// ILP over TCP (QuestDB's port 9009 protocol): a listener whose connections stream ILP lines
/// into the store (see ``ILPTCPConnectionHandler`` for the per-connection semantics, and
/// ``ILPTCPAuthHandler`` for the optional ECDSA challenge-response in front of it).
///
/// As a `Service`: binds, reports the port, serves until graceful shutdown, then stops
/// accepting, has every connection store the complete lines it has received and close, and
/// returns only when they have, so a service group that closes the store after it loses nothing.
///
/// ```swift
/// let tcp = ILPTCPService(ingest: ingest, configuration: configuration, metrics: metrics, logger: logger)
/// let group = ServiceGroup(services: [StoreService(...), tcp], logger: logger)
/// ```
public struct ILPTCPService: Service {
    /// Rows per batch by default: large enough that an fsync per batch costs little per row,
    /// small enough to bound memory (see `Docs/Server.md`).
    public static let defaultBatchRows = 8_192
    /// Bytes of ILP text per batch at most (what bounds memory when lines are long).
    static let batchBytes = 8 << 20
    /// Largest read: with NIO's default of 4 reads per burst, at most 1 MiB arrives between two
    /// backpressure decisions.
    static let maximumReadBytes = 256 * 1024

    let ingest: ILPIngest
    let host: String
    let port: Int
    let keys: [String: P256.Signing.PublicKey]?
    /// TLS in front of ILP (QuestDB clients' `tcps::`), or nil for plain TCP.
    let tls: NIOSSLContext?
    let metrics: ServerMetrics
    let logger: Logger
    let batchRows: Int
    let authenticationTimeout: TimeAmount
    /// `ilp.tcp.idleTimeoutMilliseconds` and `ilp.tcp.maxConnections`.
    let idleTimeout: TimeAmount
    let maxConnections: Int
    /// `ilp.tcp.nice`: the parsing threads' nice value.
    let niceness: Int32
    let onListening: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - ingest: the write path (store, metrics, line limit).
    ///   - configuration: `ilp.tcp` (host, port, keys) and `auth.disabled`; keys are required
    ///     unless auth is disabled (``ServerConfiguration/ilpTCPListener``).
    ///   - metrics: where connections, batches and rows are counted.
    ///   - logger: the server's logger.
    ///   - batchRows: rows per batch.
    ///   - authenticationTimeout: how long a client has to authenticate.
    ///   - onListening: called with the bound port once listening.
    /// - Throws: ``ConfigurationError`` if TLS is configured and its files cannot be used.
    public init(
        ingest: ILPIngest, configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger,
        batchRows: Int = defaultBatchRows, authenticationTimeout: Duration = .seconds(15),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ConfigurationError) {
        tls = try configuration.loadTLS()?.context
        self.ingest = ingest
        self.host = configuration.ilpTCPHost
        self.port = configuration.ilpTCP.port
        if configuration.auth.disabled {
            keys = nil
        } else {
            var keys: [String: P256.Signing.PublicKey] = [:]
            for key in configuration.ilpTCP.keys {
                // Validated with the configuration; a key that does not decode is left out.
                if let publicKey = try? key.publicKey() { keys[key.kid] = publicKey }
            }
            self.keys = keys
        }
        self.metrics = metrics
        self.logger = logger
        self.batchRows = max(1, batchRows)
        idleTimeout = .milliseconds(Int64(configuration.limits.tcpIdleTimeoutMilliseconds))
        maxConnections = configuration.limits.tcpMaxConnections
        niceness = Int32(configuration.limits.tcpIngestNice)
        let (seconds, attoseconds) = authenticationTimeout.components
        self.authenticationTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.onListening = onListening
    }

    public func run() async throws {
        // First, at this thread's priority: threads inherit their creator's nice value (see TCPAppender).
        let appender = TCPAppender()
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let niceness = niceness
        for loop in loops.makeIterator() { loop.execute { IngestPriority.lower(to: niceness) } }
        let normal = BackgroundPriority.currentNiceness()
        if let appenderNiceness = try? await appender.niceness(on: loops.next()).get(), appenderNiceness > normal {
            logger.warning(
                "ILP/TCP appender runs below normal priority: queries may wait for its appends",
                metadata: ["appender_nice": "\(appenderNiceness)", "server_nice": "\(normal)"])
        }
        let connections = ILPTCPConnections(metrics: metrics)
        let server: any Channel
        do {
            server = try await bootstrap(loops: loops, pool: pool, appender: appender, connections: connections).bind(
                host: host, port: port
            ).get()
        } catch {
            try? await pool.shutdownGracefully()
            await appender.shutdown()
            try? await loops.shutdownGracefully()
            logger.error("ILP/TCP cannot listen", metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            throw error
        }
        let boundPort = server.localAddress?.port ?? port
        logger.info(
            "listening",
            metadata: [
                "protocol": "ilp-tcp", "address": "\(host):\(boundPort)",
                "auth": keys == nil ? "off (auth.disabled)" : "ecdsa (\(keys?.count ?? 0) keys)",
                "tls": "\(tls == nil ? "off" : "on")",
            ])
        await onListening(boundPort)
        try? await gracefulShutdown()
        try? await server.close()
        let open = await connections.shutDown()
        try? await pool.shutdownGracefully()
        await appender.shutdown()
        try? await loops.shutdownGracefully()
        logger.info("ILP/TCP listener stopped", metadata: ["connections_drained": "\(open)"])
    }

    private func bootstrap(
        loops: MultiThreadedEventLoopGroup, pool: NIOThreadPool, appender: TCPAppender,
        connections: ILPTCPConnections
    ) -> ServerBootstrap {
        let ingest = ingest
        let keys = keys
        let metrics = metrics
        let logger = logger
        let batchRows = batchRows
        let timeout = authenticationTimeout
        let tls = tls
        let idleTimeout = idleTimeout
        let maxConnections = maxConnections
        return ServerBootstrap(group: loops)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 1024, initial: 64 * 1024, maximum: Self.maximumReadBytes)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.count < maxConnections else {
                        metrics.connectionRefused(protocol: "tcp", reason: "limit")
                        logger.notice(
                            "ILP/TCP connection refused: too many connections",
                            metadata: [
                                "limit": "\(maxConnections)", "remote": "\(Self.describe(channel.remoteAddress))",
                            ])
                        channel.close(promise: nil)
                        return
                    }
                    let finished = channel.eventLoop.makePromise(of: Void.self)
                    let (id, shuttingDown) = connections.add(channel, finished: finished.futureResult)
                    var logger = logger
                    logger[metadataKey: "connection"] = "\(id)"
                    logger[metadataKey: "remote"] = "\(Self.describe(channel.remoteAddress))"
                    logger.info("ILP/TCP connection opened")
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    // Silence for idleTimeout: the connection handler stores what it has and closes.
                    try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    if let keys {
                        try pipeline.addHandler(
                            ILPTCPAuthHandler(keys: keys, timeout: timeout, metrics: metrics, logger: logger))
                    }
                    try pipeline.addHandler(
                        ILPTCPConnectionHandler(
                            ingest: ingest, pool: pool, appender: appender, batchRows: batchRows,
                            batchBytes: Self.batchBytes, niceness: niceness,
                            metrics: metrics, logger: logger, finished: finished))
                    finished.futureResult.whenComplete { _ in connections.remove(id) }
                    if shuttingDown { channel.pipeline.fireUserInboundEventTriggered(ILPTCPShutdownEvent()) }
                }
            }
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "?" }
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension StrataServer {
    /// The ILP-over-TCP service the configuration asks for, or `nil` (with a log line saying why
    /// and how to turn it on) when ``ServerConfiguration/ilpTCPListener`` is off.
    static func makeILPTCPService(
        store: StrataStore, configuration: ServerConfiguration, metrics: ServerMetrics, tiers: ServerTiers? = nil,
        logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) throws(ConfigurationError) -> ILPTCPService? {
        if case .off(let reason) = configuration.ilpTCPListener {
            logger.notice("ILP over TCP is not started", metadata: ["reason": "\(reason)"])
            return nil
        }
        let ingest = ILPIngest(
            store: store, metrics: metrics, maxLineBytes: configuration.maxLineBytes,
            measurements: configuration.ilpMeasurements, tiers: tiers)
        return try ILPTCPService(
            ingest: ingest, configuration: configuration, metrics: metrics, logger: logger, onListening: onListening)
    }
}

extension ServerConfiguration.ILPTCPListener {
    /// Whether the listener is started.
    public var isOn: Bool {
        if case .off = self { return false }
        return true
    }
}

/// The open connections, so that shutdown can drain them, and the `strata_tcp_connections` gauge.
final class ILPTCPConnections: Sendable {
    private struct Connection {
        let channel: any Channel
        let finished: EventLoopFuture<Void>
    }

    private struct State {
        var nextID = 1
        var open: [Int: Connection] = [:]
        var shuttingDown = false
    }

    private let state = Mutex(State())
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) { self.metrics = metrics }

    /// Registers a new connection: its id, and whether shutdown has already begun.
    func add(_ channel: any Channel, finished: EventLoopFuture<Void>) -> (id: Int, shuttingDown: Bool) {
        let result = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.open[id] = Connection(channel: channel, finished: finished)
            return (id, state.shuttingDown)
        }
        metrics.tcpConnectionOpened()
        return result
    }

    /// Connections open now.
    var count: Int { state.withLock { $0.open.count } }

    func remove(_ id: Int) {
        let removed = state.withLock { $0.open.removeValue(forKey: id) != nil }
        if removed { metrics.tcpConnectionClosed() }
    }

    /// Asks every connection to store what it has received and close; returns when all have
    /// (including any that an accept in progress adds meanwhile), with how many there were.
    func shutDown() async -> Int {
        var drained: Set<Int> = []
        while true {
            let open = state.withLock { state in
                state.shuttingDown = true
                return state.open.filter { !drained.contains($0.key) }
            }
            if open.isEmpty { return drained.count }
            for connection in open.values {
                connection.channel.pipeline.fireUserInboundEventTriggered(ILPTCPShutdownEvent())
            }
            for (id, connection) in open {
                try? await connection.finished.get()
                drained.insert(id)
            }
        }
    }
}
