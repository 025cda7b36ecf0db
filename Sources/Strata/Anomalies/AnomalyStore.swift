public import StrataCore

/// The active anomalies, kept durably: every save and removal an immutable row of
/// `anomaly_events` (``eventSchema``, one of the store's own tables), the active set in memory,
/// rebuilt on open from the last snapshot plus the events after it (a keyed state table).
///
/// ```swift
/// try store.anomalies.save(Anomaly(type: "spread_spike", symbol: "BTCUSDT", severity: 3.5, at: now))
/// let active = store.anomalies.active            // by type, then symbol
/// try store.anomalies.remove(type: "spread_spike", at: later)   // every symbol's
/// let history = try store.anomalies.history(type: "spread_spike", symbol: "BTCUSDT")
/// ```
public final class AnomalyStore: Sendable {
    public static var eventSchema: RecordSchema { .anomalyEvents }

    /// Where the anomalies are kept: the engine's event-sourced table, or the backend's own
    /// (``StorageBackend/keyedState``, shared by every node on it).
    let state: any AnomalyStateBackend
    /// The engine's event-sourced table (nil when the backend keeps the anomalies).
    let events: EventSourcedTable<ActiveAnomalies>?

    init(events: EventSourcedTable<ActiveAnomalies>) {
        self.events = events
        state = events
    }

    /// The anomalies a backend keeps itself.
    init(shared: any AnomalyStateBackend) {
        events = nil
        state = shared
    }

    /// How the anomalies were rebuilt when the store opened (nothing to rebuild when the backend
    /// keeps them).
    public var recovery: KeyedStateRecovery { events?.recovery ?? .kept(by: AnomalyStore.eventSchema.name) }

    /// Saves an anomaly: active from now, replacing the active one of its type and symbol (whose
    /// first detection time it keeps).
    /// - Returns: the anomaly as stored.
    /// - Throws: ``AnomalyError`` naming the field; ``ValidationError`` for a value its column
    ///   refuses (a message or metadata too long); ``StrataError``.
    @discardableResult
    public func save(_ anomaly: Anomaly) throws -> Anomaly { try state.save(anomaly) }

    /// Clears the active anomalies of `type`: of `symbol` only if given, else of every symbol
    /// and the whole market's.
    /// - Returns: how many were cleared.
    @discardableResult
    public func remove(type: String, symbol: Symbol? = nil, at time: Timestamp) throws -> Int {
        try state.remove(type: type, symbol: symbol, at: time)
    }

    /// Clears the whole market's anomaly of `type`.
    @discardableResult
    public func removeMarketWide(type: String, at time: Timestamp) throws -> Int {
        try state.removeMarketWide(type: type, at: time)
    }

    /// The active anomalies, by type then symbol (the whole market's first).
    public var active: [Anomaly] { get throws { try state.activeAnomalies() } }
    public func active(type: String) throws -> [Anomaly] { try active.filter { $0.type == type } }
    public func active(symbol: Symbol) throws -> [Anomaly] { try active.filter { $0.symbol == symbol } }
    public func anomaly(type: String, symbol: Symbol?) throws -> Anomaly? {
        try state.anomaly(type: type, symbol: symbol)
    }

    /// Every save and removal of the anomaly of `type` and `symbol` (nil: the whole market's), in
    /// order, read back from the event table.
    public func history(type: String, symbol: Symbol?) throws -> [AnomalyEvent] {
        try state.history(type: type, symbol: symbol)
    }
}

/// The engine's anomalies: ``ActiveAnomalies`` kept in its event table.
extension EventSourcedTable: AnomalyStateBackend where State == ActiveAnomalies {
    func save(_ anomaly: Anomaly) throws -> Anomaly {
        try perform { anomalies in [try anomalies.save(anomaly)] }.state.anomaly(
            type: anomaly.type, symbol: anomaly.symbol)!
    }

    func remove(type: String, symbol: Symbol?, at time: Timestamp) throws -> Int {
        try perform { $0.remove(type: type, symbol: symbol, at: time) }.events.count
    }

    func removeMarketWide(type: String, at time: Timestamp) throws -> Int {
        try perform { $0.removeMarketWide(type: type, at: time) }.events.count
    }

    func activeAnomalies() -> [Anomaly] { read(\.all) }
    func anomaly(type: String, symbol: Symbol?) -> Anomaly? { read { $0.anomaly(type: type, symbol: symbol) } }

    func history(type: String, symbol: Symbol?) throws -> [AnomalyEvent] {
        try events(symbol: symbol ?? ActiveAnomalies.marketWide) { $0["type"] == .text(type) }
    }
}

extension ActiveAnomalies: EventSourcedState {
    public static var eventSchema: RecordSchema { .anomalyEvents }

    public func row(for event: AnomalyEvent, previous: ActiveAnomalies) -> Row {
        switch event {
        case .saved(let anomaly):
            return Row(
                symbol: anomaly.symbol ?? Self.marketWide,
                [
                    "ts": .timestamp(anomaly.updatedAt), "type": .text(anomaly.type), "event": .text("saved"),
                    "severity": .float(anomaly.severity), "message": .text(anomaly.message),
                    "metadata": .text(anomaly.metadata), "detected_at": .timestamp(anomaly.detectedAt),
                ])
        case .removed(let key, let time):
            return Row(
                symbol: key.symbol ?? Self.marketWide,
                ["ts": .timestamp(time), "type": .text(key.type), "event": .text("removed")])
        }
    }

    public static func event(from row: Row) -> AnomalyEvent? {
        guard let type = row["type"]?.textValue, let kind = row["event"]?.textValue,
            let time = row["ts"]?.timestampValue
        else { return nil }
        let symbol = row.symbol == marketWide ? nil : row.symbol
        switch kind {
        case "saved":
            guard case .float(let severity)? = row["severity"], let message = row["message"]?.textValue,
                let metadata = row["metadata"]?.textValue, let detected = row["detected_at"]?.timestampValue
            else { return nil }
            var anomaly = Anomaly(
                type: type, symbol: symbol, severity: severity, message: message, metadata: metadata, at: time)
            anomaly.detectedAt = detected
            return .saved(anomaly)
        case "removed": return .removed(AnomalyKey(type: type, symbol: symbol), at: time)
        default: return nil
        }
    }
}
