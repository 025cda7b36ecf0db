import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import StrataCore
import Synchronization

/// The pool (`PostgresClient`, its `run()` in a long-lived task) and the synchronous bridge to
/// it, shared by a backend, its tables and its migrator.
final class PostgresConnector: Sendable {
    let configuration: PostgresConfiguration
    let client: PostgresClient
    let logger: Logger
    private let executor: DedicatedThreadExecutor
    private let runner: Task<Void, Never>
    private let closed = Atomic<Bool>(false)
    /// What health checks found (``PostgresBackend/checkHealth(timeout:)``).
    let healthState = Mutex(PostgresHealthState())

    /// Where the backend's async work runs (``DedicatedThreadExecutor``): the seam is synchronous,
    /// so a caller's thread waits for that work, which therefore must not need the caller's
    /// thread — a cooperative-pool thread (a test, an async route) or a NIO event loop. Executors
    /// outlive connectors (their threads are never joined): one, shared, per process.
    private static let sharedExecutor = DedicatedThreadExecutor(name: "strata-postgres")

    /// The event loops of the backend's connections: its own, never NIO's process-wide
    /// singleton. A caller of the synchronous seam may itself be an event loop of that singleton
    /// (a server answering a point read on its connection's loop); had the connection been on
    /// the same loop, the caller would wait for I/O only its own blocked thread could do (found
    /// as a read that timed out right after start-up, when both landed on one loop).
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    init(_ configuration: PostgresConfiguration) throws {
        self.configuration = configuration
        var options = PostgresClient.Configuration.Options()
        options.maximumConnections = max(1, configuration.poolSize)
        options.connectTimeout = configuration.connectTimeout
        let tls: PostgresClient.Configuration.TLS
        switch configuration.tls {
        case .disable: tls = .disable
        case .require: tls = .require(.makeClientConfiguration())
        }
        var pool = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: tls)
        pool.options = options
        let logger = Logger(label: "strata.postgres")
        let client = PostgresClient(configuration: pool, eventLoopGroup: Self.eventLoops, backgroundLogger: logger)
        let executor = Self.sharedExecutor
        self.logger = logger
        self.client = client
        self.executor = executor
        runner = Task(executorPreference: executor) { await client.run() }
    }

    /// Runs `body` on the bridge's executor and waits for it, at most the operation timeout.
    /// - Throws: `StrataError` `.io` naming the host and the cause for anything PostgreSQL or the
    ///   network refused (and for a timeout), `.closed` after ``shutdown()``; a `StrataError`
    ///   thrown by `body` as it is.
    func run<T: Sendable>(
        _ what: @autoclosure () -> String, timeout: Duration? = nil,
        _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) throws -> T {
        guard !closed.load(ordering: .acquiring) else {
            throw StrataError(.closed, "the PostgreSQL backend for \(configuration.endpoint) is closed")
        }
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let client = self.client
        let task = Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do { result = .success(try await body(client)) } catch { result = .failure(error) }
            outcome.value.withLock { $0 = result }
            done.signal()
        }
        let limit = timeout ?? configuration.operationTimeout
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        if done.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .timedOut {
            task.cancel()
            throw noted(
                StrataError(
                    .io,
                    "PostgreSQL at \(configuration.endpoint): \(what()) timed out after \(limit) (no answer or no connection)"
                ))
        }
        switch outcome.value.withLock({ $0 })! {
        case .success(let value): return value
        case .failure(let error): throw noted(translate(error, what()))
        }
    }

    /// Keeps a failure of the server or the connection (`.io`) as health's last error, whatever
    /// operation met it — a table's, a keyed state's (orders, jobs, anomalies), a health check's
    /// — so that `/health/ready` shows it even when the next check finds the server reachable.
    private func noted(_ error: StrataError) -> StrataError {
        guard error.code == .io else { return error }
        let now = WallClock.now()
        healthState.withLock { state in
            state.lastError = error.message
            state.lastErrorAt = now
        }
        return error
    }

    /// A typed error for what PostgreSQL or postgres-nio threw.
    func translate(_ error: any Error, _ what: String) -> StrataError {
        if let strata = error as? StrataError { return strata }
        return StrataError(.io, "PostgreSQL at \(configuration.endpoint): \(what) failed: \(Self.cause(error))")
    }

    /// The server's message (and SQLSTATE) when it sent one, else the client's error.
    static func cause(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError { return cause(inner) }
            if let inner = transaction.beginError { return cause(inner) }
            if let inner = transaction.commitError { return cause(inner) }
        }
        if let psql = error as? PSQLError {
            if let server = psql.serverInfo, let message = server[.message] {
                return message + (server[.sqlState].map { " [SQLSTATE \($0)]" } ?? "")
            }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError {
            return sqlState(inner)
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Opens one connection outside the pool and runs `SELECT 1`: what a backend does at open, so
    /// an unreachable or refusing server is said at once (the pool would keep retrying).
    func probe() throws {
        let configuration = self.configuration
        let logger = self.logger
        let tls: PostgresConnection.Configuration.TLS
        switch configuration.tls {
        case .disable: tls = .disable
        case .require:
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw StrataError(.io, "PostgreSQL at \(configuration.endpoint): TLS setup failed: \(error)")
            }
        }
        var connection = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: tls)
        let seconds = configuration.connectTimeout.components.seconds
        connection.options.connectTimeout = .seconds(max(1, seconds))
        let settings = connection
        let loops = Self.eventLoops
        try run("connecting", timeout: configuration.connectTimeout + .seconds(2)) { _ in
            let opened = try await PostgresConnection.connect(
                on: loops.next(), configuration: settings, id: 0, logger: logger)
            do {
                try await opened.query("SELECT 1", logger: logger)
            } catch {
                try? await opened.close()
                throw error
            }
            try await opened.close()
        }
    }

    /// Stops the pool; later calls fail with `.closed`.
    func shutdown() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        runner.cancel()
    }
}

/// Where a bridged task leaves its result for the waiting caller.
private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}
