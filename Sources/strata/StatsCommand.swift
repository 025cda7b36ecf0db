import ArgumentParser
import Strata

/// `strata stats`: size and shape of every table.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Rows, symbols, partitions and bytes of every table.")

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let columns = [
            "table", "rows", "symbols", "bytes_on_disk", "partitions", "sealed_partitions", "pending_late_rows",
            "duplicates_skipped", "oldest", "newest",
        ]
        let rows: [[Cell]] = store.stats().map { stats in
            [
                .text(stats.table), .integer(Int64(stats.rows)), .integer(Int64(stats.symbols)),
                .integer(stats.bytesOnDisk),
                .integer(Int64(stats.partitions)), .integer(Int64(stats.sealedPartitions)),
                .integer(Int64(stats.pendingLateRows)), .integer(Int64(stats.duplicatesSkipped)),
                stats.oldest.map { .text($0.iso8601) } ?? .empty, stats.newest.map { .text($0.iso8601) } ?? .empty,
            ]
        }
        Renderer(format: format).render(columns: columns, rows: rows)
    }
}

/// `strata compact`: seal finished partitions and merge late rows.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Seal every partition whose period is over and merge late rows into sealed partitions.")

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let store = try storage.openExisting()
        let report = store.compact()
        try store.close()
        Terminal.writeOutput(report.description + "\n")
        if let error = report.errors.first {
            throw CLIError("compaction failed for \(report.errors.count) partition(s): \(error)")
        }
    }
}
