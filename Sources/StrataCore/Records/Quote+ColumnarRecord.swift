extension Quote: ColumnarRecord {

    public static func encode(_ records: [Quote]) -> ColumnBatch {
        var symbols = SymbolDictionaryBuilder(capacity: records.count)
        let width = schema.storageColumns.count
        var lanes = [[Int64]](repeating: [], count: width)
        for c in 0..<width { lanes[c].reserveCapacity(records.count) }
        for quote in records {
            symbols.add(quote.symbol)
            lanes[0].append(quote.timestamp.nanoseconds)
            lanes[1].append(Int64(quote.bids.count))
            lanes[2].append(Int64(quote.asks.count))
            for level in 0..<Quote.maximumDepth {
                let bid = level < quote.bids.count ? quote.bids[level] : nil
                let ask = level < quote.asks.count ? quote.asks[level] : nil
                lanes[3 + level * 4].append(bid?.price.mantissa ?? 0)
                lanes[4 + level * 4].append(bid?.size.mantissa ?? 0)
                lanes[5 + level * 4].append(ask?.price.mantissa ?? 0)
                lanes[6 + level * 4].append(ask?.size.mantissa ?? 0)
            }
        }
        return ColumnBatch(symbols: symbols.names, symbolIndex: symbols.index, columns: lanes)
    }

    public static func decode(_ rows: RowSet, symbol: Symbol) -> [Quote] {
        let c = rows.columns
        return (0..<rows.count).map { i in
            let bidLevels = Int(min(max(c[1][i], 0), Int64(maximumDepth)))
            let askLevels = Int(min(max(c[2][i], 0), Int64(maximumDepth)))
            return Quote(
                symbol: symbol, timestamp: Timestamp(nanoseconds: c[0][i]),
                bids: (0..<bidLevels).map {
                    DepthLevel(price: Price(mantissa: c[3 + $0 * 4][i]), size: Quantity(mantissa: c[4 + $0 * 4][i]))
                },
                asks: (0..<askLevels).map {
                    DepthLevel(price: Price(mantissa: c[5 + $0 * 4][i]), size: Quantity(mantissa: c[6 + $0 * 4][i]))
                })
        }
    }

    public static func validate(_ batch: [Quote], with rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try validateEach(batch) { try rules.validate($0, window: window) }
    }
}
