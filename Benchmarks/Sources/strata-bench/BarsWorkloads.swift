import Strata
import StrataWorkload

/// The continuous-aggregates workloads: B1 (1m bars of the top symbol over the day from the
/// stored aggregates, against Strata's own raw scan and SQLite), the cost of maintaining the
/// aggregates on ingest, and the check that every stored bar equals a recomputation.
struct BarsWorkloads {
    let dataset: Dataset
    let report: Report
    let repeatCount: Int

    static let b1Target: Int64 = 1_000_000
    static let overheadTarget = 0.15

    /// Runs B1 and the checks on `store` (already ingested and compacted with aggregates on), then
    /// ingests the same rows with aggregates off into `directory` to price the aggregates.
    func run(store: StrataStore, ingestRate: Double, directory: String) async throws -> Samples {
        let day = dataset.workload.configuration.day
        let dayEnd = day.advanced(by: 86_400_000_000_000)
        let symbol = dataset.w2Symbol
        report.section("Strata: B1 1m bars of \(symbol) over the whole day, from the stored aggregates")
        var bars: [Bar] = []
        let samples = try await measure(warmup: 20, runs: 200 * repeatCount) {
            bars = try await store.bars(symbol: symbol, timeframe: .oneMinute, from: day, to: dayEnd)
        }
        report.line("\(bars.count) bars; \(samples.summary)")
        report.add(
            "B1 1m bars, stored (Strata)", formatDuration(samples.median), target: "≤ 1 ms",
            pass: samples.median <= BarsWorkloads.b1Target)

        report.section("Strata: B1 from the raw trades (range scan + bucketing in Swift)")
        var raw: [ReferenceBar] = []
        let rawSamples = try await measure(warmup: 2, runs: 10) {
            let trades = try await store.trades.range(symbol: symbol, from: day, to: dayEnd)
            raw = BarsWorkloads.bucket(
                trades.map { ($0.timestamp.nanoseconds, $0.tradeID, $0.price.mantissa, $0.quantity.mantissa) },
                width: 60_000_000_000)
        }
        report.line(rawSamples.summary)
        report.add("B1 1m bars from raw (Strata scan)", formatDuration(rawSamples.median))
        report.add(
            "B1 raw scan/stored time",
            fixed(Double(rawSamples.median) / Double(max(1, samples.median)), 1) + "× (stored faster if > 1)")
        if raw.count != bars.count {
            report.fail("raw-scan bars (\(raw.count)) and stored bars (\(bars.count)) differ")
        }

        try await checkEveryBar(store)
        try await overhead(ingestRate: ingestRate, directory: directory)
        return samples
    }

    /// Every 1m, 5m, 15m, 1h and 1d bar of every symbol equals a recomputation from the rows.
    private func checkEveryBar(_ store: StrataStore) async throws {
        report.section("Check: every stored bar of every symbol equals a recomputation from the raw rows")
        let day = dataset.workload.configuration.day
        let start = monotonicNanoseconds()
        var compared = 0
        var mismatches = 0
        let rowsByRank = BarsWorkloads.rowsByRank(dataset)
        for timeframe in Timeframe.standard {
            for rank in 0..<dataset.symbols.count {
                let bars = try await store.bars(
                    symbol: dataset.symbols[rank], timeframe: timeframe, from: day,
                    to: day.advanced(by: 86_400_000_000_000))
                let expected = BarsWorkloads.bucket(rowsByRank[rank], width: timeframe.nanoseconds)
                compared += expected.count
                let same = bars.count == expected.count && zip(bars, expected).allSatisfy { $1.matches($0) }
                if !same { mismatches += 1 }
            }
        }
        if mismatches == 0 {
            report.line(
                "\(formatCount(compared)) bars of 1m/5m/15m/1h/1d for \(dataset.symbols.count) symbols equal the recomputation (\(formatDuration(monotonicNanoseconds() - start)))"
            )
        } else {
            report.fail("\(mismatches) symbol/timeframe pairs have bars that differ from the recomputation")
        }
    }

    /// What maintaining the bars costs: the same rows ingested with aggregates off and on into
    /// fresh directories, alternately, four times each; the best of each (least disturbed by other load).
    private func overhead(ingestRate: Double, directory: String) async throws {
        report.section("Strata: W1 ingest with aggregates off and on, alternately (the price of maintaining bars)")
        var best: [Bool: Double] = [:]
        for round in 0..<4 {
            for aggregates in [false, true] {
                try makeEmptyDirectory(directory)
                defer { removeTree(directory) }
                let store = try StrataStore.open(
                    directory: directory,
                    configuration: .init(
                        durability: .groupCommit(milliseconds: 10), aggregates: aggregates, maintenanceInterval: nil))
                let start = monotonicNanoseconds()
                for batch in dataset.batches { try await store.trades.append(batch) }
                let rate = Double(dataset.rows) / (Double(monotonicNanoseconds() - start) / 1e9)
                try store.close()
                report.line("round \(round + 1), aggregates \(aggregates ? "on " : "off"): \(formatRate(rate))")
                best[aggregates] = max(best[aggregates] ?? 0, rate)
            }
        }
        let off = best[false]!
        let on = best[true]!
        report.add("W1 ingest, aggregates off (best of 4)", formatRate(off))
        report.add("W1 ingest, aggregates on (best of 4)", formatRate(on))
        let cost = 1 - on / off
        report.add(
            "aggregates' cost on W1 ingest", fixed(100 * cost, 1) + " %", target: "≤ 15 %",
            pass: cost <= BarsWorkloads.overheadTarget)
    }

    /// The generator's rows grouped by symbol rank, once.
    static func rowsByRank(_ dataset: Dataset) -> [[(time: Int64, id: Int64, price: Int64, quantity: Int64)]] {
        var rows = Array(
            repeating: [(time: Int64, id: Int64, price: Int64, quantity: Int64)](), count: dataset.symbols.count)
        for batch in dataset.batches {
            for trade in batch {
                rows[Dataset.rank(of: trade.symbol)].append(
                    (trade.timestamp.nanoseconds, trade.tradeID, trade.price.mantissa, trade.quantity.mantissa))
            }
        }
        return rows
    }

    /// The straightforward recomputation: the generator's rows of one symbol, in time order, bucketed.
    static func reference(_ dataset: Dataset, symbolRank: Int, width: Int64) -> [ReferenceBar] {
        var rows: [(Int64, Int64, Int64, Int64)] = []
        for batch in dataset.batches {
            for trade in batch where Dataset.rank(of: trade.symbol) == symbolRank {
                rows.append((trade.timestamp.nanoseconds, trade.tradeID, trade.price.mantissa, trade.quantity.mantissa))
            }
        }
        return bucket(rows, width: width)
    }

    /// Buckets rows sorted by time: open = first, close = last, by (time, id).
    static func bucket(_ rows: [(time: Int64, id: Int64, price: Int64, quantity: Int64)], width: Int64)
        -> [ReferenceBar]
    {
        let sorted = rows.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        var bars: [ReferenceBar] = []
        for row in sorted {
            let start = row.time / width * width
            if bars.last?.start != start {
                var bar = ReferenceBar(start: start)
                bar.open = row.price
                bar.high = row.price
                bar.low = row.price
                bars.append(bar)
            }
            var bar = bars[bars.count - 1]  // one bucket: add the row
            bar.high = max(bar.high, row.price)
            bar.low = min(bar.low, row.price)
            bar.close = row.price
            bar.volume += Int128(row.quantity)
            bar.notional += Int128(row.price) * Int128(row.quantity)
            bar.count += 1
            bars[bars.count - 1] = bar
        }
        return bars
    }
}

/// A bar computed the straightforward way, to check Strata's against.
struct ReferenceBar {
    var start: Int64
    var open: Int64 = 0
    var high: Int64 = 0
    var low: Int64 = 0
    var close: Int64 = 0
    var volume: Int128 = 0
    var notional: Int128 = 0
    var count: Int64 = 0

    init(start: Int64) { self.start = start }

    func matches(_ bar: Bar) -> Bool {
        guard bar.start.nanoseconds == start, bar.tradeCount == Int(count) else { return false }
        guard bar.open.mantissa == open, bar.high.mantissa == high else { return false }
        guard bar.low.mantissa == low, bar.close.mantissa == close else { return false }
        return bar.volume.mantissa == volume && bar.notional.mantissa == notional
    }
}
