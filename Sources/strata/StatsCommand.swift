import ArgumentParser
import Strata

/// `strata stats`: size and shape of every table.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Rows, symbols, partitions and bytes of every table.")

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    @Flag(
        help:
            "Per column: bytes in the sealed files, the same values raw (8 bytes each), their ratio; and rows and bytes in memory per table."
    )
    var storageColumns = false

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        if storageColumns {
            printStorage(store)
            try Self.failIfDamaged(store)
            return
        }
        let columns = [
            "table", "rows", "symbols", "bytes_on_disk", "partitions", "sealed_partitions", "pending_late_rows",
            "duplicates_skipped", "overwrites", "oldest", "newest",
        ]
        let rows: [[Cell]] = store.stats().map { stats in
            [
                .text(stats.table), .integer(Int64(stats.rows)), .integer(Int64(stats.symbols)),
                .integer(stats.bytesOnDisk),
                .integer(Int64(stats.partitions)), .integer(Int64(stats.sealedPartitions)),
                .integer(Int64(stats.pendingLateRows)), .integer(Int64(stats.duplicatesSkipped)),
                .integer(Int64(stats.overwrites)),
                stats.oldest.map { .text($0.iso8601) } ?? .empty, stats.newest.map { .text($0.iso8601) } ?? .empty,
            ]
        }
        Renderer(format: format).render(columns: columns, rows: rows)
        try Self.failIfDamaged(store)
    }

    /// `--storage-columns`: a row per column, then the table's totals (`column` `*`) with its
    /// rows and bytes in memory.
    private func printStorage(_ store: StrataStore) {
        let columns = [
            "table", "column", "sealed_rows", "encoded_bytes", "raw_bytes", "compression_ratio", "memory_rows",
            "memory_bytes",
        ]
        func ratio(_ value: Double?) -> Cell { value.map { .decimal(TableStorage.ratioText($0)) } ?? .empty }
        var rows: [[Cell]] = []
        for table in store.storage() {
            for column in table.columns {
                rows.append([
                    .text(table.table), .text(column.name), .integer(Int64(table.sealedRows)),
                    .integer(column.encodedBytes), .integer(column.rawBytes), ratio(column.compressionRatio), .empty,
                    .empty,
                ])
            }
            rows.append([
                .text(table.table), .text("*"), .integer(Int64(table.sealedRows)), .integer(table.encodedBytes),
                .integer(table.rawBytes), ratio(table.compressionRatio), .integer(Int64(table.memoryRows)),
                .integer(table.memoryBytes),
            ])
        }
        Renderer(format: format).render(columns: columns, rows: rows)
    }

    /// A store with damage or open incidents is not a success, even when its figures print.
    static func failIfDamaged(_ store: StrataStore) throws {
        let condition = store.condition()
        let damaged = condition.tables.filter { $0.damagedPartitions > 0 || $0.walFailure != nil }
        guard !condition.incidents.isEmpty || !damaged.isEmpty else { return }
        for incident in condition.incidents { Terminal.writeError("strata: incident: \(incident)\n") }
        for table in damaged { Terminal.writeError("strata: degraded: \(table)\n") }
        throw CLIError(
            "the store is damaged: \(condition.incidents.count) open incident(s), \(damaged.count) degraded table(s); "
                + "run `strata verify`, then `strata incidents --acknowledge` once handled")
    }
}

/// `strata verify`: read every sealed block and report damage.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every stored block (checksums, decoding, row counts) and every WAL frame, and report damage.",
        discussion: "Exits 1 when anything is damaged or an incident is open (see `strata incidents`).")

    @OptionGroup var storage: DataDirectoryOptions

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        // Opening replayed each table's WAL frame by frame (checksums, order): what it found.
        for recovery in store.recovery.tables { Terminal.writeOutput("wal: " + recovery.description + "\n") }
        let reports = try store.verify()
        for report in reports { Terminal.writeOutput(report.description + "\n") }
        try StatsCommand.failIfDamaged(store)
    }
}

/// `strata incidents`: the damage and data cuts waiting for an operator; `--acknowledge` clears them.
struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "List the incidents waiting for an operator (data cut by recovery, damaged files or blocks).",
        discussion: """
            An incident keeps health degraded (and `strata stats` / `strata verify` failing) until acknowledged. \
            A damaged file that is still in place is found again at the next open.
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Flag(help: "Acknowledge every open incident (they stay in incidents.acknowledged).")
    var acknowledge = false

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let open = store.openIncidents
        for incident in open { Terminal.writeOutput(incident.description + "\n") }
        if open.isEmpty { Terminal.writeOutput("no open incidents\n") }
        if acknowledge && !open.isEmpty {
            let count = try store.acknowledgeIncidents()
            Terminal.writeOutput("acknowledged \(count) incident(s)\n")
        }
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
