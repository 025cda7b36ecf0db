import Foundation
import Strata
import StrataEngine
import StrataWorkload

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
        let storeConfiguration = RecoveryChild.storeConfiguration
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
        // Each open runs in a child process (this binary, `--recovery-open DIR`): a restart is what
        // recovery is for, and a child can be stopped when it takes longer than --recovery-timeout.
        var samples: [Int64] = []
        for attempt in 1...3 {
            let outcome = try RecoveryChild.run(directory: directory, timeout: options.recoveryTimeout)
            guard let result = outcome else {
                report.line(
                    "open #\(attempt): stopped after the --recovery-timeout of \(fixed(options.recoveryTimeout, 0)) s")
                report.add(
                    "recovery open (\(formatBytes(walBytes)) WAL\(capped ? ", capped" : ""))",
                    "> \(fixed(options.recoveryTimeout, 0)) s, < \(fixed(Double(walBytes) / options.recoveryTimeout / Double(1 << 30), 3)) GiB/s",
                    target: "1 GiB ≤ 2 s", pass: false)
                return
            }
            samples.append(result.nanoseconds)
            report.line(
                "open #\(attempt): \(formatDuration(result.nanoseconds)), \(formatCount(result.rowsReplayed)) rows replayed, \(result.bytesTruncated) bytes truncated, \(result.damagedFiles) damaged files; table has \(formatCount(result.storedRows)) rows"
            )
            if result.rowsReplayed != rows || result.storedRows != rows {
                report.fail(
                    "recovery replayed \(result.rowsReplayed) rows and holds \(result.storedRows), expected \(rows)")
            }
            if result.nanoseconds > 20_000_000_000 { break }  // one slow open is enough to know
        }
        let median = Samples(nanoseconds: samples).median
        let rate = Double(walBytes) / (Double(median) / 1e9)
        let name = "recovery open (\(formatBytes(walBytes)) WAL\(capped ? ", capped" : ""))"
        report.add(
            name, formatDuration(median) + ", " + fixed(rate / Double(1 << 30), 2) + " GiB/s",
            target: "1 GiB ≤ 2 s", pass: rate >= Recovery.targetBytesPerSecond)
    }
}

/// The child process that opens the store once and reports what recovery did.
enum RecoveryChild {
    static let storeConfiguration = StrataStore.Configuration(durability: .osBuffered, validation: .standard)
    static let marker = "RECOVERY-RESULT"

    struct Result {
        var nanoseconds: Int64
        var rowsReplayed: Int
        var bytesTruncated: Int64
        var damagedFiles: Int
        var storedRows: Int
    }

    /// In the child (`strata-bench --recovery-open DIR`): open, measure, print one result line.
    static func openAndReport(directory: String) -> Int32 {
        do {
            let start = monotonicNanoseconds()
            let store = try StrataStore.open(directory: directory, configuration: storeConfiguration)
            let nanoseconds = monotonicNanoseconds() - start
            let recovered = store.recovery
            let stored = store.trades.stats().rows
            try store.close()
            say(
                "\(marker) \(nanoseconds) \(recovered.rowsReplayed) \(recovered.bytesTruncated) \(recovered.damagedFiles.count) \(stored)"
            )
            return 0
        } catch {
            say("strata-bench --recovery-open: \(error)")
            return 1
        }
    }

    /// In the parent: runs the child, kills it after `timeout` seconds. `nil` when it was killed.
    /// - Throws: ``BenchError`` if the child failed or printed no result.
    static func run(directory: String, timeout: Double) throws -> Result? {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: CommandLine.arguments[0].hasPrefix("/")
                ? CommandLine.arguments[0] : absolutePath(CommandLine.arguments[0]))
        process.arguments = ["--recovery-open", directory]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let deadline = monotonicNanoseconds() + Int64(timeout * 1e9)
        while process.isRunning {
            if monotonicNanoseconds() > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            usleep(10_000)
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(marker) })
        else { throw BenchError("the recovery child failed (status \(process.terminationStatus)): \(text)") }
        let fields = line.split(separator: " ").dropFirst().map(String.init)
        guard fields.count == 5, let nanoseconds = Int64(fields[0]), let replayed = Int(fields[1]),
            let truncated = Int64(fields[2]), let damaged = Int(fields[3]), let stored = Int(fields[4])
        else { throw BenchError("unreadable recovery result: \(line)") }
        return Result(
            nanoseconds: nanoseconds, rowsReplayed: replayed, bytesTruncated: truncated, damagedFiles: damaged,
            storedRows: stored)
    }
}
