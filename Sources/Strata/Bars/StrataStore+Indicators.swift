/// The bars of a window with indicators beside them (``StrataStore/indicators(_:symbol:timeframe:from:to:offset:)``).
public struct IndicatorAnswer: Sendable {
    /// One indicator output: its name (``Indicator/columns``) and a value per bar of ``bars``.
    public struct Column: Sendable, Hashable {
        public var name: String
        /// nil where the indicator is not defined yet (too few bars before it).
        public var values: [IndicatorValue?]
    }

    /// The bars of `[from, to)`, oldest first.
    public var bars: [Bar]
    public var indicators: [Indicator]
    /// Every indicator's columns, in the order asked.
    public var columns: [Column]
    /// Bars read before `from` to warm the indicators up (fewer than asked when no more exist).
    public var warmUpBars: Int
}

extension StrataStore {
    /// Bars of `symbol` whose start is in `[from, to)`, each with the values of `indicators`
    /// (``Indicator``: SMA, EMA, RSI, MACD, Bollinger, ATR, VWAP), computed on query over any
    /// timeframe the bars have.
    ///
    /// Before the window, up to the largest ``Indicator/warmUpBars`` bars are read (or every
    /// earlier bar when fewer exist, looking back up to 128 times the span they would cover when
    /// the symbol is sparse), so that the values at `from` are those of the whole history to
    /// the declared precision. Empty buckets are omitted, as ``bars(symbol:timeframe:from:to:offset:emptyBuckets:)``
    /// does by default.
    ///
    /// ```swift
    /// let answer = try await store.indicators(
    ///     try Indicator.list("ema(9),rsi,macd"), symbol: "BTCUSDT", timeframe: .oneMinute, from: start, to: end)
    /// answer.columns.first { $0.name == "rsi_14" }?.values.last
    /// ```
    /// - Throws: what ``bars(symbol:timeframe:from:to:offset:emptyBuckets:)`` throws;
    ///   ``StrataError`` `.overflow` when a value leaves the range of a price.
    public func indicators(
        _ indicators: [Indicator], symbol: Symbol, timeframe: Timeframe, from: Timestamp, to: Timestamp,
        offset: Int64 = 0
    ) async throws -> IndicatorAnswer {
        let window = try await bars(symbol: symbol, timeframe: timeframe, from: from, to: to, offset: offset)
        let wanted = indicators.map(\.warmUpBars).max() ?? 0
        var warmUp: [Bar] = []
        if wanted > 0 && !window.isEmpty {
            var span = Int128(wanted) * Int128(timeframe.nanoseconds)
            for _ in 0..<8 {
                let start = Int64(clamping: Int128(from.nanoseconds) - span)
                warmUp = try await bars(
                    symbol: symbol, timeframe: timeframe, from: Timestamp(nanoseconds: start), to: from, offset: offset)
                if warmUp.count >= wanted || start == .min { break }
                span *= 2
            }
            warmUp = Array(warmUp.suffix(wanted))
        }
        let all = warmUp + window
        var columns: [IndicatorAnswer.Column] = []
        for indicator in indicators {
            let values = try IndicatorSeries.compute(indicator, over: all, anchor: warmUp.count)
            for (name, column) in zip(indicator.columns, values) {
                columns.append(IndicatorAnswer.Column(name: name, values: Array(column[warmUp.count...])))
            }
        }
        return IndicatorAnswer(bars: window, indicators: indicators, columns: columns, warmUpBars: warmUp.count)
    }
}

extension ColumnarBatch {
    /// The bars' columns (``ColumnarBatch/init(bars:)``), then one decimal column per indicator
    /// output at ``IndicatorValue/scale``, absent where it is not defined yet.
    public init(_ answer: IndicatorAnswer) {
        self.init(bars: answer.bars)
        for column in answer.columns {
            columns.append(
                ColumnarColumn(
                    name: column.name,
                    values: .decimals(column.values.map { $0?.mantissa ?? 0 }, scale: IndicatorValue.scale),
                    present: column.values.contains(nil) ? column.values.map { $0 != nil } : nil))
        }
    }
}
