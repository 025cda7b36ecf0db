extension Trade: ColumnarRecord {

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
        let n = rows.count
        // Initialised in place: no per-element capacity or uniqueness check.
        return [Trade](unsafeUninitializedCapacity: n) { buffer, initialized in
            rows.columns[0].withUnsafeBufferPointer { ts in
                rows.columns[1].withUnsafeBufferPointer { ids in
                    rows.columns[2].withUnsafeBufferPointer { prices in
                        rows.columns[3].withUnsafeBufferPointer { quantities in
                            rows.columns[4].withUnsafeBufferPointer { makers in
                                let base = buffer.baseAddress!
                                for i in 0..<n {
                                    (base + i).initialize(
                                        to: Trade(
                                            symbol: symbol, timestamp: Timestamp(nanoseconds: ts[i]), tradeID: ids[i],
                                            price: Price(mantissa: prices[i]),
                                            quantity: Quantity(mantissa: quantities[i]),
                                            isBuyerMaker: makers[i] != 0))
                                }
                            }
                        }
                    }
                }
            }
            initialized = n
        }
    }

    public static func validate(_ batch: [Trade], with rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try validateEach(batch) { try rules.validate($0, window: window) }
    }
}
