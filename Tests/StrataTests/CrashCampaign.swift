import Foundation
import Strata
import StrataCrashSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What one crash campaign did and found.
struct CampaignFigures: CustomStringConvertible {
    var mode: CrashMode
    var kills = 0
    /// Kills that landed between `phase X begin` and `phase X end`, by phase.
    var killsInside: [String: Int] = [:]
    /// Kills aimed at the target phase (the rest were at a random time after start).
    var aimedKills = 0
    var acknowledgedBatches = 0
    var durableBatches = 0
    /// Rows verified across all restarts, and the distinct acknowledged rows at the end.
    var rowsChecked = 0
    var acknowledgedRows = 0
    var lost = 0
    var duplicated = 0
    /// Batches present in part (rows of a batch must be all there or none).
    var partial = 0
    /// Rows that no sent batch has, or of a batch never sent.
    var foreign = 0
    /// Rows whose content differs from what their batch wrote.
    var mismatched = 0
    /// Rows of partitions that a finished retention run reported dropped.
    var resurrected = 0
    var damagedFiles = 0
    var barBucketsChecked = 0
    var barMismatches = 0
    var seconds = 0.0
    /// The first few problems, for the test's message.
    var problems: [String] = []

    var description: String {
        let inside = killsInside.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return
            "crash campaign \(mode.rawValue): \(kills) kills (inside: \(inside.isEmpty ? "none" : inside); aimed \(aimedKills)), "
            + "batches acknowledged \(acknowledgedBatches) (durable \(durableBatches)), rows checked \(rowsChecked) "
            + "(acknowledged \(acknowledgedRows)), lost \(lost), duplicated \(duplicated), partial batches \(partial), "
            + "foreign \(foreign), mismatched \(mismatched), resurrected \(resurrected), damaged files \(damagedFiles), "
            + "bar buckets checked \(barBucketsChecked) (mismatched \(barMismatches)), "
            + String(format: "%.1f s", seconds)
    }

    var isClean: Bool {
        lost + duplicated + partial + foreign + mismatched + resurrected + damagedFiles + barMismatches == 0
            && problems.isEmpty
    }

    mutating func problem(_ text: String) { if problems.count < 12 { problems.append(text) } }
}

/// A writer child process whose standard output is read as it comes (non-blocking).
final class WriterProcess {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var pending: [UInt8] = []
    private(set) var lines: [String] = []
    private(set) var errorText = ""

    init(path: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let fd = output.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Reads what is available; returns the number of new lines.
    @discardableResult
    func poll() -> Int {
        let before = lines.count
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes {
                read(output.fileHandleForReading.fileDescriptor, $0.baseAddress, 65_536)
            }
            guard n > 0 else { break }
            pending += chunk[0..<n]
        }
        while let newline = pending.firstIndex(of: 0x0A) {
            lines.append(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        return lines.count - before
    }

    /// Polls until `predicate` holds for the lines read so far, the process exits, or `timeout` passes.
    func wait(seconds timeout: Double, until predicate: ([String]) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            poll()
            if predicate(lines) { return true }
            if !process.isRunning { return false }
            try await Task.sleep(nanoseconds: 200_000)
        }
        return false
    }

    /// SIGKILLs the process, waits for it and reads the rest of its output.
    /// - Returns: whether it was still running (killed) rather than exited by itself.
    func kill() -> Bool {
        let wasRunning = process.isRunning
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let fd = output.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        poll()
        errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return wasRunning && process.terminationReason == .uncaughtSignal
    }
}

/// Runs one crash campaign: a writer in `mode`, killed `kills` times, verified after each restart.
struct CrashCampaign {
    let mode: CrashMode
    let kills: Int
    let writerPath: String
    /// Recovery mode: rows the WAL must hold before kills aim at its replay.
    let recoveryRows: Int
    let workload: CrashWorkload

    init(mode: CrashMode, kills: Int, writerPath: String, recoveryRows: Int) {
        self.mode = mode
        self.kills = kills
        self.writerPath = writerPath
        self.recoveryRows = recoveryRows
        workload = CrashWorkload(mode: mode)
    }

    func run() async throws -> CampaignFigures {
        let started = Date()
        var figures = CampaignFigures(mode: mode)
        let directory = NSTemporaryDirectory() + "strata-crash-\(mode.rawValue)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SystemRandomNumberGenerator()
        var lastAcknowledged = -1
        var durable = -1
        var dropped = Set<Int64>()
        var durations: [String: (total: Double, count: Int)] = [:]
        var verifierOpen = 0.0
        func mean(_ phase: String) -> Double {
            if phase == "recovery" && verifierOpen > 0 { return verifierOpen }
            guard let d = durations[phase], d.count > 0 else { return 2_000 }
            return d.total / Double(d.count)
        }
        for cycle in 0..<kills {
            let writer = try WriterProcess(
                path: writerPath,
                arguments: [directory, mode.rawValue, String(lastAcknowledged + 1), String(recoveryRows)])
            // When to kill: at a random moment after start, or aimed into the target phase (a random
            // point within its typical duration, after a random number of its starts).
            let bootstrapping = mode == .recovery && (lastAcknowledged + 1) * workload.inOrderRows < recoveryRows
            if bootstrapping {
                _ = try await writer.wait(seconds: 600) { $0.last == "ready" }
            } else if let target = mode.targetPhase, mode == .recovery || cycle % 2 == 1 {
                figures.aimedKills += 1
                let starts = mode == .recovery ? 1 : Int.random(in: 1...4, using: &random)
                let marker = "phase \(target) begin"
                _ = try await writer.wait(seconds: 20) { lines in lines.lazy.filter { $0 == marker }.count >= starts }
                let window = 1.25 * mean(target)
                try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0...window, using: &random) * 1_000))
            } else {
                try await Task.sleep(nanoseconds: UInt64.random(in: 5_000_000...160_000_000, using: &random))
            }
            guard writer.kill() else {
                figures.problem("cycle \(cycle): the writer exited by itself: \(writer.errorText)")
                break
            }
            figures.kills += 1

            // What the writer said.
            var open: String?
            for line in writer.lines {
                let words = line.split(separator: " ")
                switch words.first {
                case "ack": lastAcknowledged = max(lastAcknowledged, Int(words[1]) ?? -1)
                case "durable": durable = max(durable, Int(words[1]) ?? -1)
                case "dropped": for word in words.dropFirst() { if let p = Int64(word) { dropped.insert(p) } }
                case "phase" where words.count >= 3:
                    if words[2] == "begin" {
                        open = String(words[1])
                    } else {
                        open = nil
                        if words.count == 4, let micros = Double(words[3]) {
                            durations[String(words[1]), default: (0, 0)].total += micros
                            durations[String(words[1]), default: (0, 0)].count += 1
                        }
                    }
                default: break
                }
            }
            if let open { figures.killsInside[open, default: 0] += 1 }
            // The writer's open does what the verifier's does: its duration estimates the replay's
            // better than the writer's own reports, which a kill inside it never prints.
            verifierOpen = try await verify(
                directory: directory, cycle: cycle, lastAcknowledged: lastAcknowledged, dropped: dropped,
                figures: &figures)
            if !figures.problems.isEmpty && figures.problems.count >= 12 { break }
        }
        figures.acknowledgedBatches = lastAcknowledged + 1
        figures.durableBatches = durable + 1
        figures.acknowledgedRows = (0..<(lastAcknowledged + 1)).reduce(0) { $0 + workload.rowCount($1) }
        figures.seconds = Date().timeIntervalSince(started)
        return figures
    }

    /// Opens the store as a restart would and checks every batch against what the writer said.
    /// - Returns: how long opening took, in microseconds.
    private func verify(
        directory: String, cycle: Int, lastAcknowledged: Int, dropped: Set<Int64>, figures: inout CampaignFigures
    ) async throws -> Double {
        let opening = Date()
        let store = try StrataStore.open(directory: directory, configuration: workload.configuration)
        let openMicroseconds = Date().timeIntervalSince(opening) * 1_000_000
        defer { try? store.close() }
        if !store.recovery.damagedFiles.isEmpty {
            figures.damagedFiles += store.recovery.damagedFiles.count
            figures.problem("cycle \(cycle): damaged files: \(store.recovery.damagedFiles)")
        }
        // The in-flight batch (after the last acknowledgement) may be present, whole, or absent.
        let maybe = lastAcknowledged + 1
        let idsPerBatch = CrashWorkload.idsPerBatch
        var counts = [UInt8](repeating: 0, count: (maybe + 1) * idsPerBatch)
        var trades: [Symbol: [Trade]] = [:]
        for symbol in CrashWorkload.symbols {
            let rows = try await store.trades.range(symbol: symbol, from: .min, to: .max)
            trades[symbol] = rows
            figures.rowsChecked += rows.count
            for trade in rows {
                guard let (n, i) = workload.locate(trade.tradeID), n <= maybe else {
                    figures.foreign += 1
                    figures.problem("cycle \(cycle): row \(trade.tradeID) of no batch sent")
                    continue
                }
                let slot = n * idsPerBatch + i
                if counts[slot] == 1 {
                    figures.duplicated += 1
                    figures.problem("cycle \(cycle): row \(trade.tradeID) stored twice")
                }
                counts[slot] = min(counts[slot] &+ 1, 2)
                let expected = workload.row(batch: n, index: i)
                if expected != trade {
                    figures.mismatched += 1
                    figures.problem("cycle \(cycle): row \(trade.tradeID) is \(trade), wrote \(expected)")
                }
            }
        }
        // Retention may have dropped (or, killed before it printed, be dropping) partitions that
        // end at or before one minute before the newest row sent.
        var cutoff = Int64.min
        if mode == .retention, let age = workload.configuration.retention?.maximumAge["trades"] {
            cutoff = workload.newestTimestamp(batch: maybe).nanoseconds - age
        }
        for n in 0...maybe {
            let rows = workload.rowCount(n)
            var present = 0
            for i in 0..<rows where counts[n * idsPerBatch + i] > 0 { present += 1 }
            if mode == .retention {
                let partition = workload.partition(of: workload.row(batch: n, index: 0).timestamp)
                let end = (partition + 1) * workload.configuration.partitionDuration
                if dropped.contains(partition) {
                    if present > 0 {
                        figures.resurrected += present
                        figures.problem("cycle \(cycle): batch \(n) of dropped partition \(partition) is back")
                    }
                    continue
                }
                if end <= cutoff {
                    if present != 0 && present != rows {
                        figures.partial += 1
                        figures.problem("cycle \(cycle): batch \(n) (droppable) \(present) of \(rows) rows")
                    }
                    continue
                }
            }
            if n < maybe {
                if present < rows {
                    figures.lost += rows - present
                    figures.problem("cycle \(cycle): acknowledged batch \(n) has \(present) of \(rows) rows")
                }
            } else if present != 0 && present != rows {
                figures.partial += 1
                figures.problem("cycle \(cycle): in-flight batch \(n) has \(present) of \(rows) rows")
            }
        }
        if mode != .retention { try await checkBars(store, trades: trades, cycle: cycle, figures: &figures) }
        return openMicroseconds
    }

    /// The 1-minute bars of each symbol agree with its trades (count and volume per bucket), and
    /// the 1-hour bars hold every trade.
    private func checkBars(
        _ store: StrataStore, trades: [Symbol: [Trade]], cycle: Int, figures: inout CampaignFigures
    ) async throws {
        let minute: Int64 = 60_000_000_000
        for (symbol, rows) in trades where !rows.isEmpty {
            var expected: [Int64: (count: Int, volume: Int128)] = [:]
            for trade in rows {
                let bucket = BarsArithmetic.floor(trade.timestamp.nanoseconds, minute)
                expected[bucket, default: (0, 0)].count += 1
                expected[bucket, default: (0, 0)].volume += Int128(trade.quantity.mantissa)
            }
            let from = Timestamp(nanoseconds: expected.keys.min()!)
            let to = Timestamp(nanoseconds: expected.keys.max()! + minute)
            let bars = try await store.bars(symbol: symbol, timeframe: .oneMinute, from: from, to: to)
            var seen: [Int64: (count: Int, volume: Int128)] = [:]
            for bar in bars { seen[bar.start.nanoseconds] = (bar.tradeCount, bar.volume.mantissa) }
            figures.barBucketsChecked += expected.count
            for (bucket, value) in expected
            where seen[bucket]?.count != value.count || seen[bucket]?.volume != value.volume {
                figures.barMismatches += 1
                figures.problem(
                    "cycle \(cycle): \(symbol) 1m bar at \(bucket): \(String(describing: seen[bucket])), trades say \(value)"
                )
            }
            for bucket in seen.keys where expected[bucket] == nil {
                figures.barMismatches += 1
                figures.problem("cycle \(cycle): \(symbol) 1m bar at \(bucket) has no trades")
            }
            let hours = try await store.bars(
                symbol: symbol, timeframe: .oneHour,
                from: Timestamp(nanoseconds: BarsArithmetic.floor(from.nanoseconds, 60 * minute)),
                to: to.advanced(by: 60 * minute))
            let total = hours.reduce(0) { $0 + $1.tradeCount }
            if total != rows.count {
                figures.barMismatches += 1
                figures.problem("cycle \(cycle): \(symbol) 1h bars count \(total) trades, the table has \(rows.count)")
            }
        }
    }
}

enum BarsArithmetic {
    /// `value` rounded down to a multiple of `width`.
    static func floor(_ value: Int64, _ width: Int64) -> Int64 {
        value >= 0 ? value / width * width : -((-value + width - 1) / width) * width
    }
}
