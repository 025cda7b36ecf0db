extension AggregatedTrade: ColumnarRecord {

    public static func encode(_ records: [AggregatedTrade]) -> ColumnBatch {
        var symbols = SymbolDictionaryBuilder(capacity: records.count)
        var columns = [[Int64]](repeating: [], count: 8)
        for c in 0..<8 { columns[c].reserveCapacity(records.count) }
        for trade in records {
            symbols.add(trade.symbol)
            columns[0].append(trade.aggregateID)
            columns[1].append(trade.price.mantissa)
            columns[2].append(trade.quantity.mantissa)
            columns[3].append(trade.firstTradeID)
            columns[4].append(trade.lastTradeID)
            columns[5].append(trade.timestamp.nanoseconds)
            columns[6].append(trade.isBuyerMaker ? 1 : 0)
            columns[7].append(trade.isBestMatch ? 1 : 0)
        }
        return ColumnBatch(symbols: symbols.names, symbolIndex: symbols.index, columns: columns)
    }

    public static func decode(_ rows: RowSet, symbol: Symbol) -> [AggregatedTrade] {
        let c = rows.columns
        return (0..<rows.count).map { i in
            AggregatedTrade(
                symbol: symbol, aggregateID: c[0][i], price: Price(mantissa: c[1][i]),
                quantity: Quantity(mantissa: c[2][i]),
                firstTradeID: c[3][i], lastTradeID: c[4][i], timestamp: Timestamp(nanoseconds: c[5][i]),
                isBuyerMaker: c[6][i] != 0, isBestMatch: c[7][i] != 0)
        }
    }

    public static func validate(_ batch: [AggregatedTrade], with rules: ValidationRules, window: ClosedRange<Timestamp>)
        throws
    {
        try validateEach(batch) { try rules.validate($0, window: window) }
    }
}
