import Logging
import PostgresNIO
import StrataCore

/// The active anomalies kept by PostgreSQL (`strata_anomalies`, keyed by type and symbol — the
/// whole market's under ``ActiveAnomalies/marketWide`` as in the engine's events — and
/// `strata_anomaly_events`, their history). Each operation locks the anomalies of its key(s),
/// lets an ``ActiveAnomalies`` holding just those check and apply it, and writes the rows and
/// events in the same transaction.
final class PostgresAnomalies: AnomalyStateBackend {
    let runner: KeyedRunner
    let anomalies: String
    let events: String

    init(runner: KeyedRunner) {
        self.runner = runner
        anomalies = runner.table("strata_anomalies")
        events = runner.table("strata_anomaly_events")
    }

    static let columns = "type, symbol, severity, message, metadata, detected_at, updated_at"

    func save(_ anomaly: Anomaly) throws -> Anomaly {
        let (anomalies, events, logger) = (self.anomalies, self.events, runner.logger)
        return try runner.transaction("saving anomaly \(anomaly.type)") { connection in
            let stored = try await Self.locked(
                anomalies, type: anomaly.type, symbol: Self.stored(anomaly.symbol), connection, logger: logger)
            var state = ActiveAnomalies()
            for old in stored { state.apply(.saved(old)) }
            let event = try state.save(anomaly)
            guard case .saved(let saved) = event else { return anomaly }
            let binds = Self.binds(saved)
            if stored.isEmpty {
                let inserted = try await connection.rows(
                    """
                    INSERT INTO \(anomalies) (\(Self.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (type, symbol) DO NOTHING RETURNING type
                    """, binds, logger: logger)
                if inserted.isEmpty { throw KeyedRetry() }
            } else {
                try await connection.execute(
                    """
                    UPDATE \(anomalies) SET severity = $3, message = $4, metadata = $5, detected_at = $6,
                        updated_at = $7
                    WHERE type = $1 AND symbol = $2
                    """, binds, logger: logger)
            }
            try await Self.log(event, events, connection, logger: logger)
            return saved
        }
    }

    func remove(type: String, symbol: Symbol?, at time: Timestamp) throws -> Int {
        try clear(type: type, symbol: symbol.map { $0.name }, at: time) {
            $0.remove(type: type, symbol: symbol, at: time)
        }
    }

    func removeMarketWide(type: String, at time: Timestamp) throws -> Int {
        try clear(type: type, symbol: ActiveAnomalies.marketWide.name, at: time) {
            $0.removeMarketWide(type: type, at: time)
        }
    }

    /// Locks the anomalies of `type` (and `symbol`, if given), applies `operation` to a set
    /// holding them, deletes those it cleared.
    private func clear(
        type: String, symbol: String?, at time: Timestamp,
        _ operation: @escaping @Sendable (inout ActiveAnomalies) -> [AnomalyEvent]
    ) throws -> Int {
        let (anomalies, events, logger) = (self.anomalies, self.events, runner.logger)
        return try runner.transaction("clearing anomalies \(type)") { connection in
            var state = ActiveAnomalies()
            for old in try await Self.locked(anomalies, type: type, symbol: symbol, connection, logger: logger) {
                state.apply(.saved(old))
            }
            let cleared = operation(&state)
            for event in cleared {
                guard case .removed(let key, _) = event else { continue }
                var binds = PostgresBindings()
                binds.append(key.type)
                binds.append(Self.stored(key.symbol))
                try await connection.execute(
                    "DELETE FROM \(anomalies) WHERE type = $1 AND symbol = $2", binds, logger: logger)
                try await Self.log(event, events, connection, logger: logger)
            }
            return cleared.count
        }
    }

    func activeAnomalies() throws -> [Anomaly] {
        let sql = "SELECT \(Self.columns) FROM \(anomalies)"
        let logger = runner.logger
        // Sorted by the value type's own order (type, then symbol, the whole market's first).
        return try runner.read("reading the active anomalies") { connection in
            try await connection.rows(sql, logger: logger).map(Self.anomaly(from:))
        }.sorted { $0.key < $1.key }
    }

    func anomaly(type: String, symbol: Symbol?) throws -> Anomaly? {
        let sql = "SELECT \(Self.columns) FROM \(anomalies) WHERE type = $1 AND symbol = $2"
        var binds = PostgresBindings()
        binds.append(type)
        binds.append(Self.stored(symbol))
        let (bound, logger) = (binds, runner.logger)
        return try runner.read("reading anomaly \(type)") { connection in
            try await connection.rows(sql, bound, logger: logger).first.map(Self.anomaly(from:))
        }
    }

    func history(type: String, symbol: Symbol?) throws -> [AnomalyEvent] {
        let sql = """
            SELECT type, symbol, ts, event, severity, message, metadata, detected_at FROM \(events)
            WHERE type = $1 AND symbol = $2 ORDER BY seq
            """
        var binds = PostgresBindings()
        binds.append(type)
        binds.append(Self.stored(symbol))
        let (bound, logger) = (binds, runner.logger)
        return try runner.read("reading the history of anomaly \(type)") { connection in
            try await connection.rows(sql, bound, logger: logger).map(Self.event(from:))
        }
    }

    // MARK: - Rows

    /// The symbol column of an anomaly (the whole market's: ``ActiveAnomalies/marketWide``).
    static func stored(_ symbol: Symbol?) -> String { (symbol ?? ActiveAnomalies.marketWide).name }

    static func symbol(_ stored: String) -> Symbol? {
        stored == ActiveAnomalies.marketWide.name ? nil : Symbol(unchecked: stored)
    }

    /// The anomalies of `type` (and `symbol`), locked.
    static func locked(
        _ anomalies: String, type: String, symbol: String?, _ connection: PostgresConnection, logger: Logger
    ) async throws -> [Anomaly] {
        var binds = PostgresBindings()
        binds.append(type)
        var clause = "WHERE type = $1"
        if let symbol {
            binds.append(symbol)
            clause += " AND symbol = $2"
        }
        return try await connection.rows(
            "SELECT \(columns) FROM \(anomalies) \(clause) ORDER BY symbol FOR UPDATE", binds, logger: logger
        ).map(anomaly(from:))
    }

    static func binds(_ anomaly: Anomaly) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(anomaly.type)
        binds.append(stored(anomaly.symbol))
        binds.append(anomaly.severity)
        binds.append(anomaly.message)
        binds.append(anomaly.metadata)
        binds.append(anomaly.detectedAt.nanoseconds)
        binds.append(anomaly.updatedAt.nanoseconds)
        return binds
    }

    static func anomaly(from row: PostgresRow) throws -> Anomaly {
        let cells = PostgresRandomAccessRow(row)
        var anomaly = Anomaly(
            type: try cells.value("type"), symbol: symbol(try cells.value("symbol")),
            severity: try cells.value("severity"), message: try cells.value("message"),
            metadata: try cells.value("metadata"), at: Timestamp(nanoseconds: try cells.value("updated_at")))
        anomaly.detectedAt = Timestamp(nanoseconds: try cells.value("detected_at"))
        return anomaly
    }

    /// Appends `event` to the history (the columns of the engine's `anomaly_events`).
    static func log(_ event: AnomalyEvent, _ events: String, _ connection: PostgresConnection, logger: Logger)
        async throws
    {
        var binds = PostgresBindings()
        switch event {
        case .saved(let anomaly):
            binds.append(anomaly.type)
            binds.append(stored(anomaly.symbol))
            binds.append(anomaly.updatedAt.nanoseconds)
            binds.append("saved")
            binds.append(anomaly.severity)
            binds.append(anomaly.message)
            binds.append(anomaly.metadata)
            binds.append(anomaly.detectedAt.nanoseconds)
        case .removed(let key, let time):
            binds.append(key.type)
            binds.append(stored(key.symbol))
            binds.append(time.nanoseconds)
            binds.append("removed")
            binds.append(Double?.none)
            binds.append(String?.none)
            binds.append(String?.none)
            binds.append(Int64?.none)
        }
        try await connection.execute(
            """
            INSERT INTO \(events) (type, symbol, ts, event, severity, message, metadata, detected_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, binds, logger: logger)
    }

    static func event(from row: PostgresRow) throws -> AnomalyEvent {
        let cells = PostgresRandomAccessRow(row)
        let type: String = try cells.value("type")
        let symbol = symbol(try cells.value("symbol"))
        let time = Timestamp(nanoseconds: try cells.value("ts"))
        let kind: String = try cells.value("event")
        switch kind {
        case "saved":
            guard let severity = try cells.value("severity", as: Double?.self),
                let message = try cells.value("message", as: String?.self),
                let metadata = try cells.value("metadata", as: String?.self),
                let detected = try cells.value("detected_at", as: Int64?.self)
            else { throw StrataError(.corruptFile, "strata_anomaly_events: a saved event of \(type) is incomplete") }
            var anomaly = Anomaly(
                type: type, symbol: symbol, severity: severity, message: message, metadata: metadata, at: time)
            anomaly.detectedAt = Timestamp(nanoseconds: detected)
            return .saved(anomaly)
        case "removed": return .removed(AnomalyKey(type: type, symbol: symbol), at: time)
        default: throw StrataError(.corruptFile, "strata_anomaly_events: an event '\(kind)' of \(type)")
        }
    }
}
