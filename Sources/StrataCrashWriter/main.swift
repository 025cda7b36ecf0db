// A writer for the crash tests: appends numbered batches under fsync-each-batch and prints
// `ack N` after each acknowledgement, until it is killed.
//
//     StrataCrashWriter <data-dir> <first-batch>
//
// Batch N holds rows that are a pure function of N (see `CrashWorkload`), so the test can tell
// exactly which rows each acknowledged batch must have left in the store.
import Strata

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line straight to a file descriptor (unbuffered: an ack is out before the next append).
func writeLine(_ text: String, to fd: Int32) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let first = Int(arguments[2]) else {
    writeLine("usage: StrataCrashWriter <data-dir> <first-batch>", to: 2)
    exit(2)
}
do {
    let store = try StrataStore.open(directory: arguments[1], configuration: CrashWorkload.configuration)
    var batch = first
    while true {
        try store.trades.appendNow(CrashWorkload.batch(batch))
        writeLine("ack \(batch)", to: 1)
        if batch % 7 == 6 { _ = store.compact(now: CrashWorkload.base) }  // seal by the data, merge late rows
        batch += 1
    }
} catch {
    writeLine("StrataCrashWriter: \(error)", to: 2)
    exit(1)
}
