public import StrataEngine

extension Trade: EngineRecord {
    public static let columns: [ColumnSpec] = [
        ColumnSpec("ts_ns", .timestamp), ColumnSpec("trade_id", .int64),
        ColumnSpec("price", .decimal(scale: Price.scale)),
        ColumnSpec("qty", .decimal(scale: Quantity.scale)), ColumnSpec("is_buyer_maker", .bool),
    ]
    public static let dedupKey: String? = "trade_id"

    public static func encode(_ records: [Trade]) -> ColumnBatch {
        let n = records.count
        var symbols = SymbolDictionaryBuilder(capacity: n)
        var ts = [Int64](), ids = [Int64](), prices = [Int64](), quantities = [Int64](), makers = [Int64]()
        ts.reserveCapacity(n); ids.reserveCapacity(n); prices.reserveCapacity(n)
        quantities.reserveCapacity(n); makers.reserveCapacity(n)
        for trade in records {
            symbols.add(trade.symbol)
            ts.append(trade.timestamp.nanoseconds)
            ids.append(trade.tradeID)
            prices.append(trade.price.mantissa)
            quantities.append(trade.quantity.mantissa)
            makers.append(trade.isBuyerMaker ? 1 : 0)
        }
        return ColumnBatch(
            symbols: symbols.names, symbolIndex: symbols.index, columns: [ts, ids, prices, quantities, makers])
    }

    public static func decode(_ rows: RowSet, symbol: Symbol) -> [Trade] {
        let c = rows.columns
        return (0..<rows.count).map { i in
            Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: c[0][i]), tradeID: c[1][i],
                price: Price(mantissa: c[2][i]),
                quantity: Quantity(mantissa: c[3][i]), isBuyerMaker: c[4][i] != 0)
        }
    }

    public func validate(with rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try rules.validate(self, window: window)
    }
}
