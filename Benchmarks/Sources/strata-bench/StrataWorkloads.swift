import Strata
import StrataEngine

/// W1, W2, W3 and W5 on Strata, with their correctness checks.
struct StrataWorkloads {
    let dataset: Dataset
    let report: Report
    let directory: String
    let repeatCount: Int
    var checks: Checks { Checks(dataset: dataset, report: report) }

    /// The timings the SQLite peer is compared with.
    struct Results {
        var ingestRowsPerSecond: Double?
        var w2: Samples?
        var w3: Samples?
        var w5: Samples?
        /// W5 through `aggregate` (count and Σ qty grouped by symbol).
        var w5Aggregate: Samples?
        var bars: Samples?
    }

    static let w1Target = 5_000_000.0
    static let bytesPerTradeTarget = 12.0
    static let w2Target: Int64 = 2_000_000
    static let w3Target: Int64 = 50_000
    static let w5Target: Int64 = 30_000_000
    static let w5AggregateTarget: Int64 = 10_000_000

    func run(options: Options) async throws -> Results {
        var results = Results()
        report.section(
            "Strata: W1 ingest (\(formatCount(dataset.rows)) rows, \(Dataset.batchSize)-row batches, groupCommit 10 ms)"
        )
        let store = try StrataStore.open(
            directory: directory,
            configuration: .init(durability: .groupCommit(milliseconds: 10), validation: .standard))
        defer { try? store.close() }

        var appended = AppendReport()
        let start = monotonicNanoseconds()
        for batch in dataset.batches {
            appended = appended + (try await store.trades.append(batch))
        }
        let ingestNanoseconds = monotonicNanoseconds() - start
        let rate = Double(dataset.rows) / (Double(ingestNanoseconds) / 1e9)
        results.ingestRowsPerSecond = rate
        report.line(
            "appended in \(formatDuration(ingestNanoseconds)); stored \(formatCount(appended.stored)), duplicates \(appended.duplicates)"
        )
        if appended.stored != dataset.rows || appended.duplicates != 0 {
            report.fail("W1 stored \(appended.stored) rows and skipped \(appended.duplicates) of \(dataset.rows)")
        }
        report.add(
            "W1 ingest (Strata)", formatRate(rate), target: "≥ 5 M rows/s", pass: rate >= StrataWorkloads.w1Target)

        let flushStart = monotonicNanoseconds()
        try store.flush()
        report.line("flush (fsync the WAL) took \(formatDuration(monotonicNanoseconds() - flushStart))")
        let walUsage = DirectoryUsage(path: directory)
        report.line(
            "before compaction: \(formatBytes(walUsage.bytes)) in \(walUsage.files) files (\(walUsage.breakdown))")

        let compactStart = monotonicNanoseconds()
        let compaction = store.compact()
        let compactNanoseconds = monotonicNanoseconds() - compactStart
        report.line("compact() took \(formatDuration(compactNanoseconds))")
        for line in compaction.description.split(separator: "\n") { report.line("  \(line)") }
        for error in compaction.errors { report.fail("compaction: \(error)") }

        let stats = store.trades.stats()
        let usage = DirectoryUsage(path: directory)
        report.line(
            "trades: \(formatCount(stats.rows)) rows, \(stats.symbols) symbols, \(stats.partitions) partitions (\(stats.sealedPartitions) sealed)"
        )
        report.line(
            "on disk (stats): \(formatBytes(stats.bytesOnDisk)); directory walk: \(formatBytes(usage.bytes)) in \(usage.files) files (\(usage.breakdown))"
        )
        if stats.rows != dataset.rows { report.fail("stats().rows is \(stats.rows), expected \(dataset.rows)") }
        if stats.sealedPartitions == 0 {
            report.fail("compact() sealed no partition: bytes/trade is not the sealed size")
        }
        let statsPerTrade = Double(stats.bytesOnDisk) / Double(dataset.rows)
        let walkPerTrade = Double(usage.bytes) / Double(dataset.rows)
        report.add(
            "bytes/trade sealed (stats)", fixed(statsPerTrade, 2) + " B", target: "≤ 12 B",
            pass: statsPerTrade <= StrataWorkloads.bytesPerTradeTarget)
        report.add(
            "bytes/trade (directory walk)", fixed(walkPerTrade, 2) + " B", target: "≤ 12 B",
            pass: walkPerTrade <= StrataWorkloads.bytesPerTradeTarget)

        if options.runs(.w2) { results.w2 = try await w2(store) }
        if options.runs(.w3) { results.w3 = try await w3(store) }
        if options.runs(.w5) {
            results.w5 = try w5(store)
            results.w5Aggregate = try await w5Aggregate(store)
        }
        if options.runs(.bars) {
            let workloads = BarsWorkloads(dataset: dataset, report: report, repeatCount: repeatCount)
            results.bars = try await workloads.run(
                store: store, ingestRate: rate, directory: directory + "-noaggregates")
        }
        return results
    }

    func w2(_ store: StrataStore) async throws -> Samples {
        report.section(
            "Strata: W2 range: \(dataset.w2Symbol) from \(dataset.w2From) to \(dataset.w2To) (\(formatCount(dataset.w2ExpectedRows)) rows)"
        )
        var rows: [Trade] = []
        let samples = try await measure(warmup: 3, runs: 50 * repeatCount) {
            rows = try await store.trades.range(symbol: dataset.w2Symbol, from: dataset.w2From, to: dataset.w2To)
        }
        checks.range(rows, engine: "Strata")
        report.line(samples.summary)
        report.add(
            "W2 range (Strata)", formatDuration(samples.median), target: "≤ 2 ms",
            pass: samples.median <= StrataWorkloads.w2Target)
        return samples
    }

    func w3(_ store: StrataStore) async throws -> Samples {
        report.section("Strata: W3 latest \(dataset.w3Limit) of \(dataset.w3Symbol)")
        var rows: [Trade] = []
        let samples = try await measure(warmup: 200, runs: 2_000 * repeatCount) {
            rows = try await store.trades.latest(symbol: dataset.w3Symbol, limit: dataset.w3Limit)
        }
        checks.latest(rows, engine: "Strata")
        report.line(samples.summary)
        report.add(
            "W3 latest median (Strata)", formatDuration(samples.median), target: "≤ 50 µs",
            pass: samples.median <= StrataWorkloads.w3Target)
        report.add("W3 latest p99 (Strata)", formatDuration(samples.p99))
        return samples
    }

    func w5(_ store: StrataStore) throws -> Samples {
        report.section("Strata: W5 full scan: count and Σ qty per symbol (summarize(column: \"qty\"))")
        var summaries: [SymbolSummary] = []
        let samples = try measureSync(warmup: 2, runs: 15 * repeatCount) {
            summaries = try store.trades.summarize(column: "qty")
        }
        checks.summaries(summaries.map { ($0.symbol.name, $0.sum, $0.rows) }, engine: "Strata")
        report.line(samples.summary)
        report.add(
            "W5 scan (Strata)", formatDuration(samples.median), target: "≤ 30 ms",
            pass: samples.median <= StrataWorkloads.w5Target)
        return samples
    }

    /// W5 as an aggregate query: count and Σ qty grouped by symbol over the whole table.
    func w5Aggregate(_ store: StrataStore) async throws -> Samples {
        report.section("Strata: W5 through aggregate([.count, .sum(\"qty\")], grouping: .symbol)")
        let query = AggregateQuery([.count, .sum("qty")], grouping: .symbol)
        var rows: [AggregateRow] = []
        let samples = try await measure(warmup: 2, runs: 15 * repeatCount) {
            rows = try await store.trades.aggregate(query)
        }
        checks.summaries(
            rows.map { row in
                (row.symbol?.name ?? "", row.values[1].decimal?.mantissa ?? -1, Int(row.values[0].integer ?? -1))
            }, engine: "Strata aggregate")
        report.line(samples.summary)
        report.add(
            "W5 aggregate (Strata)", formatDuration(samples.median), target: "≤ 10 ms",
            pass: samples.median <= StrataWorkloads.w5AggregateTarget)
        return samples
    }
}

extension Quantity {
    /// An Int128 mantissa at scale 8 as exact decimal text (sums can exceed Int64).
    static func exactText(_ mantissa: Int128) -> String {
        let unit = Int128(Quantity.unit)
        let integer = mantissa / unit
        var fraction = String(mantissa % unit)
        fraction = String(repeating: "0", count: Quantity.scale - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return String(integer) + (fraction.isEmpty ? "" : "." + fraction)
    }
}
