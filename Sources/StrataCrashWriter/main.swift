// A writer for the crash campaigns: opens a store, appends numbered batches and drives one phase
// of the engine (seal, compaction, retention, recovery) continuously, printing what it did, until
// it is killed.
//
//     StrataCrashWriter <data-dir> <mode> <first-batch> [<target-rows>]
//     StrataCrashWriter <data-dir> records <first-step> <fsync|group>   (orders and jobs: RecordsCrashWriter)
//
// `mode` is a `CrashMode` (fsync, group, os, seal, compaction, retention, recovery). Batch N holds
// rows that are a pure function of N and the mode (`CrashWorkload`). Lines on standard output,
// each written with one write(2) before the writer goes on:
//
//     phase <name> begin                 a phase starts (recovery = opening the store)
//     phase <name> end <microseconds>    it finished, and how long it took
//     ack <N>                            append of batch N returned (acknowledged)
//     durable <N>                        flush() returned: batches up to N are on stable storage
//     dropped <partition>…               a retention run returned, having dropped these partitions
//     ready                              (recovery mode) the WAL holds <target-rows> rows
import Strata
import StrataCrashSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line straight to a file descriptor (unbuffered: a line is out before the next step).
func writeLine(_ text: String, to fd: Int32) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
}

/// Runs `body` between `phase <name> begin` and `phase <name> end <µs>`.
func phase<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
    writeLine("phase \(name) begin", to: 1)
    let start = ContinuousClock.now
    let result = try body()
    let elapsed = (ContinuousClock.now - start).components
    writeLine("phase \(name) end \(elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000)", to: 1)
    return result
}

let arguments = CommandLine.arguments
// The records campaign (orders and jobs): `StrataCrashWriter <data-dir> records <first-step> <fsync|group>`.
if arguments.count == 5, arguments[2] == "records", let first = Int(arguments[3]) {
    exit(RecordsCrashWriter.run(directory: arguments[1], firstStep: first, durability: arguments[4]))
}
guard arguments.count == 4 || arguments.count == 5, let mode = CrashMode(rawValue: arguments[2]),
    let first = Int(arguments[3])
else {
    writeLine(
        "usage: StrataCrashWriter <data-dir> <fsync|group|os|seal|compaction|retention|recovery> <first-batch> [<target-rows>]",
        to: 2)
    exit(2)
}
let targetRows = arguments.count == 5 ? Int(arguments[4]) ?? 0 : 0
let workload = CrashWorkload(mode: mode)
do {
    let store = try phase("recovery") {
        try StrataStore.open(directory: arguments[1], configuration: workload.configuration)
    }
    var batch = first
    var announcedReady = false
    while true {
        try store.trades.appendNow(workload.batch(batch))
        writeLine("ack \(batch)", to: 1)
        switch mode {
        case .fsync, .os:
            if batch % 7 == 6 { _ = phase("compaction") { store.compact(now: CrashWorkload.base) } }
        case .group:
            if batch % 8 == 7 {
                try phase("flush") { try store.flush() }
                writeLine("durable \(batch)", to: 1)
            }
            if batch % 7 == 6 { _ = phase("compaction") { store.compact(now: CrashWorkload.base) } }
        case .seal:
            // `now` before all data: partitions seal by the data alone.
            _ = phase("seal") { store.compact(now: CrashWorkload.base) }
        case .compaction:
            _ = phase("compaction") { store.compact(now: CrashWorkload.base) }
        case .retention:
            _ = phase("seal") { store.compact(now: CrashWorkload.base) }
            let report = phase("retention") { store.applyRetention(now: Timestamp(nanoseconds: .max)) }
            let partitions = report.entries.filter { $0.table == "trades" }.flatMap(\.dropped.partitions)
            if !partitions.isEmpty {
                let indexes = partitions.map { String(workload.partition(of: $0)) }
                writeLine("dropped " + indexes.joined(separator: " "), to: 1)
            }
            if let error = report.errors.first { throw error }
        case .recovery:
            if !announcedReady && (batch + 1) * workload.inOrderRows >= targetRows {
                announcedReady = true
                writeLine("ready", to: 1)
            }
            if announcedReady { usleep(2_000) }
        }
        batch += 1
    }
} catch {
    writeLine("StrataCrashWriter: \(error)", to: 2)
    exit(1)
}
