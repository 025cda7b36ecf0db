import Foundation
import Strata
import StrataWorkload

/// One run of the benchmark: the workloads in order, then the final table.
struct Bench {
    let options: Options
    let report = Report()

    func run() async -> Int32 {
        let root: String
        do {
            if let data = options.data {
                root = absolutePath(data)
                try makeEmptyDirectory(root)
            } else {
                root = try makeTemporaryDirectory()
            }
        } catch {
            say("strata-bench: \(error)")
            return 1
        }
        defer { if !options.keepData { removeTree(root) } }
        printMachine(root: root)

        do {
            let configuration = SyntheticTrades.Configuration(rows: options.rows, seed: options.seed)
            if options.needsIngest { try await queryWorkloads(configuration: configuration, root: root) }
            if options.runs(.csv) {
                try CSVIngest(report: report, directory: root + "/csv").run(
                    options: options, configuration: configuration)
            }
            if options.runs(.text) {
                try await TextIngest(report: report, directory: root + "/text").run(options: options)
            }
            if options.runs(.recovery) {
                try Recovery(report: report, directory: root + "/recovery").run(options: options)
            }
            if options.runs(.server) {
                try await ServerWorkload(
                    report: report, directory: root + "/server", batchSize: options.serverBatch,
                    durability: options.serverDurability
                )
                .run(options: options)
            }
            if options.runs(.orders) || options.runs(.openOrders) || options.runs(.jobs) {
                try makeEmptyDirectory(root + "/records")
                try RecordsWorkloads(report: report, directory: root + "/records", options: options).run()
            }
            if options.runs(.arrow) {
                try await ArrowWorkload(report: report, directory: root + "/arrow").run(options: options)
            }
            if options.runs(.indicators) {
                try await IndicatorsWorkload(report: report, directory: root + "/indicators").run(options: options)
            }
            if options.runs(.asof) {
                try await AsofWorkload(report: report, directory: root + "/asof").run(options: options)
            }
            if options.runs(.postgres) {
                try PostgresWorkload(report: report, directory: root + "/postgres").run(options: options)
            }
            if options.runs(.redis) {
                try await RedisWorkload(report: report).run(options: options)
            }
            if options.runs(.tiers) {
                try await TiersWorkload(report: report, directory: root + "/tiers").run(options: options)
            }
            if options.runs(.lake) {
                try await LakeWorkload(report: report, directory: root + "/lake").run(options: options)
            }
            if options.runs(.clickhouse) {
                try await ClickHouseWorkload(report: report, directory: root + "/clickhouse").run(options: options)
            }
            if options.runs(.soak) {
                try SoakWorkload(report: report, directory: root + "/soak").run(options: options)
            }
        } catch {
            report.fail("the run stopped: \(error)")
        }
        report.printTable()
        return report.failures.isEmpty ? 0 : 1
    }

    /// W1 (ingest and compaction), W2, W3, W5 on Strata, then the same on SQLite, on rows
    /// generated once. The rows are released when this returns.
    private func queryWorkloads(configuration: SyntheticTrades.Configuration, root: String) async throws {
        report.section(
            "Workload: SyntheticTrades(rows: \(formatCount(configuration.rows)), symbols: \(configuration.symbols), seed: \(configuration.seed), day: \(configuration.day))"
        )
        let dataset = Dataset(configuration: configuration)
        report.line(
            "generated \(formatCount(dataset.rows)) trades in \(dataset.batches.count) batches in \(formatDuration(dataset.generationNanoseconds)); \(dataset.w2Symbol) has \(formatCount(dataset.counts[0])) rows (\(fixed(100 * Double(dataset.counts[0]) / Double(dataset.rows), 1)) %)"
        )
        let strata = try await StrataWorkloads(
            dataset: dataset, report: report, directory: root + "/strata", repeatCount: options.queryRepeat
        ).run(options: options)
        if options.skipSQLite {
            report.section("SQLite peer skipped (--skip-sqlite)")
        } else {
            try makeEmptyDirectory(root + "/sqlite")
            try SQLiteWorkloads(dataset: dataset, report: report, path: root + "/sqlite/trades.sqlite").run(
                options: options, strata: strata)
        }
    }

    private func printMachine(root: String) {
        say("strata-bench — \(timestampNow())")
        say(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpuModel()), \(formatBytes(Int64(ProcessInfo.processInfo.physicalMemory))) RAM"
        )
        say("data directory: \(root)\(options.keepData ? " (kept)" : " (removed at the end)")")
        say(
            "options: rows \(formatCount(options.rows)), workloads \(Options.Workload.allCases.filter(options.runs).map(\.rawValue).joined(separator: ",")), sqlite \(options.skipSQLite ? "skipped" : "on"), recovery \(fixed(options.recoveryGiB, 2)) GiB"
        )
    }

    private func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmed() } ?? "unknown CPU"
        }
        return "unknown CPU"
    }

    private func timestampNow() -> String { WallClock.now().description }
}
