public import StrataCore

/// The signal history (``RecordSchema/signalHistory``, `signal_history`): strategies' signals as
/// a time series, keyed by the signal's id (a re-sent id is stored once).
///
/// ```swift
/// try store.saveSignal(Signal(id: 1, time: now, strategy: "momentum", symbol: "BTCUSDT", type: "buy",
///                             confidence: 0.82, price: try Price("64000.5"), metadata: #"{"window":"5m"}"#))
/// let lastHour = try store.recentSignals(since: now.advanced(by: -3_600_000_000_000), limit: 50)
/// ```
extension StrataStore {
    /// Saves signals: each checked (``Signal/validate()``, the schema's rules), then all appended
    /// atomically.
    /// - Returns: signals stored and signals dropped as re-sent ids.
    /// - Throws: ``ValidationError`` naming the field, the value and the signal's index (nothing
    ///   stored); ``StrataError``.
    @discardableResult
    public func saveSignals(_ signals: [Signal]) throws -> AppendReport {
        for (index, signal) in signals.enumerated() {
            do { try signal.validate() } catch var error {
                error.index = index
                throw error
            }
        }
        return try tradingRecords().signals.appendNow(signals.map(Self.row))
    }

    /// Saves one signal (see ``saveSignals(_:)``).
    @discardableResult
    public func saveSignal(_ signal: Signal) throws -> AppendReport { try saveSignals([signal]) }

    /// The newest signals at or after `since`, of `symbol` (or of every symbol), newest first
    /// (signals of the same time by id, highest first), at most `limit`.
    /// - Throws: ``StrataError`` `.invalidArgument` for a negative limit; what reading throws.
    public func recentSignals(since: Timestamp, symbol: Symbol? = nil, limit: Int = 100) throws -> [Signal] {
        guard limit >= 0 else { throw StrataError(.invalidArgument, "limit must be >= 0, got \(limit)") }
        guard limit > 0 else { return [] }
        let table = try tradingRecords().signals
        var found: [Signal] = []
        for symbol in symbol.map({ [$0] }) ?? table.symbols() {
            // The newest `limit` of the symbol: those at or after `since` are its answer.
            let rows = table.decode(
                try table.access.reading { try table.access.table.latest(symbol: symbol.name, limit: limit) },
                symbol)
            for row in rows {
                guard let signal = Self.signal(from: row) else {
                    throw StrataError(.corruptFile, "\(table.name): a row that is not a signal: \(row)")
                }
                if signal.time < since { break }
                found.append(signal)
            }
        }
        found.sort { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }
        return Array(found.prefix(limit))
    }

    static func row(_ signal: Signal) -> Row {
        var values: [String: FieldValue] = [
            "ts": .timestamp(signal.time), "id": .integer(signal.id), "strategy": .text(signal.strategy),
            "type": .text(signal.type), "confidence": .float(signal.confidence), "metadata": .text(signal.metadata),
        ]
        if let price = signal.price { values["price"] = .fixed(price) }
        if let quantity = signal.quantity { values["quantity"] = .fixed(quantity) }
        return Row(symbol: signal.symbol, values)
    }

    static func signal(from row: Row) -> Signal? {
        guard let time = row["ts"]?.timestampValue, let id = row["id"]?.integerValue,
            let strategy = row["strategy"]?.textValue, let type = row["type"]?.textValue,
            case .float(let confidence)? = row["confidence"], let metadata = row["metadata"]?.textValue
        else { return nil }
        return Signal(
            id: id, time: time, strategy: strategy, symbol: row.symbol, type: type, confidence: confidence,
            price: row["price"]?.fixed(Price.self), quantity: row["quantity"]?.fixed(Quantity.self),
            metadata: metadata)
    }
}
