extension ColumnarBatch {
    /// Bars as columns, named and ordered as the API's bar objects: `symbol`, `timeframe`, `ts_ns`
    /// (the bucket's start), `open`, `high`, `low`, `close` (at ``Price/scale``), `volume`,
    /// `notional` (exact sums), `vwap` (absent for a bar without volume), `trades`.
    public init(bars: [Bar]) {
        var columns = Self.bucketColumns(bars.map { ($0.symbol, $0.timeframe, $0.start) })
        func price(_ name: String, _ value: (Bar) -> Price) -> ColumnarColumn {
            ColumnarColumn(name: name, values: .decimals(bars.map { value($0).mantissa }, scale: Price.scale))
        }
        columns += [
            price("open", \.open), price("high", \.high), price("low", \.low), price("close", \.close),
            ColumnarColumn(name: "volume", values: .wideDecimals(bars.map(\.volume.mantissa), scale: Quantity.scale)),
            ColumnarColumn(
                name: "notional", values: .wideDecimals(bars.map(\.notional.mantissa), scale: Notional.scale)),
        ]
        let vwaps = bars.map(\.vwap)
        columns.append(
            ColumnarColumn(
                name: "vwap", values: .decimals(vwaps.map { $0?.mantissa ?? 0 }, scale: Price.scale),
                present: vwaps.contains(nil) ? vwaps.map { $0 != nil } : nil))
        columns.append(ColumnarColumn(name: "trades", values: .int64(bars.map { Int64($0.tradeCount) })))
        self.init(count: bars.count, columns: columns)
    }

    /// Quote bars as columns: `symbol`, `timeframe`, `ts_ns`, `bid_open`…`bid_close`,
    /// `ask_open`…`ask_close` (absent when no quote of the bucket had that side), `quotes`.
    public init(quoteBars bars: [QuoteBar]) {
        var columns = Self.bucketColumns(bars.map { ($0.symbol, $0.timeframe, $0.start) })
        for (side, ohlc) in [("bid", bars.map(\.bid)), ("ask", bars.map(\.ask))] {
            let present = ohlc.contains(nil) ? ohlc.map { $0 != nil } : nil
            for (name, value) in [("open", \PriceOHLC.open), ("high", \.high), ("low", \.low), ("close", \.close)] {
                columns.append(
                    ColumnarColumn(
                        name: "\(side)_\(name)",
                        values: .decimals(ohlc.map { $0?[keyPath: value].mantissa ?? 0 }, scale: Price.scale),
                        present: present))
            }
        }
        columns.append(ColumnarColumn(name: "quotes", values: .int64(bars.map { Int64($0.quoteCount) })))
        self.init(count: bars.count, columns: columns)
    }

    /// `symbol` and `timeframe` (dictionaries) and `ts_ns`, the buckets' starts.
    private static func bucketColumns(_ buckets: [(Symbol, Timeframe, Timestamp)]) -> [ColumnarColumn] {
        [
            .dictionary("symbol", buckets.map(\.0.name)), .dictionary("timeframe", buckets.map(\.1.description)),
            ColumnarColumn(name: "ts_ns", values: .timestamps(buckets.map(\.2.nanoseconds))),
        ]
    }
}

extension ColumnarColumn {
    /// Strings as a dictionary column.
    public static func dictionary(_ name: String, _ strings: [String]) -> ColumnarColumn {
        var index: [String: Int32] = [:]
        var values = StringColumn()
        var indices: [Int32] = []
        indices.reserveCapacity(strings.count)
        for string in strings {
            if let known = index[string] {
                indices.append(known)
            } else {
                let next = Int32(index.count)
                index[string] = next
                values.append(string)
                indices.append(next)
            }
        }
        return ColumnarColumn(name: name, values: .dictionary(indices: indices, values: values))
    }
}
