import Dispatch
import Logging
import Strata
import StrataCore
import StrataPostgres
import StrataPostgresTier
import StrataRedis
import StrataRedisTier
import StrataTiers
import Synchronization

/// A tier whose client is made on first use, and made again on the next call after making it
/// failed: a server starts while Redis or PostgreSQL is down (its breaker opens, its backlog grows
/// in the log) and feeds the tier once it answers.
final class Lazy<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let make: @Sendable () async throws -> Value
    private let discard: @Sendable (Value) async -> Void

    init(make: @escaping @Sendable () async throws -> Value, discard: @escaping @Sendable (Value) async -> Void) {
        self.make = make
        self.discard = discard
    }

    /// The value, made now if it is not yet.
    func get() async throws -> Value {
        if let made = value.withLock({ $0 }) { return made }
        let made = try await make()
        let (kept, extra) = value.withLock { value -> (Value, Value?) in
            if let other = value { return (other, made) }
            value = made
            return (made, nil)
        }
        if let extra { await discard(extra) }
        return kept
    }

    /// The value if it was made.
    var current: Value? { value.withLock { $0 } }

    /// Closes the value, if made.
    func close() async {
        if let made = value.withLock({ value -> Value? in
            defer { value = nil }
            return value
        }) {
            await discard(made)
        }
    }
}

/// The Redis tier of a server: connected on first use (``Lazy``).
final class RedisTierHandle: ReplicaTier, ReadableTier {
    let name = "redis"
    let lazy: Lazy<RedisTier>

    init(
        url: String, keyPrefix: String, tables: [(schema: RecordSchema, recentRows: Int)], origin: String,
        logger: Logger
    ) throws(ConfigurationError) {
        var configuration: RedisConfiguration
        do { configuration = try RedisConfiguration(url: url) } catch {
            throw ConfigurationError(key: "tiers.redis.url", message: "\(error)")
        }
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(5)
        let settings = configuration
        let tierConfiguration = RedisTier.Configuration(tables: tables, keyPrefix: keyPrefix, origin: origin)
        lazy = Lazy(
            make: {
                let client = try await RedisClient.connect(configuration: settings, logger: logger)
                do { return try RedisTier(client: client, configuration: tierConfiguration) } catch {
                    await client.close()
                    throw error
                }
            },
            discard: { await $0.client.close() })
    }

    func apply(table: String, entries: [LogEntry]) async throws {
        try await lazy.get().apply(table: table, entries: entries)
    }

    func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet? {
        try await lazy.get().answerLatest(table: table, symbol: symbol, limit: limit)
    }

    func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet? {
        try await lazy.get().answerRange(table: table, symbol: symbol, from: from, to: to, limit: limit)
    }
}

/// PostgreSQL as a replica tier of a server: connected on first use, and again on the next call
/// after connecting failed.
final class PostgresTierHandle: ReplicaTier {
    let name = "postgresql"
    private let settings: PostgresConfiguration
    private let tables: [(schema: RecordSchema, options: TableOptions)]
    private let current = Mutex<PostgresReplicaTier?>(nil)

    init(url: String, tables: [(schema: RecordSchema, options: TableOptions)]) throws(ConfigurationError) {
        var configuration: PostgresConfiguration
        do { configuration = try PostgresConfiguration(url: url) } catch {
            throw ConfigurationError(
                key: "tiers.postgresql.url", message: (error as? StrataError)?.message ?? "\(error)")
        }
        // A replica that cannot be reached should fail fast: its breaker opens and the log keeps
        // the backlog.
        configuration.connectTimeout = .seconds(2)
        configuration.operationTimeout = .seconds(5)
        settings = configuration
        self.tables = tables
    }

    /// The tier, connecting now if it is not (blocks the calling thread).
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached.
    func tier() throws -> PostgresReplicaTier {
        if let made = current.withLock({ $0 }) { return made }
        let backend = try PostgresBackend(configuration: settings)
        let made: PostgresReplicaTier
        do { made = try PostgresReplicaTier(backend: backend, tables: tables) } catch {
            try? backend.close()
            throw error
        }
        let (kept, extra) = current.withLock { current -> (PostgresReplicaTier, PostgresReplicaTier?) in
            if let other = current { return (other, made) }
            current = made
            return (made, nil)
        }
        try? extra?.backend.close()
        return kept
    }

    /// Closes the connection pool, if made.
    func close() {
        let made = current.withLock { current -> PostgresReplicaTier? in
            defer { current = nil }
            return current
        }
        try? made?.backend.close()
    }

    /// Where the blocking PostgreSQL calls run: not on the replicators' one thread, which the
    /// other tiers' loops share (a PostgreSQL that does not answer would hold them all).
    private static let queue = DispatchQueue(label: "strata.tiers.postgresql")

    func apply(table: String, entries: [LogEntry]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Self.queue.async {
                continuation.resume(with: Result { try self.tier().applyBlocking(table: table, entries: entries) })
            }
        }
    }
}

/// The system of record as the last read tier of a composite: it always answers.
struct SystemOfRecordTier: ReadableTier {
    let name: String
    let reader: TableReader

    func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet? {
        try reader.latest(symbol: Symbol(unchecked: symbol), limit: limit)
    }

    func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet? {
        try reader.range(
            symbol: Symbol(unchecked: symbol), from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to),
            limit: limit,
            after: nil
        ).rows
    }
}
