public import StrataCore

extension ClickHouseTier {
    /// OHLCV bars of `symbol` from ClickHouse's views, for buckets of `timeframe` whose start is
    /// in `[from, to)` — the same answer as `StrataStore.bars(symbol:timeframe:from:to:offset:)`
    /// for the rows ClickHouse holds.
    ///
    /// A kept timeframe is read from its target; any other whole-minute one (3m, 4h, 1w…) is
    /// rolled up in ClickHouse from the coarsest kept one that divides it and the offset (the
    /// aggregate states merge: `argMinMerge` of finer buckets is the coarser bucket's open).
    /// Decimals come back as exact text and are parsed at their scale: never a float.
    ///
    /// ```swift
    /// let bars = try await tier.bars(symbol: "BTCUSDT", timeframe: .fiveMinutes, from: t0, to: t1)
    /// ```
    /// - Parameters:
    ///   - offset: shifts bucket boundaries (nanoseconds, whole minutes), as the store's.
    ///   - emptyBuckets: ``EmptyBucketPolicy/omit`` (default) or ``EmptyBucketPolicy/carryForward``:
    ///     flat bars at the previous close (looked up to 31 days back) with zero volume, as the store's.
    /// - Throws: ``StrataError`` `.invalidArgument` (a table without bars, an offset not in
    ///   whole minutes, a timeframe no kept one divides), ``ClickHouseError`` from ClickHouse.
    public func bars(
        table: String = "trades", symbol: Symbol, timeframe: Timeframe, from: Timestamp, to: Timestamp,
        offset: Int64 = 0, emptyBuckets: EmptyBucketPolicy = .omit
    ) async throws -> [Bar] {
        let prepared: Prepared
        do { prepared = try await preparedTable(table) } catch {
            throw StrataError(.invalidArgument, "clickhouse tier: \(error)")
        }
        guard let views = prepared.views else {
            throw StrataError(.invalidArgument, "clickhouse tier: table \(table) has no bars")
        }
        let grid = try BarBuckets(timeframe: timeframe, offset: offset)
        let (width, shift) = (grid.width, grid.shift)
        guard let (first, last) = grid.starts(from: from, to: to) else { return [] }
        guard let source = views.source(for: timeframe, shift: shift) else {
            throw StrataError(
                .invalidArgument,
                "clickhouse tier: no kept timeframe (\(views.timeframes.map(\.description).joined(separator: ", "))) divides \(timeframe) with offset \(offset)"
            )
        }
        let (end, overflow) = last.addingReportingOverflow(width)
        let upper = overflow ? "" : " AND start < \(end)"
        let w = "toInt64(\(width))"
        let query = """
            SELECT start - (((start - \(shift)) % \(w)) + \(w)) % \(w) AS bucket, argMinMerge(open), maxMerge(high), \
            minMerge(low), argMaxMerge(close), sumMerge(volume), sumMerge(notional), countMerge(trades) \
            FROM \(views.qualified(database, views.targetName(source))) \
            WHERE symbol = \(ClickHouseSQL.quote(string: symbol.name)) AND start >= \(first)\(upper) \
            GROUP BY bucket ORDER BY bucket
            """
        let bars = try await client.rows(query).map { row throws(ClickHouseError) -> Bar in
            func bad() -> ClickHouseError {
                ClickHouseError(.badResponse, "unexpected bar row \(row)", statement: query)
            }
            guard row.count == 8, let start = Int64(row[0]),
                let open = ExactDecimal.parse(row[1], scale: Price.scale).flatMap(Int64.init(exactly:)),
                let high = ExactDecimal.parse(row[2], scale: Price.scale).flatMap(Int64.init(exactly:)),
                let low = ExactDecimal.parse(row[3], scale: Price.scale).flatMap(Int64.init(exactly:)),
                let close = ExactDecimal.parse(row[4], scale: Price.scale).flatMap(Int64.init(exactly:)),
                let volume = ExactDecimal.parse(row[5], scale: Quantity.scale),
                let notional = ExactDecimal.parse(row[6], scale: Notional.scale), let count = Int(row[7])
            else { throw bad() }
            return Bar(
                symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: start),
                open: Price(mantissa: open), high: Price(mantissa: high), low: Price(mantissa: low),
                close: Price(mantissa: close), volume: Volume(mantissa: volume), notional: Notional(mantissa: notional),
                tradeCount: count)
        }
        guard emptyBuckets == .carryForward else { return bars }
        let buckets = (Int128(last) - Int128(first)) / Int128(width) + 1
        guard buckets <= 527_040 else {
            throw StrataError(
                .invalidArgument,
                "the range spans \(buckets) \(timeframe) buckets; filling empty buckets is limited to 527040: narrow from/to"
            )
        }
        // The close of the last trade before the range: argMaxMerge over the buckets before it.
        let lookBack = Int128(first) - 31 * 86_400_000_000_000
        let previous = try await client.rows(
            """
            SELECT argMaxMerge(close), countMerge(trades) FROM \(views.qualified(database, views.targetName(source))) \
            WHERE symbol = \(ClickHouseSQL.quote(string: symbol.name)) AND start < \(first)\
            \(lookBack >= Int128(Int64.min) ? " AND start >= \(lookBack)" : "")
            """)
        var close: Price? = nil
        if let row = previous.first, row.count == 2, Int(row[1]) ?? 0 > 0,
            let mantissa = ExactDecimal.parse(row[0], scale: Price.scale).flatMap(Int64.init(exactly:))
        {
            close = Price(mantissa: mantissa)
        }
        var filled: [Bar] = []
        var index = 0
        var bucket = first
        while bucket <= last {
            if index < bars.count && bars[index].start.nanoseconds == bucket {
                filled.append(bars[index])
                close = bars[index].close
                index += 1
            } else if let close {
                filled.append(
                    Bar(
                        symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: bucket), open: close,
                        high: close, low: close, close: close, volume: .zero, notional: .zero, tradeCount: 0))
            }
            let (next, overflow) = bucket.addingReportingOverflow(width)
            if overflow { break }
            bucket = next
        }
        return filled
    }
}
