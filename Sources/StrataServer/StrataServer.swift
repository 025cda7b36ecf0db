public import Hummingbird
public import Logging
import ServiceLifecycle
public import Strata
public import StrataPostgres
import UnixSignals

/// The Strata server: ILP over HTTP, the JSON query API, the trading records API, health, metrics
/// and auth over one store.
///
/// ```swift
/// let configuration = try ServerConfiguration.load(file: nil, environment: environment)
/// try await StrataServer.run(configuration: configuration, logger: Logger(label: "strata"))
/// ```
///
/// Later transports (ILP over TCP, the WebSocket live feed) are more services in the same
/// ``run(configuration:logger:)`` group and share ``ILPIngest`` and ``ServerMetrics``.
public enum StrataServer {
    /// The router with every route and middleware, for a store that is already open.
    ///
    /// - Parameters:
    ///   - store: the open store the routes read and write.
    ///   - configuration: limits and auth.
    ///   - metrics: where requests and ingest are counted.
    ///   - postgres: the PostgreSQL backend the store's tables live in, if they do (its state is
    ///     in `/health/ready`).
    /// - Returns: the router (`app.test(.router)` tests use it without sockets).
    public static func makeRouter(
        store: StrataStore, configuration: ServerConfiguration, metrics: ServerMetrics,
        postgres: PostgresBackend? = nil, tiers: ServerTiers? = nil
    ) -> Router<StrataRequestContext> {
        store.observeWALSyncs { table, duration in
            let (seconds, attoseconds) = duration.components
            metrics.walSync(table: table, nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        let router = Router(context: StrataRequestContext.self)
        let slowQueries = SlowQueryLog(thresholdMilliseconds: configuration.limits.slowQueryMilliseconds)
        router.add(
            middleware: RequestMiddleware(metrics: metrics, slowQueries: slowQueries, inlineReads: postgres == nil))
        router.add(middleware: AuthMiddleware(auth: configuration.auth))
        let ingest = ILPIngest(
            store: store, metrics: metrics, maxLineBytes: configuration.maxLineBytes,
            measurements: configuration.ilpMeasurements, tiers: tiers)
        WriteRoutes(
            ingest: ingest, maxRequestBytes: configuration.maxRequestBytes,
            budget: WriteBudget(capacity: configuration.maxInFlightWriteBytes),
            wait: .milliseconds(configuration.writeWaitMilliseconds), metrics: metrics
        ).register(on: router)
        QueryRoutes(store: store, slowQueries: slowQueries, tiers: tiers).register(on: router)
        AsofRoute(store: store).register(on: router)
        HealthRoutes(store: store, postgres: postgres, tiers: tiers).register(on: router)
        TiersRoutes(tiers: tiers).register(on: router)
        ConsolePage.register(on: router)
        RecordRoutes(store: store, maxRequestBytes: configuration.maxRequestBytes).register(on: router)
        QualityRoutes(store: store).register(on: router)
        MetricsRoutes(store: store, metrics: metrics, tiers: tiers).register(on: router)
        OpenAPIDocument.register(on: router, tables: store.userTables.map(\.schema))
        LiveFeed.registerHTTP(on: router)
        return router
    }

    /// The HTTP application on `configuration.host:port`, without the store's lifecycle.
    ///
    /// WebSocket upgrades of `/api/v1/live` go to `liveFeed` (one is made if not given; pass
    /// your own and run it as a service after the application so shutdown closes its
    /// connections with 1001).
    /// - Throws: ``ConfigurationError`` if TLS is configured and its files cannot be used.
    public static func makeApplication(
        store: StrataStore, configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics(),
        liveFeed: LiveFeed? = nil, postgres: PostgresBackend? = nil, tiers: ServerTiers? = nil, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ConfigurationError) -> some ApplicationProtocol {
        let router = makeRouter(
            store: store, configuration: configuration, metrics: metrics, postgres: postgres, tiers: tiers)
        let live = liveFeed ?? LiveFeed(store: store, configuration: configuration, metrics: metrics)
        let tls = try configuration.tlsConfiguration()
        return Application(
            router: router, server: live.serverBuilder(tls: tls),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: StrataVersion.product),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Opens the store, serves until SIGINT or SIGTERM, then shuts down gracefully: stop
    /// accepting, finish in-flight requests, flush the WAL and close the store.
    ///
    /// - Parameters:
    ///   - configuration: a validated configuration.
    ///   - logger: the server's logger.
    ///   - onServerRunning: called with the bound HTTP port once the HTTP listener is up.
    ///   - onListening: called once with every bound port when all listeners are up.
    /// - Throws: ``StrataError`` if the store cannot be opened; errors of the listeners.
    public static func run(
        configuration: ServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onListening: @escaping @Sendable (ServerPorts) async -> Void = { _ in }
    ) async throws {
        let opened = try openStore(configuration: configuration, logger: logger)
        let store = opened.store
        defer { opened.cleanUp() }
        let recovery = store.recovery
        let incidents = store.openIncidents
        logger.log(
            level: incidents.isEmpty && !recovery.isDamaged ? .info : .warning,
            "store open",
            metadata: [
                "data": "\(opened.directory)", "backend": "\(configuration.backend.rawValue)",
                "rows_replayed": "\(recovery.rowsReplayed)",
                "bytes_cut": "\(recovery.bytesTruncated)", "rows_lost": "\(recovery.rowsLost)",
                "damaged_files": "\(recovery.damagedFiles.count)",
                "open_incidents": "\(incidents.count)",
            ])
        for incident in incidents {
            logger.warning(
                "open incident: health stays degraded until it is acknowledged",
                metadata: [
                    "kind": "\(incident.kind.rawValue)", "table": "\(incident.table)", "path": "\(incident.path ?? "")",
                    "detail": "\(incident.detail)", "since": "\(incident.time.iso8601)",
                ])
        }
        let tiers = try ServerTiers.make(
            configuration: configuration, store: store, directory: opened.directory, logger: logger)
        let metrics = ServerMetrics()
        let live = LiveFeed(store: store, configuration: configuration, metrics: metrics)
        let ports = ServerPortsCollector(expectsILPTCP: configuration.ilpTCPListener.isOn, callback: onListening)
        let tcp = try makeILPTCPService(
            store: store, configuration: configuration, metrics: metrics, tiers: tiers, logger: logger,
            onListening: { await ports.ilpTCP($0) })
        let app = try makeApplication(
            store: store, configuration: configuration, metrics: metrics, liveFeed: live, postgres: opened.postgres,
            tiers: tiers, logger: logger,
            onServerRunning: { port in
                logger.info(
                    "listening",
                    metadata: [
                        "address": "\(configuration.host):\(port)", "tls": "\(configuration.tls.isOn ? "on" : "off")",
                    ])
                await onServerRunning(port)
                await ports.http(port)
            })
        // Services stop in reverse order: ILP over TCP stores what it received, live feed
        // connections close (1001), the HTTP server drains, then the store closes.
        // The tiers' replicators stop after the listeners drained and before the store closes.
        var services: [any Service] = [StoreService(store: store, logger: logger)]
        if let tiers { services.append(TiersService(tiers: tiers)) }
        services.append(app)
        services.append(live)
        if let tcp { services.append(tcp) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
