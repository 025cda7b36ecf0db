import Strata
import StrataEngine

/// Recovery: write a WAL of about `--recovery-gib` GiB with OS-buffered durability and no
/// compaction, close, and time `StrataStore.open`, which replays it.
struct Recovery {
    let report: Report
    let directory: String

    /// 1 GiB in 2 s.
    static let targetBytesPerSecond = Double(1 << 30) / 2

    func run(options: Options) throws {
        let targetBytes = Int64(options.recoveryGiB * Double(1 << 30))
        report.section("Recovery: replay a \(fixed(options.recoveryGiB, 2)) GiB WAL in StrataStore.open")
        try makeEmptyDirectory(directory)
        // Far more rows than needed at ~40 bytes a row in the WAL; writing stops at the target size.
        let configuration = SyntheticTrades.Configuration(
            rows: Int(options.recoveryGiB * 40_000_000) + 100_000, seed: options.seed &+ 1)
        let storeConfiguration = StrataStore.Configuration(durability: .osBuffered, validation: .standard)
        var rows = 0
        var walBytes: Int64 = 0
        var capped = false
        let writeStart = monotonicNanoseconds()
        do {
            let store = try StrataStore.open(directory: directory, configuration: storeConfiguration)
            var batches = 0
            for batch in SyntheticTrades(configuration: configuration).batches(of: Dataset.batchSize) {
                try store.trades.appendNow(batch)
                rows += batch.count
                batches += 1
                if batches % 10 == 0 {
                    walBytes = DirectoryUsage(path: directory).bytes
                    if walBytes >= targetBytes { break }
                    if Double(monotonicNanoseconds() - writeStart) / 1e9 > options.recoveryBudget {
                        capped = true
                        break
                    }
                }
            }
            try store.close()
        }
        let writeNanoseconds = monotonicNanoseconds() - writeStart
        let usage = DirectoryUsage(path: directory)
        walBytes = usage.bytes
        report.line(
            "wrote \(formatCount(rows)) rows in \(formatDuration(writeNanoseconds)): \(formatBytes(walBytes)) on disk (\(usage.breakdown)), \(fixed(Double(walBytes) / Double(rows), 1)) B/row"
        )

        if capped {
            report.line(
                "the WAL is smaller than asked: writing stopped after the --recovery-budget of \(fixed(options.recoveryBudget, 0)) s"
            )
        }
        var samples: [Int64] = []
        for attempt in 1...3 {
            let start = monotonicNanoseconds()
            let store = try StrataStore.open(directory: directory, configuration: storeConfiguration)
            let nanoseconds = monotonicNanoseconds() - start
            samples.append(nanoseconds)
            let recovered = store.recovery
            let stored = store.trades.stats().rows
            try store.close()
            report.line(
                "open #\(attempt): \(formatDuration(nanoseconds)), \(formatCount(recovered.rowsReplayed)) rows replayed, \(recovered.bytesTruncated) bytes truncated, \(recovered.damagedFiles.count) damaged files; table has \(formatCount(stored)) rows"
            )
            if recovered.rowsReplayed != rows || stored != rows {
                report.fail("recovery replayed \(recovered.rowsReplayed) rows and holds \(stored), expected \(rows)")
            }
            if nanoseconds > 20_000_000_000 { break }  // keep the run short: one slow open is enough to know
        }
        let median = Samples(nanoseconds: samples).median
        let rate = Double(walBytes) / (Double(median) / 1e9)
        let name = "recovery open (\(formatBytes(walBytes)) WAL\(capped ? ", capped" : ""))"
        report.add(
            name, formatDuration(median) + ", " + fixed(rate / Double(1 << 30), 2) + " GiB/s",
            target: "1 GiB ≤ 2 s", pass: rate >= Recovery.targetBytesPerSecond)
    }
}
