/// A row of a time-series table: it belongs to one symbol and has one designated timestamp.
///
/// ``Trade``, ``AggregatedTrade`` and ``Quote`` conform. Store backends are generic over it.
public protocol TimeSeriesRecord: Sendable, Hashable, Codable {
    /// The symbol the row belongs to.
    var symbol: Symbol { get }
    /// The row's designated timestamp (event time, UTC).
    var timestamp: Timestamp { get }
    /// The table kind this record lives in (`trades`, `aggtrades`, `quotes`).
    static var kind: RecordKind { get }
}

/// The kinds of time-series tables Strata knows.
public enum RecordKind: String, Sendable, Hashable, CaseIterable, Codable {
    case trades, aggtrades, quotes
}
