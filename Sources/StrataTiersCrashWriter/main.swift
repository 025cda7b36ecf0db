// The replicator's crash writer: commits batches to a table's replication log and feeds a
// durable file tier (`FileTier`), printing `ack <position>` after each commit returns, until
// the test SIGKILLs it. `drain` feeds the tier until it caught up and prints `drained <applied>`.
//
//     StrataTiersCrashWriter <directory> run|drain
import StrataCore
import StrataTiers

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard output at once (unbuffered: a SIGKILL loses nothing printed).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, ["run", "drain"].contains(arguments[2]) else {
    say("usage: StrataTiersCrashWriter <directory> run|drain")
    exit(2)
}
let directory = arguments[1]
let log = try CommitLog(configuration: .init(directory: directory + "/log", syncEachAppend: true))
let tier = try FileTier(path: directory + "/tier.positions")
let replicator = try Replicator(
    configuration: .init(table: "ticks", cursorDirectory: directory + "/cursors", maxRowsPerBatch: 5), log: log,
    tiers: [tier])
let running = replicator.start()

if arguments[2] == "drain" {
    let caughtUp = await replicator.waitUntilCaughtUp(timeout: .seconds(60))
    say("drained \(replicator.status[0].replication.applied) \(caughtUp)")
    exit(0)
}
var next = log.lastPosition
while true {
    var batch = ColumnBatch(columnCount: 2)
    batch.symbols = ["A"]
    batch.symbolIndex = [0]
    batch.columns[0] = [1_700_000_000_000_000_000 + Int64(next)]
    batch.columns[1] = [Int64(next)]
    let position = try replicator.commit(batch)
    say("ack \(position)")
    next += 1
    if next % 8 == 0 { try await Task.sleep(for: .microseconds(300)) }
}
