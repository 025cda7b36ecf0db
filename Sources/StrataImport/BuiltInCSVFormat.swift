public import Strata

/// A built-in table's own file layout, read with or without a header (Binance's, for the market
/// data tables): a table without one is read by its header alone (``SchemaCSVFormat``), so a new
/// built-in table needs nothing here unless files come in a layout of their own.
public protocol BuiltInCSVFormat: CSVRecordFormat where Record: ColumnarRecord {
    /// Whether files of this layout may lack a symbol column, which `--symbol` or the file's
    /// name then gives (``symbol(fromFileName:)``).
    static var takesSymbol: Bool { get }
    /// The layout; `symbol` is the symbol of rows without one (when ``takesSymbol``).
    init(symbol: Symbol?)
    /// The symbol a file's name gives, if any.
    static func symbol(fromFileName path: String) -> Symbol?
    /// The layout in a few lines of `strata ingest --help`, each indented by two spaces.
    static var layoutHelp: String { get }
}

extension BuiltInCSVFormat {
    public static var takesSymbol: Bool { false }
    public static func symbol(fromFileName path: String) -> Symbol? { nil }
}

/// The built-in tables' own layouts: what `strata ingest` reads a file of one of these tables
/// with (any other table is read by its header).
public let builtInCSVFormats: [any BuiltInCSVFormat.Type] = [
    TradeCSVFormat.self, AggregatedTradeCSVFormat.self, QuoteCSVFormat.self,
]

/// The layout of the table `schema`, if it has one of its own.
public func builtInCSVFormat(for schema: RecordSchema) -> (any BuiltInCSVFormat.Type)? {
    func reads<F: BuiltInCSVFormat>(_ format: F.Type) -> Bool { F.Record.schema == schema }
    return builtInCSVFormats.first { reads($0) }
}

extension TradeCSVFormat: BuiltInCSVFormat {
    public init(symbol: Symbol?) { self.init() }

    public static var layoutHelp: String { "  trades:    ts_ns,symbol,trade_id,price,qty,is_buyer_maker" }
}

extension QuoteCSVFormat: BuiltInCSVFormat {
    public init(symbol: Symbol?) { self.init() }

    public static var layoutHelp: String {
        """
          quotes:    ts_ns,symbol,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0
                     [,bid_px_1,… up to level 4]. An empty price,size pair
                     means no level on that side.
        """
    }
}

extension AggregatedTradeCSVFormat: BuiltInCSVFormat {
    public static var takesSymbol: Bool { true }

    public static var layoutHelp: String {
        """
          aggtrades: Binance aggTrades, agg_trade_id,price,quantity,
                     first_trade_id,last_trade_id,transact_time,
                     is_buyer_maker[,is_best_match]. The symbol comes from
                     --symbol or a file name like
                     BTCUSDT-aggTrades-2024-01-01.csv. transact_time is
                     epoch ms, or µs when >= 10^15 (Binance spot, 2025 on).
        """
    }
}
