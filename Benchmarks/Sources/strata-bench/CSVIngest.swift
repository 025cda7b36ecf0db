import Foundation
import Strata
import StrataEngine
import StrataWorkload

/// The CSV ingest: `SyntheticTrades.writeCSV`, then `strata ingest` as a child process, timed by
/// its wall time.
struct CSVIngest {
    let report: Report
    let directory: String

    static let target = 2_000_000.0

    func run(options: Options, configuration: SyntheticTrades.Configuration) throws {
        report.section("CSV ingest: strata ingest --table trades --csv FILE --data DIR")
        let binary = absolutePath(options.strataBinary)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            report.line("no strata binary at \(binary)")
            report.line("build it at the root of the repository with: swift build -c release --product strata")
            report.skip(
                "CSV ingest (strata ingest)", target: "≥ 2 M rows/s", reason: "no binary at \(options.strataBinary)")
            return
        }
        try makeEmptyDirectory(directory)
        let csv = directory + "/trades.csv"
        let store = directory + "/store"
        let workload = SyntheticTrades(configuration: configuration)
        let writeStart = monotonicNanoseconds()
        let bytes = try workload.writeCSV(to: csv)
        let writeNanoseconds = monotonicNanoseconds() - writeStart
        report.line(
            "writeCSV: \(formatBytes(Int64(bytes))) for \(formatCount(configuration.rows)) rows in \(formatDuration(writeNanoseconds)) (\(formatRate(Double(configuration.rows) / (Double(writeNanoseconds) / 1e9))))"
        )

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["ingest", "--table", "trades", "--csv", csv, "--data", store]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        report.line("$ \(binary) \(process.arguments!.joined(separator: " "))")
        let start = monotonicNanoseconds()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let nanoseconds = monotonicNanoseconds() - start
        for line in text.split(separator: "\n").suffix(12) { report.line("| \(line)") }
        guard process.terminationStatus == 0 else {
            report.fail("strata ingest exited with status \(process.terminationStatus)")
            report.skip("CSV ingest (strata ingest)", target: "≥ 2 M rows/s", reason: "the command failed")
            return
        }
        let rate = Double(configuration.rows) / (Double(nanoseconds) / 1e9)
        report.line("wall time \(formatDuration(nanoseconds)) (process start to exit)")
        let reopened = try StrataStore.open(directory: store, configuration: .init(durability: .osBuffered))
        let stored = reopened.trades.stats().rows
        try reopened.close()
        guard stored == configuration.rows else {
            report.fail("strata ingest stored \(stored) rows of \(configuration.rows)")
            report.skip(
                "CSV ingest (strata ingest)", target: "≥ 2 M rows/s", reason: "the store does not hold the rows")
            return
        }
        report.line("check: the store holds all \(formatCount(stored)) rows")
        report.add(
            "CSV ingest (strata ingest)", formatRate(rate), target: "≥ 2 M rows/s", pass: rate >= CSVIngest.target)
        if !options.keepData { removeTree(csv) }  // kept with --data, to rerun `strata ingest` by hand
    }
}
