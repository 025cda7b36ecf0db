import StrataCore

/// An aggregate query over one table: functions over the rows of some symbols in a time range,
/// grouped by symbol, by time bucket, by both, or not at all.
///
/// ```swift
/// // Σ qty and the trade count per symbol over a day (the full-scan query).
/// let day = AggregateQuery([.count, .sum("qty")], from: t0, to: t0.advanced(by: 86_400_000_000_000),
///                          grouping: .symbol)
/// // Hourly VWAP of two symbols.
/// let hourly = AggregateQuery([.vwap(price: "price", quantity: "qty")], symbols: ["BTCUSDT", "ETHUSDT"],
///                             from: t0, to: t1, grouping: .symbolAndBucket(width: 3_600_000_000_000))
/// let rows = try await store.trades.aggregate(hourly)
/// ```
public struct AggregateQuery: Sendable, Hashable {
    /// The functions, one value each in every ``AggregateRow``, in this order.
    public var functions: [AggregateFunction]
    /// The symbols to include; `nil` for every symbol of the table.
    public var symbols: [Symbol]?
    /// Inclusive start of the time range.
    public var from: Timestamp
    /// Exclusive end of the time range.
    public var to: Timestamp
    public var grouping: AggregateGrouping

    /// - Parameters:
    ///   - functions: what to compute for each group.
    ///   - symbols: the symbols to include (`nil`: all).
    ///   - from: inclusive start (default: the beginning of time).
    ///   - to: exclusive end (default: the end of time); `from` must not be after `to`.
    ///   - grouping: how rows are grouped (default: one group for everything).
    public init(
        _ functions: [AggregateFunction], symbols: [Symbol]? = nil, from: Timestamp = .min, to: Timestamp = .max,
        grouping: AggregateGrouping = .none
    ) {
        self.functions = functions
        self.symbols = symbols
        self.from = from
        self.to = to
        self.grouping = grouping
    }

    /// The backend seam's form of this query.
    var engineRequest: ColumnAggregate.Request {
        var bySymbol = false
        var width: Int64? = nil
        switch grouping {
        case .none: break
        case .symbol: bySymbol = true
        case .bucket(let w): width = w
        case .symbolAndBucket(let w):
            bySymbol = true
            width = w
        }
        return ColumnAggregate.Request(
            functions: functions.map(\.engineFunction), symbols: symbols?.map(\.name), from: from.nanoseconds,
            to: to.nanoseconds, groupBySymbol: bySymbol, bucketWidth: width)
    }
}

/// One function of an ``AggregateQuery``. Columns are named as in the table (`qty`, `price`…)
/// and must be numeric: int64, int8, decimal or float64.
public enum AggregateFunction: Sendable, Hashable {
    /// Rows in the group (an ``AggregateValue/integer(_:)``).
    case count
    /// Σ column: exact for integer and decimal columns (Int128, never Double), a Double for
    /// float64 columns; absent for no rows.
    case sum(String)
    /// The smallest value (NaN ignored in float64 columns); absent for no rows.
    case min(String)
    /// The largest value (NaN ignored in float64 columns); absent for no rows.
    case max(String)
    /// The value of the oldest row. Rows of equal time: the first stored (as `range` returns
    /// them); between symbols sharing a group, the symbol first by name.
    case first(String)
    /// The value of the newest row. Rows of equal time: the last stored (as `range` returns
    /// them); between symbols sharing a group, the symbol last by name.
    case last(String)
    /// Volume-weighted average price Σ price × quantity / Σ quantity, computed exactly and
    /// rounded half to even at the price column's scale, as ``Bar/vwap`` is; absent when
    /// Σ quantity is zero. Both columns must be integer or decimal.
    case vwap(price: String, quantity: String)

    var engineFunction: ColumnAggregate.Function {
        switch self {
        case .count: .count
        case .sum(let column): .sum(column: column)
        case .min(let column): .min(column: column)
        case .max(let column): .max(column: column)
        case .first(let column): .first(column: column)
        case .last(let column): .last(column: column)
        case .vwap(let price, let quantity): .vwap(price: price, quantity: quantity)
        }
    }
}

/// How an ``AggregateQuery`` groups rows. Buckets are `width` nanoseconds (any positive
/// number: a second, 7 minutes, a day), aligned to the Unix epoch: a row at time `t` falls in
/// the bucket starting at `floor(t / width) × width` (floor, so times before 1970 work too).
public enum AggregateGrouping: Sendable, Hashable {
    /// One group for all rows: the answer is always exactly one row.
    case none
    /// One group per symbol.
    case symbol
    /// One group per time bucket of `width` nanoseconds, all symbols together.
    case bucket(width: Int64)
    /// One group per symbol and time bucket.
    case symbolAndBucket(width: Int64)
}
