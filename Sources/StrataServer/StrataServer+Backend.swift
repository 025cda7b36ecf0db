public import Logging
public import Strata
public import StrataPostgres

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Start-up failed for a reason that is not the configuration's form: PostgreSQL cannot be
/// reached, or refuses. ``message`` is one line naming the host, the port and the cause.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The store a server runs on, as the deployment mode (``ServerConfiguration/BackendMode``) says.
public struct OpenedStore: Sendable {
    public let store: StrataStore
    /// The PostgreSQL backend of the PostgreSQL modes.
    public let postgres: PostgresBackend?
    /// The directory of the store's own state (the private temporary one in `postgresql` mode).
    public let directory: String
    /// Whether ``directory`` is the node's private temporary one, removed by ``cleanUp()``.
    public let isTemporary: Bool

    /// Removes the private temporary directory (the store must be closed).
    public func cleanUp() {
        guard isTemporary else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension StrataServer {
    /// Opens the store of `configuration`'s deployment mode.
    ///
    /// Decision: a node that cannot reach PostgreSQL at start does not start. It exits with one
    /// line naming host, port, database and the cause (``StartupError``): it could take no write
    /// and answer no read, and an orchestrator restarting it is clearer than a node that listens
    /// but only answers 503. Once started, an outage degrades it instead: writes get 503 with
    /// `Retry-After`, `/health/ready` says PostgreSQL is unreachable, and both recover by
    /// themselves when it answers again.
    /// - Throws: ``StartupError`` when PostgreSQL cannot be reached or refuses; ``StrataError``
    ///   when the store cannot be opened; ``ConfigurationError`` for a bad PostgreSQL setting.
    public static func openStore(configuration: ServerConfiguration, logger: Logger) throws -> OpenedStore {
        guard let settings = try configuration.postgresConfiguration() else {
            if configuration.tiers.memoryOnly {
                // The in-memory development mode (tiers.memoryOnly): no data directory; the store
                // works in a private temporary one, removed at exit, and nothing is synced.
                let directory =
                    FileManager.default.temporaryDirectory.path
                    + "/strata-memory-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                var store = configuration.store(defaultDurability: .osBuffered)
                store.durability = .osBuffered
                let opened = try StrataStore.open(directory: directory, configuration: store)
                return OpenedStore(store: opened, postgres: nil, directory: directory, isTemporary: true)
            }
            let store = try StrataStore.open(
                directory: configuration.dataDirectory, configuration: configuration.store())
            return OpenedStore(store: store, postgres: nil, directory: configuration.dataDirectory, isTemporary: false)
        }
        let backend: PostgresBackend
        do {
            backend = try PostgresBackend(configuration: settings)
        } catch let error as StrataError where error.code == .io {
            throw StartupError(
                message:
                    "cannot reach \(error.message) (postgres.url / STRATA_POSTGRES_URL, backend \(configuration.backend.rawValue))"
            )
        } catch let error as StrataError where error.code == .unsupportedFormat && !settings.migrateOnStart {
            throw StartupError(message: error.message)
        }
        let directory: String
        let temporary = configuration.backend == .postgres
        if temporary {
            directory =
                FileManager.default.temporaryDirectory.path
                + "/strata-node-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        } else {
            directory = configuration.dataDirectory
        }
        // Continuous bars (aggregates) are kept by PostgreSQL itself, as bar tables upserted on write.
        let store = configuration.store()
        do {
            let opened = try StrataStore.open(directory: directory, backend: backend, configuration: store)
            logger.info(
                "PostgreSQL backend open",
                metadata: [
                    "endpoint": "\(settings.endpoint)", "schema": "\(settings.schema)", "pool": "\(settings.poolSize)",
                    "mode": "\(configuration.backend.rawValue)",
                ])
            return OpenedStore(store: opened, postgres: backend, directory: directory, isTemporary: temporary)
        } catch {
            try? backend.close()
            if temporary { try? FileManager.default.removeItem(atPath: directory) }
            // A migration missing while postgres.migrateOnStart is off: one line, naming it.
            if let error = error as? StrataError, error.code == .unsupportedFormat, !settings.migrateOnStart {
                throw StartupError(message: error.message)
            }
            throw error
        }
    }
}
