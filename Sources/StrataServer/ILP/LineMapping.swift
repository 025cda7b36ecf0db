public import Strata
public import StrataLineProtocol

/// How ILP lines become rows of Strata's tables (documented in `Docs/Server.md`).
///
/// | measurement | tags | fields |
/// |---|---|---|
/// | `trades` | `symbol` | `price`, `qty` (or `amount`/`quantity`), `trade_id`, `side` (`buy`/`sell`) or `is_buyer_maker` |
/// | `aggtrades` | `symbol` | `agg_trade_id`, `price`, `qty`, `first_trade_id`, `last_trade_id`, `is_buyer_maker`, `is_best_match` (default true) |
/// | `quotes` | `symbol` | `bid_px_N`, `bid_sz_N`, `ask_px_N`, `ask_sz_N` for N in 0...4 |
///
/// The line's timestamp is the row's time (`transact_time` for aggregated trades). Prices and
/// quantities are read exactly from the field's text into ``Price``/``Quantity``, never through
/// `Double`; `NaN` and infinities are refused naming the field. The binary values of ILP v2 and
/// v3 take the same path: the parser gives a binary decimal (v3) its exact text and a binary
/// float64 (v2) its shortest round-trip text, the text a v1 client sends for that `Double`, so
/// a decimal is rescaled exactly into the column's scale (trailing zeros beyond it are fine), and
/// one with a non-zero digit beyond the scale or too large is refused naming the field and value. Unknown measurements, tags and
/// fields are refused, so a typo is a 400, not a silently dropped column. More measurements,
/// with their own tag and field names, are declared in the configuration
/// (``DeclaredMeasurement``, `ilp.measurements`).
public struct LineMapping: Sendable {
    /// The rows of one request (or one stretch of a TCP stream), by table, each with the line it
    /// came from (lines increase within each table).
    public struct Rows: Sendable {
        public var trades: [Trade] = []
        public var tradeLines: [Int] = []
        public var aggregatedTrades: [AggregatedTrade] = []
        public var aggregatedTradeLines: [Int] = []
        public var quotes: [Quote] = []
        public var quoteLines: [Int] = []
        /// Rows of user-defined tables, by table name, each with its line.
        public var user: [String: (rows: [Row], lines: [Int])] = [:]

        public init() {}

        public var count: Int {
            trades.count + aggregatedTrades.count + quotes.count + user.values.reduce(0) { $0 + $1.rows.count }
        }
        public var isEmpty: Bool { count == 0 }

        /// How many rows each table has: where the rows added later start.
        struct Marks {
            var trades = 0
            var aggregatedTrades = 0
            var quotes = 0
            var user: [String: Int] = [:]
        }

        var marks: Marks {
            Marks(
                trades: trades.count, aggregatedTrades: aggregatedTrades.count, quotes: quotes.count,
                user: user.mapValues(\.rows.count))
        }

        /// Drops the rows of `line` and later lines.
        mutating func keepLines(before line: Int) {
            func cut<R>(_ rows: inout [R], _ lines: inout [Int]) {
                let end = lines.firstIndex { $0 >= line } ?? lines.count
                rows.removeSubrange(end...)
                lines.removeSubrange(end...)
            }
            cut(&trades, &tradeLines)
            cut(&aggregatedTrades, &aggregatedTradeLines)
            cut(&quotes, &quoteLines)
            for name in user.keys {
                var entry = user[name]!
                cut(&entry.rows, &entry.lines)
                user[name] = entry
            }
        }
    }

    /// The measurements this mapping knows.
    public static let measurements = ["trades", "aggtrades", "quotes"]

    /// Measurements declared in the configuration, with their renames.
    let declared: [Renames]
    /// User-defined tables, whose lines map by their schemas (see `LineMapping+UserTables`).
    let userTables: [RecordSchema]

    /// - Parameters:
    ///   - declared: measurements declared in the configuration (``DeclaredMeasurement``).
    ///   - userTables: the store's user-defined tables.
    public init(declared: [DeclaredMeasurement] = [], userTables: [RecordSchema] = []) {
        self.declared = declared.map(Renames.init)
        self.userTables = userTables
    }

    /// The longest measurement, tag or field name (UTF-8 bytes) a line may need: table and
    /// column names are identifiers of at most 64 bytes; declared measurements and their
    /// renamed names may be longer. QuestDB's clients refuse longer names themselves
    /// (`/settings`, ``SettingsRoute``).
    public var longestName: Int {
        var longest = 64
        for renames in declared {
            longest = max(longest, renames.measurement.utf8.count, renames.symbolTag.utf8.count)
            longest = max(longest, renames.sideTag.utf8.count)
            for field in renames.fieldCodes { longest = max(longest, field.name.count) }
        }
        return longest
    }

    /// Converts every point, or throws for the first that does not map.
    /// - Throws: ``WriteError`` (400) naming the line and the field.
    public func rows(_ batch: LineProtocol.Batch) throws(WriteError) -> Rows {
        var rows = Rows()
        try map(batch, into: &rows)
        return rows
    }

    /// Appends the rows of `batch`'s points to `rows`, in order, up to the first point that does
    /// not map: on a throw, `rows` holds every point before it (what a TCP stream keeps).
    /// - Throws: ``WriteError`` (400) naming the line and the field.
    public func map(_ batch: LineProtocol.Batch, into rows: inout Rows) throws(WriteError) {
        for point in batch {
            if point.hasMeasurement("trades") {
                rows.trades.append(try trade(point))
                rows.tradeLines.append(point.line)
            } else if point.hasMeasurement("aggtrades") {
                rows.aggregatedTrades.append(try aggregatedTrade(point))
                rows.aggregatedTradeLines.append(point.line)
            } else if point.hasMeasurement("quotes") {
                rows.quotes.append(try quote(point))
                rows.quoteLines.append(point.line)
            } else if let renames = declared.first(where: { point.hasMeasurement($0.measurement) }) {
                switch renames.table {
                case .trades:
                    rows.trades.append(try trade(point, renames: renames))
                    rows.tradeLines.append(point.line)
                case .aggtrades:
                    rows.aggregatedTrades.append(try aggregatedTrade(point, renames: renames))
                    rows.aggregatedTradeLines.append(point.line)
                case .quotes:
                    rows.quotes.append(try quote(point, renames: renames))
                    rows.quoteLines.append(point.line)
                }
            } else if let schema = userTables.first(where: { schema in
                schema.names.contains { point.hasMeasurement($0) }
            }) {
                let row = try userRow(point, schema: schema)
                rows.user[schema.name, default: ([], [])].rows.append(row)
                rows.user[schema.name]!.lines.append(point.line)
            } else {
                let known = Self.measurements + declared.map(\.measurement) + userTables.flatMap(\.names)
                throw WriteError(
                    code: "unknownMeasurement",
                    message: "unknown measurement '\(point.measurement)' (known: \(known.joined(separator: ", ")))",
                    line: point.line)
            }
        }
    }

    func trade(_ point: LineProtocol.Point, renames: Renames? = nil) throws(WriteError) -> Trade {
        var reader = PointReader(point: point, renames: renames)
        let symbol = try reader.symbol()
        let price: Price = try reader.decimal(.price)
        let quantity: Quantity = try reader.decimal(FieldKey.tradeQuantity)
        let tradeID = try reader.integer(.tradeID)
        let isBuyerMaker = try reader.buyerMaker()
        try reader.finish()
        return Trade(
            symbol: symbol, timestamp: Timestamp(nanoseconds: point.timestamp), tradeID: tradeID, price: price,
            quantity: quantity, isBuyerMaker: isBuyerMaker)
    }

    func aggregatedTrade(_ point: LineProtocol.Point, renames: Renames? = nil) throws(WriteError) -> AggregatedTrade {
        var reader = PointReader(point: point, renames: renames)
        let symbol = try reader.symbol()
        let aggregateID = try reader.integer(.aggTradeID)
        let price: Price = try reader.decimal(.price)
        let quantity: Quantity = try reader.decimal(FieldKey.aggregatedQuantity)
        let first = try reader.integer(.firstTradeID)
        let last = try reader.integer(.lastTradeID)
        let isBuyerMaker = try reader.buyerMaker()
        let isBestMatch = try reader.optionalBool(.isBestMatch) ?? true
        try reader.finish()
        return AggregatedTrade(
            symbol: symbol, aggregateID: aggregateID, price: price, quantity: quantity, firstTradeID: first,
            lastTradeID: last, timestamp: Timestamp(nanoseconds: point.timestamp), isBuyerMaker: isBuyerMaker,
            isBestMatch: isBestMatch)
    }

    func quote(_ point: LineProtocol.Point, renames: Renames? = nil) throws(WriteError) -> Quote {
        var reader = PointReader(point: point, renames: renames)
        let symbol = try reader.symbol()
        func side(_ name: String) throws(WriteError) -> [DepthLevel] {
            var levels: [DepthLevel] = []
            let (prices, sizes) =
                name == "bid" ? (FieldKey.bidPrices, FieldKey.bidSizes) : (FieldKey.askPrices, FieldKey.askSizes)
            for level in 0..<Quote.maximumDepth {
                let price: Price? = try reader.optionalDecimal(prices[level])
                let size: Quantity? = try reader.optionalDecimal(sizes[level])
                switch (price, size) {
                case (nil, nil): continue
                case (let price?, let size?):
                    guard levels.count == level else {
                        throw WriteError(
                            code: "missingField",
                            message: "\(name)_px_\(levels.count): levels must start at 0 without gaps",
                            line: point.line)
                    }
                    levels.append(DepthLevel(price: price, size: size))
                case (nil, _):
                    throw WriteError(
                        code: "missingField", message: "\(name)_px_\(level): a size needs its price", line: point.line)
                case (_, nil):
                    throw WriteError(
                        code: "missingField", message: "\(name)_sz_\(level): a price needs its size", line: point.line)
                }
            }
            return levels
        }
        let bids = try side("bid")
        let asks = try side("ask")
        try reader.finish()
        return Quote(symbol: symbol, timestamp: Timestamp(nanoseconds: point.timestamp), bids: bids, asks: asks)
    }
}
