import Strata
import StrataWorkload

/// W1, W2, W3 and W5 on the SQLite peer, and the Strata/SQLite ratios.
struct SQLiteWorkloads {
    let dataset: Dataset
    let report: Report
    let path: String
    var checks: Checks { Checks(dataset: dataset, report: report) }

    static let ingestRatioTarget = 10.0

    func run(options: Options, strata: StrataWorkloads.Results) throws {
        report.section(
            "SQLite (GRDB, WAL, synchronous=NORMAL, index (symbol, ts DESC) first): W1 ingest, 10k-row transactions")
        let peer = try SQLitePeer(path: path)
        defer { try? peer.close() }
        let start = monotonicNanoseconds()
        for batch in dataset.batches { try peer.insert(batch) }
        let ingestNanoseconds = monotonicNanoseconds() - start
        let rate = Double(dataset.rows) / (Double(ingestNanoseconds) / 1e9)
        report.line("inserted in \(formatDuration(ingestNanoseconds))")
        report.add("W1 ingest (SQLite)", formatRate(rate))
        let bytes = try peer.bytesOnDisk()
        report.add("bytes/trade (SQLite file)", fixed(Double(bytes) / Double(dataset.rows), 2) + " B")
        report.line("database file after checkpoint: \(formatBytes(bytes))")
        if let strataRate = strata.ingestRowsPerSecond {
            let ratio = strataRate / rate
            report.add(
                "W1 ingest Strata/SQLite", fixed(ratio, 1) + "× faster", target: "≥ 10×",
                pass: ratio >= SQLiteWorkloads.ingestRatioTarget)
        }

        if options.runs(.w2) {
            report.section("SQLite: W2 range")
            var rows: [Trade] = []
            let samples = try measureSync(warmup: 3, runs: 30) {
                rows = try peer.range(symbol: dataset.w2Symbol, from: dataset.w2From, to: dataset.w2To)
            }
            checks.range(rows, engine: "SQLite")
            report.line(samples.summary)
            report.add("W2 range (SQLite)", formatDuration(samples.median))
            if let strata = strata.w2 { addTimeRatio("W2", sqlite: samples, strata: strata) }
        }
        if options.runs(.w3) {
            report.section("SQLite: W3 latest")
            var rows: [Trade] = []
            let samples = try measureSync(warmup: 200, runs: 2_000) {
                rows = try peer.latest(symbol: dataset.w3Symbol, limit: dataset.w3Limit)
            }
            checks.latest(rows, engine: "SQLite")
            report.line(samples.summary)
            report.add("W3 latest median (SQLite)", formatDuration(samples.median))
            if let strata = strata.w3 { addTimeRatio("W3", sqlite: samples, strata: strata) }
        }
        if options.runs(.w5) {
            report.section("SQLite: W5 SELECT symbol, SUM(qty), COUNT(*) FROM trades GROUP BY symbol")
            var summaries: [(symbol: String, sum: Int64, count: Int)] = []
            let samples = try measureSync(warmup: 1, runs: 3) {
                summaries = try peer.summarize()
            }
            checks.summaries(summaries.map { ($0.symbol, Int128($0.sum), $0.count) }, engine: "SQLite")
            report.line(samples.summary)
            report.add("W5 scan (SQLite)", formatDuration(samples.median))
            if let strata = strata.w5 { addTimeRatio("W5", sqlite: samples, strata: strata) }
            if let aggregate = strata.w5Aggregate {
                addTimeRatio("W5 aggregate", sqlite: samples, strata: aggregate)
            }
        }
        if options.runs(.bars) { try bars(peer, strata: strata.bars) }
    }

    /// B1 on SQLite: 1m bars of the top symbol over the day from the raw trades.
    private func bars(_ peer: SQLitePeer, strata: Samples?) throws {
        report.section("SQLite: B1 1m bars of \(dataset.w2Symbol) over the day, window functions over the raw trades")
        let day = dataset.workload.configuration.day
        var bars: [(minute: Int64, open: Int64, high: Int64, low: Int64, close: Int64, volume: Int64, count: Int)] = []
        let samples = try measureSync(warmup: 1, runs: 5) {
            bars = try peer.minuteBars(symbol: dataset.w2Symbol, from: day, to: day.advanced(by: 86_400_000_000_000))
        }
        let reference = BarsWorkloads.reference(dataset, symbolRank: 0, width: 60_000_000_000)
        var same = bars.count == reference.count
        for (sql, bar) in zip(bars, reference) {
            let ohlc = sql.open == bar.open && sql.high == bar.high && sql.low == bar.low && sql.close == bar.close
            let sums = Int128(sql.volume) == bar.volume && sql.count == Int(bar.count)
            if sql.minute * 60_000_000_000 != bar.start || !ohlc || !sums { same = false }
        }
        if same {
            report.line("check: \(bars.count) bars equal the recomputation from the generator's rows")
        } else {
            report.fail("SQLite 1m bars differ from the recomputation (\(bars.count) vs \(reference.count) bars)")
        }
        report.line(samples.summary)
        report.add("B1 1m bars from raw (SQLite)", formatDuration(samples.median))
        if let strata { addTimeRatio("B1", sqlite: samples, strata: strata) }
    }

    /// Query time ratio SQLite ÷ Strata: > 1 means Strata answers faster.
    private func addTimeRatio(_ workload: String, sqlite: Samples, strata: Samples) {
        let ratio = Double(sqlite.median) / Double(max(1, strata.median))
        report.add("\(workload) SQLite/Strata time", fixed(ratio, 1) + "× (Strata faster if > 1)")
    }
}
