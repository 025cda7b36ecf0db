/// The built-in tables, described as any user-defined table is.
///
/// Column order is storage order: tables written before the catalog existed keep reading. Where
/// the files know a column by an older name, ``SchemaColumn/storedAs`` says so, and the one name
/// used everywhere else is the API's.
extension RecordSchema {
    /// The bounds every price and quantity obeys: a price is positive, a quantity not negative.
    static let positive = ColumnRules(minimum: ColumnRules.Bound(mantissa: 0, inclusive: false))
    static let notNegative = ColumnRules(minimum: ColumnRules.Bound(mantissa: 0))
    /// A trade's side as a word: `buy` (the buyer took, so the seller made) or `sell` (the
    /// buyer made), for is_buyer_maker.
    static let side = ColumnInput(words: ColumnWords("side", ["buy": 0, "sell": 1]))

    /// Trades: `ts_ns, symbol, trade_id, price, qty, is_buyer_maker`; a re-sent trade id is a
    /// duplicate (keep-first).
    public static let trades = RecordSchema(
        unchecked: "trades",
        columns: [
            SchemaColumn("ts_ns", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("trade_id", .int64),
            SchemaColumn("price", .decimal(scale: Price.scale), rules: positive),
            SchemaColumn(
                "qty", .decimal(scale: Quantity.scale), aliases: ["quantity", "amount"], rules: notNegative),
            SchemaColumn("is_buyer_maker", .bool, input: side),
        ],
        timestamp: "ts_ns", key: RecordKey("trade_id"))

    /// Aggregated trades (Binance's aggTrades): one row per run of fills at one price.
    public static let aggregatedTrades = RecordSchema(
        unchecked: "aggtrades", aliases: ["agg_trades"],
        columns: [
            SchemaColumn("agg_trade_id", .int64), SchemaColumn("symbol", .symbol),
            SchemaColumn("price", .decimal(scale: Price.scale), rules: positive),
            SchemaColumn(
                "qty", .decimal(scale: Quantity.scale), aliases: ["quantity", "amount"], rules: notNegative,
                storedAs: "quantity"),
            SchemaColumn("first_trade_id", .int64), SchemaColumn("last_trade_id", .int64),
            SchemaColumn("ts_ns", .timestamp, aliases: ["transact_time"], storedAs: "transact_time"),
            SchemaColumn("is_buyer_maker", .bool, input: side),
            SchemaColumn("is_best_match", .bool, input: ColumnInput(defaultLane: 1)),
        ],
        timestamp: "ts_ns", key: RecordKey("agg_trade_id"),
        rowRules: [.notGreater("first_trade_id", than: "last_trade_id")])

    /// Quotes with up to ``Quote/maximumDepth`` levels a side: the level counts, then per level
    /// `bid_px_k, bid_sz_k, ask_px_k, ask_sz_k` (absent past a side's depth), shown as the book
    /// sides `bids` and `asks`; a quote has at least one level.
    public static let quotes: RecordSchema = {
        let depth = ColumnRules(
            minimum: ColumnRules.Bound(mantissa: 0), maximum: ColumnRules.Bound(mantissa: Int64(Quote.maximumDepth)))
        var columns = [
            SchemaColumn("ts_ns", .timestamp), SchemaColumn("symbol", .symbol),
            SchemaColumn("bid_levels", .int8, rules: depth), SchemaColumn("ask_levels", .int8, rules: depth),
        ]
        let price = ColumnRules(required: false, minimum: ColumnRules.Bound(mantissa: 0, inclusive: false))
        let size = ColumnRules(required: false, minimum: ColumnRules.Bound(mantissa: 0))
        for level in 0..<Quote.maximumDepth {
            for side in ["bid", "ask"] {
                columns.append(SchemaColumn("\(side)_px_\(level)", .decimal(scale: Price.scale), rules: price))
                columns.append(SchemaColumn("\(side)_sz_\(level)", .decimal(scale: Quantity.scale), rules: size))
            }
        }
        return RecordSchema(
            unchecked: "quotes", columns: columns, timestamp: "ts_ns",
            bookSides: ["bid", "ask"].map { BookSide.numbered($0, depth: Quote.maximumDepth) },
            rowRules: [.anyPresent(["bid_px_0", "ask_px_0"], field: "quote", detail: "no bid and no ask")])
    }()

    /// The typed record of every built-in table, in the order the store lists them: the one list
    /// of built-in kinds. Code that serves each built-in table iterates it and opens a generic
    /// function on each metatype (`func serve<R: ColumnarRecord>(_: R.Type)`), so that a new
    /// built-in kind (its schema, its record and its ``ColumnarRecord`` conformance) is served
    /// without naming it again.
    public static let builtInRecords: [any ColumnarRecord.Type] = [Trade.self, AggregatedTrade.self, Quote.self]

    /// Every built-in table, in the order the store lists them (the schemas of ``builtInRecords``).
    public static let builtIn: [RecordSchema] = builtInRecords.map { $0.schema }
}
