import StrataEngine

extension StrataStore {
    /// OHLCV bars of `symbol` for buckets of `timeframe` whose start is in `[from, to)`.
    ///
    /// Buckets are aligned to UTC (multiples of the timeframe since the epoch) shifted by
    /// `offset`. Stored timeframes (1m, 5m, 15m, 1h, 1d) are read directly; any other whole-minute
    /// timeframe (3m, 4h, 1w…) is rolled up from the coarsest stored one that divides both it and
    /// the offset. Late trades are included as soon as they are stored.
    ///
    /// ```swift
    /// let bars = try await store.bars(symbol: "BTCUSDT", timeframe: try Timeframe("4h"),
    ///                                  from: dayStart, to: dayStart.advanced(by: 86_400_000_000_000))
    /// ```
    /// - Parameters:
    ///   - offset: shifts bucket boundaries (nanoseconds, a whole number of minutes); for example
    ///     `-5 * 3_600_000_000_000` gives daily bars starting at midnight UTC-5.
    ///   - emptyBuckets: ``EmptyBucketPolicy/omit`` (default) or
    ///     ``EmptyBucketPolicy/carryForward``: flat bars at the previous close with zero volume.
    /// - Throws: ``StrataError`` `.invalidArgument` (offset not whole minutes, aggregates off),
    ///   `.corruptFile` if a partition needed is damaged.
    public func bars(
        symbol: Symbol, timeframe: Timeframe, from: Timestamp, to: Timestamp, offset: Int64 = 0,
        emptyBuckets: EmptyBucketPolicy = .omit
    ) async throws -> [Bar] {
        guard let aggregates = tradeBars else {
            throw StrataError(.invalidArgument, "bars are not maintained: the store was opened with aggregates off")
        }
        let buckets = try BarBuckets(timeframe: timeframe, offset: offset)
        let (width, shift) = (buckets.width, buckets.shift)
        guard let (first, last) = buckets.starts(from: from, to: to) else { return [] }
        let source = aggregates.storedWidths.reversed().first { width % $0 == 0 && shift % $0 == 0 } ?? 60_000_000_000
        let sourceBars = try trades.reading {
            try aggregates.bars(
                symbol: symbol.name, width: source, from: first, to: Self.saturatingAdd(last, width))
        }
        var bars = BarState.rollUp(sourceBars, width: width, offset: shift)
        if emptyBuckets == .carryForward {
            // Flat bars are made up for every bucket: bound them, as the data does not.
            let buckets = (Int128(last) - Int128(first)) / Int128(width) + 1
            guard buckets <= Int128(Self.maximumCarriedBuckets) else {
                throw StrataError(
                    .invalidArgument,
                    "the range spans \(buckets) \(timeframe) buckets; filling empty buckets is limited to \(Self.maximumCarriedBuckets): narrow from/to"
                )
            }
            let previous = try trades.reading {
                try previousClose(before: first, symbol: symbol, bars: aggregates)
            }
            bars = fill(bars, from: first, through: last, width: width, previousClose: previous)
        }
        return bars.map { bar in
            Bar(
                symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: bar.start),
                open: Price(mantissa: bar.open), high: Price(mantissa: bar.high), low: Price(mantissa: bar.low),
                close: Price(mantissa: bar.close), volume: Volume(mantissa: bar.volume),
                notional: Notional(mantissa: bar.notional), tradeCount: Int(bar.count))
        }
    }

    /// Bid and ask OHLC of the best quotes of `symbol`, per bucket starting in `[from, to)`.
    ///
    /// Computed from the stored quotes when asked (quotes are not aggregated on the write path).
    public func quoteBars(symbol: Symbol, timeframe: Timeframe, from: Timestamp, to: Timestamp) async throws
        -> [QuoteBar]
    {
        let buckets = try BarBuckets(timeframe: timeframe)
        let width = buckets.width
        guard let (first, last) = buckets.starts(from: from, to: to) else { return [] }
        let quotes = try await self.quotes.range(
            symbol: symbol, from: Timestamp(nanoseconds: first),
            to: Timestamp(nanoseconds: Self.saturatingAdd(last, width)))
        var bars: [QuoteBar] = []
        for quote in quotes {
            let start = BarState.floorDiv(quote.timestamp.nanoseconds, width) * width
            if bars.last?.start.nanoseconds != start {
                bars.append(
                    QuoteBar(
                        symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: start), bid: nil, ask: nil,
                        quoteCount: 0))
            }
            var bar = bars[bars.count - 1]
            bar.quoteCount += 1
            if let bid = quote.bestBid?.price {
                if bar.bid == nil {
                    bar.bid = PriceOHLC(open: bid, high: bid, low: bid, close: bid)
                } else {
                    bar.bid!.add(bid)
                }
            }
            if let ask = quote.bestAsk?.price {
                if bar.ask == nil {
                    bar.ask = PriceOHLC(open: ask, high: ask, low: ask, close: ask)
                } else {
                    bar.ask!.add(ask)
                }
            }
            bars[bars.count - 1] = bar
        }
        return bars
    }

    /// Most buckets a ``EmptyBucketPolicy/carryForward`` answer may make up (a year of minutes).
    public static let maximumCarriedBuckets = 527_040

    static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    /// The close of the last trade before `time`, looking back at most 31 days.
    private func previousClose(before time: Int64, symbol: Symbol, bars aggregates: any ContinuousBarSource) throws
        -> Int64?
    {
        let day: Int64 = 86_400_000_000_000
        let width = aggregates.storedWidths.last { day % $0 == 0 } ?? 60_000_000_000
        var end = time
        for _ in 0..<31 {
            // The day before `end`; none exists below the earliest representable day.
            guard let start = Int64(exactly: BarBuckets.floorMultiple(Int128(end) - 1, of: Int128(day))) else {
                return nil
            }
            let found = try aggregates.bars(
                symbol: symbol.name, width: width, from: start, to: end)
            if let last = found.last(where: { !$0.isEmpty }) {
                // The stored bar may end after `time`; recompute its close from the finest bars if so.
                if Self.saturatingAdd(last.start, width) <= time { return last.close }
                let fine = try aggregates.bars(
                    symbol: symbol.name, width: 60_000_000_000, from: last.start, to: time)
                if let close = fine.last?.close { return close }
            }
            end = start
        }
        return nil
    }

    /// Inserts flat, empty bars for missing buckets in `[first, last]`.
    private func fill(_ bars: [BarState], from first: Int64, through last: Int64, width: Int64, previousClose: Int64?)
        -> [BarState]
    {
        var out: [BarState] = []
        var close = previousClose
        var index = 0
        var bucket = first
        while bucket <= last {
            if index < bars.count && bars[index].start == bucket {
                out.append(bars[index])
                close = bars[index].close
                index += 1
            } else if let close {
                var flat = BarState(start: bucket)
                flat.open = close
                flat.high = close
                flat.low = close
                flat.close = close
                out.append(flat)
            }
            let (next, overflow) = bucket.addingReportingOverflow(width)
            if overflow { break }
            bucket = next
        }
        return out
    }
}
