import Logging
import PostgresNIO
public import StrataCore

/// Orders, the job queue and active anomalies kept by PostgreSQL itself, so that every node on
/// the database sees one state (issue 10, items 1 and 5; Docs/PostgreSQL.md, "Keyed state").
///
/// Design: each keyed state is a *state table* (the current row per key, indexed for every query
/// `OrderStore`, `JobStore` and `AnomalyStore` offer) and an append-only *event table* (`seq`
/// from a sequence: the order of the changes). An operation is one transaction: the rows it
/// touches are locked (`SELECT … FOR UPDATE`; a dequeue takes ready jobs with `SKIP LOCKED`, so
/// workers on several nodes never wait for, nor take, each other's jobs), the StrataCore value
/// type holding just those rows checks and applies the change (``OrderRegistry``, ``JobQueue``,
/// ``ActiveAnomalies``: the rules live there only, so a refusal is the same typed error as on the
/// engine), then the new state and the event are written. A refusal rolls the transaction back;
/// a deadlock, a serialization failure or an insert that lost a race with another node retries
/// the whole transaction. DDL goes through ``PostgresMigrator`` (scope `keyed`); every value is
/// bound (`$n`), never spliced.
extension PostgresBackend: KeyedStateBackend {
    public var keyedState: (any KeyedStateBackend)? { self }

    public func orderState() throws -> any OrderStateBackend {
        PostgresOrders(runner: try keyedRunner())
    }

    public func jobState(policy: RetryPolicy) throws -> any JobStateBackend {
        PostgresJobs(runner: try keyedRunner(), policy: policy)
    }

    public func anomalyState() throws -> any AnomalyStateBackend {
        PostgresAnomalies(runner: try keyedRunner())
    }

    /// The keyed state's tables, created (or brought up to date) first.
    func keyedRunner() throws -> KeyedRunner {
        let namespace = configuration.schema
        try PostgresMigrator(connector: connector, scope: "keyed", migrations: KeyedSchema.migrations(namespace))
            .upOnStart()
        return KeyedRunner(connector: connector, namespace: namespace)
    }
}

/// Thrown inside a transaction to run it again from the start (an insert lost a race with
/// another node: the retry reads the row that node wrote).
struct KeyedRetry: Error {}

/// Runs keyed state operations on a backend's pool: one transaction each, refusals of the rules
/// passed through as they are, transient conflicts retried.
struct KeyedRunner: Sendable {
    let connector: PostgresConnector
    let namespace: String

    var logger: Logger { connector.logger }

    /// `"schema"."name"`.
    func table(_ name: String) -> String { SQL.qualified(namespace, name) }

    /// `body` in one transaction on one pooled connection.
    /// - Throws: what the rules refused (``OrderError``, ``JobQueueError``, ``AnomalyError``) as
    ///   it is, after the rollback; `StrataError` `.io` naming the server for what PostgreSQL
    ///   refused (after 5 attempts for deadlocks and serialization failures).
    func transaction<T: Sendable>(
        _ what: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws -> T {
        let logger = self.logger
        let outcome: Result<T, any Error> = try connector.run(what()) { client in
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return .success(
                        try await client.withConnection { connection in
                            try await connection.inTransaction(logger: logger) { try await body($0) }
                        })
                } catch let refusal as OrderError {
                    return .failure(refusal)
                } catch let refusal as JobQueueError {
                    return .failure(refusal)
                } catch let refusal as AnomalyError {
                    return .failure(refusal)
                } catch {
                    let transient =
                        error is KeyedRetry || ["40P01", "40001"].contains(PostgresConnector.sqlState(error))
                    guard transient, attempt < 5 else {
                        if error is KeyedRetry {
                            throw StrataError(.io, "an insert kept losing races with other nodes (\(attempt) attempts)")
                        }
                        throw error
                    }
                }
            }
        }
        return try outcome.get()
    }

    /// A read on one pooled connection (no transaction).
    func read<T: Sendable>(
        _ what: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws -> T {
        try connector.run(what()) { client in try await client.withConnection { try await body($0) } }
    }
}

/// Exact decimals as PostgreSQL `numeric` text, both ways.
enum KeyedDecimal {
    /// `mantissa / 10^scale` in plain decimal notation (bound as text, cast to `numeric` in SQL).
    static func text(_ mantissa: Int64, scale: Int) -> String {
        var bytes: [UInt8] = []
        PostgresCopyEncoder.appendDecimal(mantissa, scale: scale, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An Int128 mantissa (a notional) in plain decimal notation.
    static func text(_ mantissa: Int128, scale: Int) -> String {
        var digits = String(mantissa.magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let point = digits.index(digits.endIndex, offsetBy: -scale)
        let body = scale > 0 ? String(digits[..<point]) + "." + String(digits[point...]) : digits
        return (mantissa < 0 ? "-" : "") + body
    }

    /// The Int64 mantissa at `scale` of PostgreSQL's text of a `numeric`.
    /// - Throws: `StrataError` `.overflow` when it does not fit 64 bits, `.io` for text that is
    ///   not a number.
    static func mantissa(_ text: String, scale: Int) throws -> Int64 {
        guard let value = Int64(exactly: try DecimalText.mantissa(text, scale: scale)) else {
            throw StrataError(.overflow, "the value \(text) does not fit a 64-bit mantissa at scale \(scale)")
        }
        return value
    }
}

extension PostgresRandomAccessRow {
    /// The column's value as `T` (an optional for a nullable column).
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
