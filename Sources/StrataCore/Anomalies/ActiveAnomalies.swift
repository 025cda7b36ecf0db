/// An anomaly a surveillance or risk process has detected and not yet cleared: a spread blow-out
/// on one symbol, a feed gap across the market…, keyed by its type and symbol.
public struct Anomaly: Sendable, Hashable {
    /// What kind of anomaly (`spread_spike`, `feed_gap`…).
    public var type: String
    /// The symbol concerned; nil for the whole market.
    public var symbol: Symbol?
    /// How severe, on the detector's own scale (not money).
    public var severity: Double
    public var message: String
    /// The detector's details, as JSON text.
    public var metadata: String
    /// When it was first detected (kept across later saves of the same anomaly).
    public var detectedAt: Timestamp
    /// When it was last saved.
    public var updatedAt: Timestamp

    public init(
        type: String, symbol: Symbol?, severity: Double = 0, message: String = "", metadata: String = "{}",
        at time: Timestamp
    ) {
        self.type = type
        self.symbol = symbol
        self.severity = severity
        self.message = message
        self.metadata = metadata
        self.detectedAt = time
        self.updatedAt = time
    }

    /// What identifies an active anomaly.
    public var key: AnomalyKey { AnomalyKey(type: type, symbol: symbol) }
}

/// An active anomaly's identity: its type and symbol (nil: the whole market).
public struct AnomalyKey: Sendable, Hashable, Comparable {
    public var type: String
    public var symbol: Symbol?

    public init(type: String, symbol: Symbol?) {
        self.type = type
        self.symbol = symbol
    }

    public static func < (a: AnomalyKey, b: AnomalyKey) -> Bool {
        a.type != b.type ? a.type < b.type : (a.symbol?.name ?? "") < (b.symbol?.name ?? "")
    }
}

/// One change of the active anomalies, as logged.
public enum AnomalyEvent: Sendable, Hashable {
    /// Saved (new, or replacing the active one of its key; `detectedAt` is the first detection's).
    case saved(Anomaly)
    /// Cleared.
    case removed(AnomalyKey, at: Timestamp)
}

/// A refused anomaly operation, naming the field and value.
public struct AnomalyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var message: String

    public init(field: String, value: String, _ message: String) {
        self.field = field
        self.value = value
        self.message = message
    }

    public var description: String { "anomaly \(field) \(value): \(message)" }
}

/// The active anomalies as a value (a keyed state: each operation returns the events a store
/// logs; ``apply(_:)`` replays them).
public struct ActiveAnomalies: Sendable, Hashable {
    /// The symbol an anomaly of the whole market is logged under (a row needs a symbol).
    public static let marketWide = Symbol(unchecked: "_market")

    public private(set) var active: [AnomalyKey: Anomaly] = [:]

    public init() {}

    /// Saves an anomaly: it becomes active, or replaces the active one of its type and symbol
    /// (whose first detection time it keeps).
    /// - Throws: ``AnomalyError`` for an empty type, a non-finite severity.
    public mutating func save(_ anomaly: Anomaly) throws(AnomalyError) -> AnomalyEvent {
        guard !anomaly.type.isEmpty, anomaly.type.utf8.count <= 256 else {
            throw AnomalyError(field: "type", value: anomaly.type, "must be 1…256 bytes")
        }
        for (field, text) in [("type", anomaly.type), ("message", anomaly.message), ("metadata", anomaly.metadata)]
        where text.utf8.contains(0) {
            throw AnomalyError(field: field, value: text, "must not contain a NUL character")
        }
        guard anomaly.severity.isFinite else {
            throw AnomalyError(field: "severity", value: "\(anomaly.severity)", "must be finite")
        }
        guard anomaly.symbol != Self.marketWide else {
            throw AnomalyError(
                field: "symbol", value: Self.marketWide.name, "is reserved: use nil for the whole market")
        }
        var saved = anomaly
        if let existing = active[anomaly.key] { saved.detectedAt = existing.detectedAt }
        let event = AnomalyEvent.saved(saved)
        apply(event)
        return event
    }

    /// Clears the active anomalies of `type` (of `symbol` only, if given; `nil` for every symbol
    /// and the whole market's).
    /// - Returns: one event per anomaly cleared (none if none was active).
    public mutating func remove(type: String, symbol: Symbol? = nil, at time: Timestamp) -> [AnomalyEvent] {
        let keys = active.keys.filter { $0.type == type && (symbol == nil || $0.symbol == symbol) }.sorted()
        return keys.map { key in
            let event = AnomalyEvent.removed(key, at: time)
            apply(event)
            return event
        }
    }

    /// Clears the whole market's anomaly of `type`, if active.
    public mutating func removeMarketWide(type: String, at time: Timestamp) -> [AnomalyEvent] {
        let key = AnomalyKey(type: type, symbol: nil)
        guard active[key] != nil else { return [] }
        let event = AnomalyEvent.removed(key, at: time)
        apply(event)
        return [event]
    }

    public mutating func apply(_ event: AnomalyEvent) {
        switch event {
        case .saved(let anomaly): active[anomaly.key] = anomaly
        case .removed(let key, _): active[key] = nil
        }
    }

    /// The active anomalies, by type then symbol (the whole market's first).
    public var all: [Anomaly] { active.keys.sorted().map { active[$0]! } }
    public func anomalies(type: String) -> [Anomaly] { all.filter { $0.type == type } }
    public func anomalies(symbol: Symbol) -> [Anomaly] { all.filter { $0.symbol == symbol } }
    public func anomaly(type: String, symbol: Symbol?) -> Anomaly? { active[AnomalyKey(type: type, symbol: symbol)] }
}

extension ActiveAnomalies: SnapshotState {
    /// Version 1: the count, then each anomaly (by key) field by field.
    public static var snapshotVersion: UInt32 { 1 }

    public func writeSnapshot(into writer: inout SnapshotWriter) {
        writer.writeCount(active.count)
        for anomaly in all {
            writer.write(anomaly.type)
            writer.write(anomaly.symbol) { $0.write($1.name) }
            writer.write(Int64(bitPattern: anomaly.severity.bitPattern))
            writer.write(anomaly.message)
            writer.write(anomaly.metadata)
            writer.write(anomaly.detectedAt)
            writer.write(anomaly.updatedAt)
        }
    }

    public mutating func readSnapshot(from reader: inout SnapshotReader) throws(SnapshotError) {
        var restored: [AnomalyKey: Anomaly] = [:]
        for _ in 0..<(try reader.readCount()) {
            let type = try reader.readString()
            let symbol = try reader.readOptional { reader throws(SnapshotError) in try reader.readSymbol() }
            var anomaly = Anomaly(
                type: type, symbol: symbol, severity: Double(bitPattern: UInt64(bitPattern: try reader.readInt64())),
                message: try reader.readString(), metadata: try reader.readString(), at: .min)
            anomaly.detectedAt = try reader.readTimestamp()
            anomaly.updatedAt = try reader.readTimestamp()
            guard restored.updateValue(anomaly, forKey: anomaly.key) == nil else {
                throw reader.error("the anomaly \(type) \(symbol?.name ?? "(market)") appears twice")
            }
        }
        active = restored
    }
}
