/// Aggregates over a table's columns, as every backend answers them (the embedded engine from its
/// lanes and block statistics; a SQL backend with `GROUP BY`).
public enum ColumnAggregate {
    /// One aggregate function of an ``Request``, over the rows of a group.
    ///
    /// Columns are named as in the table's schema and must be numeric (`int64`, `int8`,
    /// `decimal`, `float64`); ``count`` needs none.
    public enum Function: Sendable, Hashable {
        /// Rows in the group.
        case count
        /// Σ column: exact (Int128 over lanes) for integers and decimals, Double for float64.
        case sum(column: String)
        /// The smallest value (float64: NaN ignored).
        case min(column: String)
        /// The largest value (float64: NaN ignored).
        case max(column: String)
        /// The value of the oldest row. Among rows of equal time, the first one `range` returns
        /// (storage order); between symbols sharing a group, the symbol first by name.
        case first(column: String)
        /// The value of the newest row. Among rows of equal time, the last one `range` returns
        /// (storage order); between symbols sharing a group, the symbol last by name.
        case last(column: String)
        /// Σ price × quantity / Σ quantity at the price's scale, rounded half to even as
        /// `Bar.vwap` is; absent when Σ quantity is zero. Both columns integer or decimal.
        case vwap(price: String, quantity: String)
    }

    /// What to aggregate: functions over the rows of some symbols in `[from, to)`, grouped by
    /// symbol, by epoch-aligned time bucket, by both, or not at all.
    ///
    /// ```swift
    /// let request = ColumnAggregate.Request(
    ///     functions: [.count, .sum(column: "qty")], from: .min, to: .max, groupBySymbol: true)
    /// let rows = try table.aggregate(request)
    /// ```
    public struct Request: Sendable, Hashable {
        public var functions: [Function]
        /// The symbols to include; `nil` for all.
        public var symbols: [String]?
        /// Inclusive start, nanoseconds.
        public var from: Int64
        /// Exclusive end, nanoseconds.
        public var to: Int64
        /// One group per symbol.
        public var groupBySymbol: Bool
        /// One group per bucket of this many nanoseconds (aligned to the epoch; `nil`: no buckets).
        public var bucketWidth: Int64?

        public init(
            functions: [Function], symbols: [String]? = nil, from: Int64, to: Int64,
            groupBySymbol: Bool = false, bucketWidth: Int64? = nil
        ) {
            self.functions = functions
            self.symbols = symbols
            self.from = from
            self.to = to
            self.groupBySymbol = groupBySymbol
            self.bucketWidth = bucketWidth
        }
    }

    /// One result of an aggregate function, typed by its column.
    public enum Value: Sendable, Hashable {
        /// A count, or a value of an integer column (`int64`, `int8`).
        case integer(Int128)
        /// An exact decimal: `mantissa / 10^scale`.
        case decimal(mantissa: Int128, scale: Int)
        /// A value of a float64 column (never money).
        case float(Double)
        /// No value: min, max, first, last, sum or VWAP of no rows, VWAP of zero quantity.
        case absent
    }

    /// One group of an aggregate's answer.
    public struct Row: Sendable, Hashable {
        /// The group's symbol when grouped by symbol.
        public var symbol: String?
        /// The group's bucket start (nanoseconds) when grouped by time.
        public var bucketStart: Int64?
        /// One value per requested function, in request order.
        public var values: [Value]

        public init(symbol: String?, bucketStart: Int64?, values: [Value]) {
            self.symbol = symbol
            self.bucketStart = bucketStart
            self.values = values
        }
    }
}
