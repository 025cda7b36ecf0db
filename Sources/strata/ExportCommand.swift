import ArgumentParser
import Strata
import StrataLake
import StrataServer

#if canImport(Glibc)
    import Glibc
#endif

/// `strata export parquet|csv`: a table's rows into a lake directory (Docs/Lake.md).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a table's rows to a data lake directory (Parquet or CSV, hive layout).",
        discussion: """
            Writes <out>/table=<table>/date=<YYYY-MM-DD>/part-<N>.parquet (or .csv): a file per UTC day, a row \
            group per symbol, each file published atomically and listed in <out>/table=<table>/_manifest.tsv with \
            its rows, bytes and CRC-32C. Decimals are DECIMAL(18, scale), times TIMESTAMP(NANOS, UTC). \
            DuckDB: SELECT * FROM read_parquet('<out>/table=trades/**/*.parquet', hive_partitioning=true). \
            A day the lake already has is skipped (an interrupted export resumes by running it again).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case parquet, csv
    }

    @Argument(help: "parquet or csv.")
    var format: Format

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: ArgumentHelp(tableHelp))
    var table: String = "trades"

    @Option(help: "Start of the range, inclusive (ISO-8601 or epoch nanoseconds).")
    var from: String

    @Option(help: "End of the range, exclusive.")
    var to: String

    @Option(help: "Only these symbols, comma-separated (default: every symbol).")
    var symbol: String?

    @Option(help: "The lake directory to write into.")
    var out: String

    func run() async throws {
        let start = try Timestamp(parsing: from, field: "--from")
        let end = try Timestamp(parsing: to, field: "--to")
        guard start <= end else { throw CLIError("--to: must not be before --from") }
        let symbols = try symbol.map { text in
            try text.split(separator: ",").map { try Symbol(String($0), field: "--symbol") }
        }
        let store = try storage.openExisting()
        defer { try? store.close() }
        let reader = try QueryCommand.table(table, in: store)
        let export = LakeExport(store: store, root: out, format: format == .csv ? .csv : .parquet)
        let summary: LakeExport.Summary
        do {
            summary = try export.export(table: reader.name, from: start, to: end, symbols: symbols) { entry in
                print("\(entry.path)\t\(entry.rows) rows\t\(entry.bytes) bytes")
            }
        } catch let error as LakeError {
            throw CLIError("export: \(error)")
        }
        if !summary.skippedDates.isEmpty {
            print(
                "skipped \(summary.skippedDates.count) days already in the lake: \(summary.skippedDates.joined(separator: ", "))"
            )
        }
        print("exported \(summary.rows) rows of \(reader.name) in \(summary.files.count) files, \(summary.bytes) bytes")
    }
}

/// `strata lake …`: checks of a lake directory.
struct LakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lake", abstract: "Check a data lake directory; move old partitions into it (the cold tier).",
        subcommands: [Verify.self, LakeMoveCommand.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every file against its table's manifest: exists, size, CRC-32C, rows, readable.",
            discussion: "Exit status 1 when a problem is found; each is printed on a line.")

        @Argument(help: "The lake directory.")
        var directory: String

        @Option(
            name: .customLong("config"),
            help: "A JSON configuration file whose user-defined tables' files are read too (default: $STRATA_CONFIG).")
        var config: String?

        func run() async throws {
            var path = config
            if path == nil, let value = getenv("STRATA_CONFIG"), value.pointee != 0 { path = String(cString: value) }
            let configuration: StrataStore.Configuration
            do {
                configuration = try StrataStore.Configuration.load(
                    file: path, environment: ServeCommand.environment(), defaultDurability: .osBuffered)
            } catch {
                throw CLIError(error.description)
            }
            let schemas = RecordSchema.builtIn + RecordSchema.tradingRecords + configuration.tables
            let report = LakeVerifier(root: directory, schemas: schemas).verify()
            for problem in report.problems { print(problem) }
            print(
                "\(report.files) files, \(report.rows) rows, \(report.bytes) bytes: "
                    + (report.isClean ? "ok" : "\(report.problems.count) problems"))
            if !report.isClean { throw ExitCode(1) }
        }
    }
}
