import ArgumentParser
import Strata

/// `strata retention show|set|run`: how long each table keeps its data.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show, set or apply the retention policy of a data directory.",
        discussion: """
            A policy gives each table a maximum age: \(RetentionPolicy.tableNames.joined(separator: ", ")) \
            and the user-defined tables of --config (e.g. trades=30d bars_1m=90d bars_1h=1y bars_1d=7y). \
            Ages count back from the table's newest data, never from later than now, and only whole sealed \
            partitions are dropped.
            """,
        subcommands: [Show.self, Set.self, Run.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the policy and what each table holds.")
        @OptionGroup var storage: DataDirectoryOptions

        func run() async throws {
            let store = try storage.openExisting()
            defer { try? store.close() }
            let policy = store.retention
            var rows: [[Cell]] = []
            for stats in store.stats() {
                let age = policy.maximumAge[stats.table].map {
                    RetentionPolicy(maximumAge: [stats.table: $0]).description
                }
                rows.append([
                    .text(stats.table), .text(age.map { String($0.split(separator: "=")[1]) } ?? "keep everything"),
                    .integer(Int64(stats.sealedPartitions)), .integer(Int64(stats.rows)),
                    .text(stats.oldest.map(\.description) ?? ""), .text(stats.newest.map(\.description) ?? ""),
                ])
            }
            Renderer(format: .table).render(
                columns: ["table", "max_age", "sealed_partitions", "rows", "oldest", "newest"], rows: rows)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save a policy in the data directory (replaces the previous one).")
        @OptionGroup var storage: DataDirectoryOptions

        @Argument(help: "table=age entries, e.g. trades=30d bars_1m=90d bars_1d=7y.")
        var entries: [String]

        func run() async throws {
            let store = try storage.openExisting()
            try store.close()
            let policy = try RetentionPolicy(
                parsing: entries.joined(separator: ","), tables: store.userTables.map(\.name))
            try policy.save(directory: storage.directory)
            Terminal.writeOutput("retention: \(policy.description.isEmpty ? "keep everything" : policy.description)\n")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Seal what is over, then drop what the policy says.")
        @OptionGroup var storage: DataDirectoryOptions

        @Option(help: "Take this as the current time (ISO-8601 or epoch ns) instead of the wall clock.")
        var now: String?

        func run() async throws {
            let clock = try now.map { try Timestamp(parsing: $0, field: "--now") } ?? WallClock.now()
            let store = try storage.openExisting()
            let run = store.maintain(now: clock)
            try store.close()
            Terminal.writeOutput(run.compaction.description + "\n" + run.retention.description + "\n")
            if let error = run.errors.first {
                throw CLIError("retention run had \(run.errors.count) error(s): \(error)")
            }
        }
    }
}

/// `strata purge`: drop, now, every sealed partition older than an age or a time.
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Drop the sealed partitions that end before an age or a time, in every table or the ones named.",
        discussion: """
            Whole partitions only (a day of a table): rows in memory and partitions not sealed yet stay. \
            The trading records' states are snapshotted first, so they still rebuild. Prints what was dropped.
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "An age (30d, 12h, 90m) or a time (ISO-8601 or epoch ns): partitions ending at or before it go.")
    var olderThan: String

    @Option(help: "Comma-separated tables (default: every table).")
    var tables: String?

    @Option(help: "Take this as the current time (ISO-8601 or epoch ns) instead of the wall clock.")
    var now: String?

    func run() async throws {
        let clock = try now.map { try Timestamp(parsing: $0, field: "--now") } ?? WallClock.now()
        let cutoff: Timestamp
        if let age = RetentionPolicy.parseAge(olderThan) {
            cutoff = Timestamp(nanoseconds: clock.nanoseconds - age)
        } else if let time = try? Timestamp(parsing: olderThan, field: "--older-than") {
            cutoff = time
        } else {
            throw CLIError("--older-than: \"\(olderThan)\" is neither an age (30d, 12h, 90m) nor a time")
        }
        let store = try storage.openExisting()
        defer { try? store.close() }
        let names = tables.map { $0.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) } }
        if let names {
            let known = Set(store.stats().map(\.table))
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw CLIError(
                    "--tables: no table named \"\(unknown)\" (tables: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let report = store.purge(olderThan: cutoff, tables: names, now: clock)
        Terminal.writeOutput(report.description + "\n")
        if let error = report.errors.first {
            throw CLIError("purge had \(report.errors.count) error(s): \(error)")
        }
    }
}

/// `strata flush`: make every acknowledged write durable; with `--seal`, seal every partition too.
struct FlushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract:
            "Sync every table's write-ahead log to disk; with --seal, also seal every partition, the open ones included.",
        discussion: """
            A store opened by `strata serve` is locked: stop the server first. --seal writes the rows in memory to \
            sealed files now (late rows for them are merged later, as always).
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Flag(help: "Seal every partition, including the current day's.")
    var seal = false

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        try store.flush()
        if seal {
            let report = store.compact(now: .max)
            Terminal.writeOutput(report.description + "\n")
            if let error = report.errors.first {
                throw CLIError("sealing had \(report.errors.count) error(s): \(error)")
            }
        }
        let memory = store.storage().reduce(0) { $0 + $1.memoryRows }
        Terminal.writeOutput("flushed; \(memory) row(s) still in memory (in the write-ahead log, durable)\n")
    }
}
