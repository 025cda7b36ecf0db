/// A row of a time-series table: it belongs to one symbol and has one designated timestamp.
///
/// ``Trade``, ``AggregatedTrade`` and ``Quote`` conform. Store backends are generic over it.
public protocol TimeSeriesRecord: Sendable, Hashable, Codable {
    /// The symbol the row belongs to.
    var symbol: Symbol { get }
    /// The row's designated timestamp (event time, UTC).
    var timestamp: Timestamp { get }
    /// The table this record lives in, described once (its columns, key and rules).
    static var schema: RecordSchema { get }
}

extension TimeSeriesRecord {
    /// The table kind this record lives in (`trades`, `aggtrades`, `quotes`): the schema's name.
    public static var kind: RecordKind { RecordKind(rawValue: schema.name)! }
}

/// The kinds of time-series tables Strata knows.
public enum RecordKind: String, Sendable, Hashable, CaseIterable, Codable {
    case trades, aggtrades, quotes
}
