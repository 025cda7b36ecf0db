import PostgresNIO
public import StrataCore
import Synchronization

/// What `/health/ready` says about the PostgreSQL server behind a backend.
public struct PostgresHealth: Sendable, Hashable {
    /// `host:port/database`.
    public var endpoint: String
    /// Whether the last check got an answer.
    public var reachable: Bool
    /// When the last check ran.
    public var checkedAt: Timestamp
    /// The last check's failure, or the last one before a success (with when it was), so an
    /// outage stays visible after the recovery for whoever reads health later.
    public var lastError: String?
    public var lastErrorAt: Timestamp?
    /// The server's version (`server_version`), when reachable.
    public var serverVersion: String?
    /// The TimescaleDB extension's version when it is installed in the database (`pg_extension`).
    public var timescaleDB: String?
}

extension PostgresBackend {
    /// Asks the server (`SHOW server_version`, `pg_extension`) within `timeout`: never throws, a
    /// failure is in the answer. While PostgreSQL is down the pool has no connection to give, so
    /// the check waits at most `timeout`.
    public func checkHealth(timeout: Duration = .seconds(2)) -> PostgresHealth {
        let logger = connector.logger
        let now = WallClock.now()
        do {
            let (version, timescale) = try connector.run("checking health", timeout: timeout) { client in
                try await client.withConnection { connection in
                    let version = try await connection.rows("SHOW server_version", .init(), logger: logger)
                        .first.map { try $0.decode(String.self) }
                    let timescale = try await connection.rows(
                        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'", .init(), logger: logger
                    ).first.map { try $0.decode(String.self) }
                    return (version, timescale)
                }
            }
            return connector.healthState.withLock { state in
                state.timescaleDB = timescale
                return PostgresHealth(
                    endpoint: configuration.endpoint, reachable: true, checkedAt: now, lastError: state.lastError,
                    lastErrorAt: state.lastErrorAt, serverVersion: version, timescaleDB: timescale)
            }
        } catch {
            let message = (error as? StrataError)?.message ?? "\(error)"
            return connector.healthState.withLock { state in
                state.lastError = message
                state.lastErrorAt = now
                return PostgresHealth(
                    endpoint: configuration.endpoint, reachable: false, checkedAt: now, lastError: message,
                    lastErrorAt: now, serverVersion: nil, timescaleDB: state.timescaleDB)
            }
        }
    }
}

/// The health figures a connector keeps between checks.
struct PostgresHealthState: Sendable {
    var lastError: String?
    var lastErrorAt: Timestamp?
    var timescaleDB: String?
}

extension PostgresBackend {
    /// The scope of the partition function's later versions (its own scope, so the catalog's
    /// `strata` versions stay free for the keyed-state work).
    static let partitionScope = "strata:partitions"

    /// Version 1: each new time partition gets a BRIN index on the partition key (the designated
    /// timestamp). It pays on large append-only time partitions — a day of trades, arriving in time
    /// order, is millions of rows whose pages are in time order, so a BRIN of a few pages lets a
    /// scan across every symbol (census, aggregates over a span, ad-hoc SQL on `ts_ns`) skip all
    /// but the pages of the span, where the `(symbol, time DESC)` B-tree helps only per symbol.
    /// Unpartitioned tables (last-wins on a non-time key: small reference data, updated in place)
    /// get none. Partitions made before this version keep what they have.
    static func partitionMigrations(_ namespace: String) -> [PostgresMigration] {
        let ensure = SQL.qualified(namespace, "strata_ensure_partition")
        func function(brin: Bool) -> String {
            """
            CREATE OR REPLACE FUNCTION \(ensure)(namespace text, parent text, part text, lo bigint, hi bigint)
            RETURNS void LANGUAGE plpgsql AS $body$
            DECLARE
                key text;
            BEGIN
                IF to_regclass(format('%I.%I', namespace, part)) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%s) TO (%s)',
                        namespace, part, namespace, parent, lo, hi);
            """
                + (brin
                    ? """

                            SELECT a.attname INTO key FROM pg_partitioned_table p
                                JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
                                WHERE p.partrelid = format('%I.%I', namespace, parent)::regclass;
                            IF key IS NOT NULL THEN
                                EXECUTE format('CREATE INDEX ON %I.%I USING brin (%I)', namespace, part, key);
                            END IF;
                    """ : "")
                    + """

                        END IF;
                    END
                    $body$
                    """
        }
        return [
            PostgresMigration(
                version: 1, name: "BRIN on time in new partitions", up: [function(brin: true)],
                down: [function(brin: false)])
        ]
    }
}
