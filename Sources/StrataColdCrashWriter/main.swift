// The cold tier's crash writer: opens a store with the lake as its cold tier and runs the
// janitor until everything past the hot retention is moved, printing each table's report, until
// the test SIGKILLs it (ColdTierCrashTests). The store's partitions are one minute wide so that
// a run makes many moves, each a kill point.
//
//     StrataColdCrashWriter <data directory> <lake directory> <hot retention in minutes>
import Strata
import StrataCore
import StrataLake

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard output at once (unbuffered: a SIGKILL loses nothing printed).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let minutes = Int64(arguments[3]) else {
    say("usage: StrataColdCrashWriter <data> <lake> <hot retention minutes>")
    exit(2)
}
do {
    let store = try StrataStore.open(
        directory: arguments[1],
        configuration: StrataStore.Configuration(
            durability: .fsyncEachBatch, partitionDuration: 60_000_000_000, aggregates: false,
            maintenanceInterval: nil,
            cold: LakeColdTier(
                root: arguments[2], hotRetention: ["trades": minutes * 60_000_000_000], janitorEnabled: false)))
    say("opened")
    for report in store.moveToCold(now: WallClock.now()) {
        say("\(report.table) moved \(report.moved.count) rows \(report.rows) errors \(report.errors.count)")
        for error in report.errors { say("error \(error)") }
    }
    try store.close()
    say("done")
} catch {
    say("failed \(error)")
    exit(1)
}
