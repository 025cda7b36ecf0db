import ArgumentParser
import Strata
import StrataCore
import StrataLake

/// `strata lake move`: the cold tier's janitor by hand (Docs/Lake.md, "The cold tier").
///
/// `--data` rather than the issue's `--dir`: every command that opens a store names its directory
/// `--data` (and reads `$STRATA_DATA`), so the janitor does too.
struct LakeMoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move sealed partitions past their hot retention from the store to the lake (the cold tier).",
        discussion: """
            Seals what is over, then for each table with a hot retention copies every sealed partition older than \
            it to <lake>/table=<table>/date=<day>/part-<N>.parquet, reads the copy back and compares its rows and \
            their values' checksum with the store's, records the move in <lake>/table=<table>/_cold_journal.tsv and \
            only then drops the partition from the store. Reads of the store (strata query, the server) answer the \
            moved rows from the lake. An interrupted move is finished or undone by the next run (or the next open). \
            The lake and the retention default to the configuration's lake block (lake.directory, \
            lake.hotRetention).
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "The lake directory (default: the configuration's lake.directory).")
    var lake: String?

    @Option(help: "Hot retention per table, e.g. trades=7d,quotes=2d,*=30d (default: lake.hotRetention).")
    var hot: String?

    @Option(help: "Only these tables, comma-separated (default: every table with a hot retention).")
    var table: String?

    @Option(help: "Measure the retention back from this time rather than now (ISO-8601 or epoch nanoseconds).")
    var now: String?

    func run() async throws {
        var configuration = try storage.storeConfiguration(defaultDurability: .fsyncEachBatch)
        var settings = LakeSettings()
        if let tier = configuration.cold as? LakeColdTier {
            settings.directory = tier.root
            settings.hotRetention = tier.hotRetention
            settings.defaultHotRetention = tier.defaultHotRetention
        }
        if let lake { settings.directory = lake }
        if let hot {
            do {
                settings = try settings.withHotRetention(
                    parsing: hot, tables: configuration.tables.map(\.name), key: "--hot")
            } catch {
                throw CLIError(error.description)
            }
        }
        guard let tier = LakeColdTier(settings: settings) else {
            throw CLIError("--lake: no lake directory (give --lake, or lake.directory in the configuration)")
        }
        configuration.cold = tier
        let clock = try now.map { try Timestamp(parsing: $0, field: "--now") } ?? WallClock.now()
        let store = try storage.openExisting(configuration: configuration)
        defer { try? store.close() }
        let sealing = store.compact(now: clock)
        for error in sealing.errors { print("ERROR: \(error)") }
        let tables = table.map { $0.split(separator: ",").map(String.init) }
        if let tables, let unknown = tables.first(where: { !store.coldTableNames.contains($0) }) {
            throw CLIError("--table: \(unknown) has no hot retention (\(store.coldTableNames.joined(separator: ", ")))")
        }
        var failed = false
        for report in store.moveToCold(now: clock, tables: tables) {
            print(report)
            failed = failed || !report.errors.isEmpty
        }
        if failed { throw ExitCode(1) }
    }
}
