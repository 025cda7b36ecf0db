import ArgumentParser
import Strata
import StrataImport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata ingest`: load a CSV file into a table.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load a CSV file into a table.",
        discussion: """
            Any table: \(RecordSchema.builtIn.map(\.name).joined(separator: ", ")), or a user-defined table of
            the configuration file (--config or STRATA_CONFIG).

            With a header line, its names are the table's columns or their
            aliases (qty or quantity), in any case and any order; an unknown,
            repeated or missing column stops the ingest before anything is
            stored. Values are read by the column's kind, exactly: decimals at
            the column's scale (never rounded), timestamps as epoch ns or
            ISO-8601, booleans as true/false, t/f or 1/0; text may be quoted
            ("a, b", with "" for a quote). A user table's file needs a header.

            Without a header, tables with a layout of their own read it:
            \(builtInCSVFormats.map { $0.layoutHelp }.joined(separator: "\n"))

            Rows that fail to parse or validate go to
            <data>/quarantine/<table>.csv with their line number and reason;
            the rest are stored. The store is flushed and closed at the end,
            so a finished ingest is durable. While it runs, acknowledged
            batches are synced as STRATA_DURABILITY says (as for strata serve;
            default group-commit:10).

            Exit status: 0 when the rejected rows are within --max-rejects
            (default: any number, as long as something was read and not
            everything was rejected); 1 when every row was rejected, or more
            than --max-rejects (a count, or a share such as 1%) were.
            """
    )

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: ArgumentHelp(tableHelp))
    var table: String

    @Option(help: "The CSV file to read ('-' for standard input); or give it as the argument.")
    var csv: String?

    @Argument(help: "The CSV file to read ('-' for standard input), if --csv is not given.")
    var file: String?

    @Option(help: "The symbol of a Binance aggTrades file (default: from its file name).")
    var symbol: String?

    @Option(
        help: ArgumentHelp(
            "Most rows that may be rejected before the ingest counts as failed: a count (0 for none) or a share of the rows read (0.5%).",
            valueName: "n|p%"))
    var maxRejects: RejectLimit?

    @Option(help: ArgumentHelp("Rows per append.", visibility: .hidden))
    var batchSize: Int = 10_000

    /// The input: `--csv` or the argument.
    private var input: String { csv ?? file ?? "-" }

    func validate() throws {
        switch (csv, file) {
        case (nil, nil): throw ArgumentParser.ValidationError("give the CSV file: strata ingest --table NAME FILE")
        case (.some, .some): throw ArgumentParser.ValidationError("give the CSV file once: --csv FILE or FILE")
        default: break
        }
        if symbol != nil, SchemaCatalog.builtIn.schema(named: table).flatMap(builtInCSVFormat)?.takesSymbol != true {
            let tables = RecordSchema.builtIn.filter { builtInCSVFormat(for: $0)?.takesSymbol == true }.map(\.name)
            throw ArgumentParser.ValidationError(
                "--symbol applies to --table \(tables.joined(separator: ", ")) only: other tables' rows carry their symbol"
            )
        }
        if batchSize < 1 { throw ArgumentParser.ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let configuration = try storage.storeConfiguration(defaultDurability: .groupCommit(milliseconds: 10))
        let catalog: SchemaCatalog
        do {
            catalog = try SchemaCatalog.builtIn.adding(configuration.tables)
        } catch {
            throw CLIError("\(error)")
        }
        guard let schema = catalog.schema(named: table) else {
            throw CLIError(
                "--table: no table '\(table)' (tables: \(catalog.schemas.map(\.name).joined(separator: ", ")); user-defined tables come from --config)"
            )
        }
        // A built-in table with a layout of its own (Binance's) reads it, with or without a
        // header; every other table is read by its schema, from the header's names.
        if let format = builtInCSVFormat(for: schema) {
            try await ingest(format)
            return
        }
        try await ingest(format: SchemaCSVFormat(schema: schema), configuration: configuration) {
            store, reader, quarantine, progress in
            guard let destination = store.table(named: schema.name) else {
                throw CLIError("--table: the store did not open the table \(schema.name)")
            }
            return try await CSVImporter.run(
                reader: reader, into: destination, quarantine: quarantine, batchSize: batchSize, progress: progress)
        }
    }

    /// Reads the file in a built-in table's own layout into the table, by its typed records.
    private func ingest<Format: BuiltInCSVFormat>(_ layout: Format.Type) async throws {
        let configuration = try storage.storeConfiguration(defaultDurability: .groupCommit(milliseconds: 10))
        var fixed: Symbol?
        if Format.takesSymbol {
            fixed = try symbol.map { try Symbol($0, field: "--symbol") } ?? Format.symbol(fromFileName: input)
            if fixed == nil { try checkRowsCarrySymbols(Format.self) }
        }
        try await ingest(format: Format(symbol: fixed), configuration: configuration) {
            store, reader, quarantine, progress in
            guard let destination = store.table(Format.Record.self) else {
                throw CLIError("--table: the store did not open the table \(Format.Record.schema.name)")
            }
            return try await CSVImporter.run(
                reader: reader, into: destination, quarantine: quarantine, batchSize: batchSize, progress: progress)
        }
    }

    /// Without a symbol, only rows that carry one can be stored: say so up front rather than
    /// quarantine a whole file of rows without one.
    private func checkRowsCarrySymbols<Format: BuiltInCSVFormat>(_ layout: Format.Type) throws {
        guard input != "-" else { return }
        let probe = try CSVReader(path: input, format: Format(symbol: nil), chunkSize: 1 << 16)
        if let first = try probe.nextBatch(maxRows: 1)?.rejections.first, first.error.field == "symbol",
            first.error.value.isEmpty
        {
            throw CLIError(
                "\(input) has no symbol column and its name does not start with one: pass --symbol "
                    + "(or name it like BTCUSDT-aggTrades-2024-01-01.csv)")
        }
    }

    /// Opens the input (and reads its header), then the store, and runs `importing` into the table.
    private func ingest<Format: CSVRecordFormat>(
        format: Format, configuration: StrataStore.Configuration,
        importing: (
            StrataStore, sending CSVReader<Format>, Quarantine, (@Sendable (CSVImporter.Progress) -> Void)?
        ) async throws -> CSVImportReport
    ) async throws {
        // Open the input and read its header first: a missing file or a header that does not fit
        // the table should not create an empty store.
        let reader = try CSVReader(path: input, format: format, rules: configuration.validation)
        do {
            try reader.readHeader()
        } catch let error as CSVHeaderError {
            throw CLIError("\(input): \(error)")
        }
        let name = format.schema.name
        let store = try StrataStore.open(directory: storage.directory, configuration: configuration)
        if store.recovery.rowsReplayed > 0 || !store.recovery.damagedFiles.isEmpty {
            Terminal.writeError("strata: recovered: \(store.recovery.description)\n")
        }
        let quarantine = Quarantine(dataDirectory: store.directory, table: name)
        let report: CSVImportReport
        let progress = Terminal.standardErrorIsTerminal ? ProgressBar() : nil
        var onProgress: (@Sendable (CSVImporter.Progress) -> Void)?
        if let progress { onProgress = { update in progress.update(update) } }
        do {
            report = try await importing(store, reader, quarantine, onProgress)
            progress?.finish()
            try store.flush()
            try store.close()
        } catch {
            progress?.finish()
            try? store.close()
            throw error
        }
        printSummary(report, table: name, directory: store.directory)
        if report.rowsRead > 0 && report.rejected == report.rowsRead {
            throw CLIError(
                "every one of the \(report.rowsRead) rows was rejected (nothing stored); the first: line \(report.firstRejections.first?.line ?? 0): \(report.firstRejections.first?.reason ?? "?") — is the file a \(name) file?"
            )
        }
        if let maxRejects, maxRejects.isExceeded(rejected: report.rejected, read: report.rowsRead) {
            throw CLIError(
                "\(report.rejected) of \(report.rowsRead) rows were rejected, more than --max-rejects \(maxRejects); they are in \(report.quarantinePath ?? "the quarantine")"
            )
        }
    }

    private func printSummary(_ report: CSVImportReport, table: String, directory: String) {
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        var text = "ingested \(report.source) into \(table) at \(directory)\n"
        text += "  rows read:   \(report.rowsRead)\n"
        text += "  stored:      \(report.stored)\n"
        text += "  duplicates:  \(report.duplicates)\n"
        text += "  rejected:    \(report.rejected)\n"
        if report.rejected > 0 {
            for rejection in report.firstRejections {
                text += "    line \(rejection.line): \(rejection.reason)\n"
            }
            if report.rejected > report.firstRejections.count {
                text += "    … and \(report.rejected - report.firstRejections.count) more\n"
            }
            text += "  quarantine:  \(report.quarantinePath ?? "none")\n"
        }
        text += "  elapsed:     \(formatFixed(seconds, digits: 3)) s\n"
        text += "  rows/s:      \(report.rowsPerSecond)\n"
        Terminal.writeOutput(text)
    }
}

/// `value` with `digits` decimals (for durations; never used for prices).
func formatFixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = String(scaled % Int64(scale))
    return "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// `--max-rejects`: a count of rows (`100`) or a share of the rows read (`0.5%`).
struct RejectLimit: ExpressibleByArgument, CustomStringConvertible {
    enum Limit {
        case count(Int)
        /// Parts per million of the rows read (exact: no floating point in the comparison).
        case perMillion(Int)
    }

    let limit: Limit
    let text: String

    init?(argument: String) {
        text = argument
        if argument.hasSuffix("%") {
            // Up to four decimals of a percent: 0.0001% … 100%.
            let number = argument.dropLast()
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0, whole <= 100 else { return nil }
            var fraction = 0
            if parts.count == 2 {
                guard !parts[1].isEmpty, parts[1].count <= 4, let digits = Int(parts[1]) else { return nil }
                fraction = digits
                for _ in parts[1].count..<4 { fraction *= 10 }
            }
            let perMillion = whole * 10_000 + fraction
            guard perMillion <= 1_000_000 else { return nil }
            limit = .perMillion(perMillion)
        } else {
            guard let count = Int(argument), count >= 0 else { return nil }
            limit = .count(count)
        }
    }

    func isExceeded(rejected: Int, read: Int) -> Bool {
        switch limit {
        case .count(let count): return rejected > count
        case .perMillion(let share): return Int128(rejected) * 1_000_000 > Int128(share) * Int128(read)
        }
    }

    var description: String { text }
}

extension IngestCommand {
}
