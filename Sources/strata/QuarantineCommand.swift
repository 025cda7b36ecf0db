import ArgumentParser
import Strata
import StrataImport
import StrataLineProtocol
import StrataServer

/// `strata quarantine`: the rows ingest refused, listed and replayed.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List the rows ingest refused, and replay them once corrected.",
        discussion: """
            strata ingest and the server's ILP writes keep each refused row in
            <data>/quarantine/<table>.csv with its source (file, or the server's
            request id), line, reason, the row as received, and the format to read
            it again by. Correct a row's raw field in that file, then replay: the
            rows that now pass are stored and leave the file; the rest stay, with
            their new reasons.
            """,
        subcommands: [QuarantineListCommand.self, QuarantineReplayCommand.self])
}

/// `strata quarantine list`: the quarantines, or one table's rows.
struct QuarantineListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Each quarantine with its row count, or the rows of one (--table).")

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "The quarantine to list (a table, or ilp-unmapped for lines that named none).")
    var table: String?

    @Option(help: "Most rows listed (0: all).")
    var limit = 50

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    func run() throws {
        let renderer = Renderer(format: format)
        guard let table else {
            let rows = try Quarantine.tables(inDataDirectory: storage.directory).map { name -> [Cell] in
                let quarantine = Quarantine(dataDirectory: storage.directory, table: name)
                return [.text(name), .integer(Int64(try readQuarantine(quarantine).count)), .text(quarantine.path)]
            }
            renderer.render(columns: ["quarantine", "rows", "file"], rows: rows)
            return
        }
        let quarantine = Quarantine(dataDirectory: storage.directory, table: table)
        let entries = try readQuarantine(quarantine)
        let shown = limit > 0 ? Array(entries.prefix(limit)) : entries
        renderer.render(
            columns: ["quarantined_at", "source", "line", "reason", "raw", "format"],
            rows: shown.map {
                [
                    .text($0.quarantinedAt), .text($0.source), .integer(Int64($0.line)), .text($0.reason),
                    .text($0.raw),
                    .text($0.format?.description ?? ""),
                ]
            })
        if format == .table, shown.count < entries.count {
            Terminal.writeError(
                "\(entries.count - shown.count) more row(s): --limit 0 lists all (\(quarantine.path))\n")
        }
    }
}

/// `strata quarantine replay`: stores the rows that now pass.
struct QuarantineReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Read a quarantine's rows again: store those that now pass, keep the rest with their new reasons.",
        discussion: """
            Each row is read by the format recorded with it: CSV under its source
            file's header line (or the table's own layout) and symbol, ILP lines
            at their request's precision (routed by their measurement, as the
            server does). Rows quarantined by an earlier version have no format:
            give the header their source had with --header (or --layout for the
            table's own header-less layout). The quarantine file is rewritten
            atomically with the rows still refused; --dry-run only reports.
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "The quarantine to replay (a table, or ilp-unmapped).")
    var table: String

    @Option(help: "For rows with no recorded format: the header line their CSV source had.")
    var header: String?

    @Flag(help: "For rows with no recorded format: the table's own header-less layout.")
    var layout = false

    @Option(help: "For rows with no recorded format: the symbol of rows without one (aggregated trades).")
    var symbol: String?

    @Flag(help: "Report what would be stored, and roll nothing forward: the store and the file are left as they are.")
    var dryRun = false

    func validate() throws {
        if header != nil && layout { throw ValidationError("give --header or --layout, not both") }
    }

    func run() async throws {
        let configuration = try storage.storeConfiguration(defaultDurability: .groupCommit(milliseconds: 10))
        let quarantine = Quarantine(dataDirectory: storage.directory, table: table)
        let entries = try readQuarantine(quarantine)
        guard !entries.isEmpty else {
            Terminal.writeOutput("nothing quarantined for \(table) (\(quarantine.path))\n")
            return
        }
        let catalog: SchemaCatalog
        do {
            catalog = try SchemaCatalog.builtIn.adding(configuration.tables)
        } catch {
            throw CLIError("\(error)")
        }
        let schema = catalog.schema(named: table)
        if schema == nil, entries.contains(where: { if case .lineProtocol = $0.format { false } else { true } }) {
            throw CLIError(
                "--table: no table '\(table)' for its CSV rows (tables: \(catalog.schemas.map(\.name).joined(separator: ", ")))"
            )
        }
        let defaultFormat: QuarantineFormat? =
            header != nil || layout || symbol != nil ? .csv(header: header, symbol: symbol) : nil
        if dryRun {
            try printDryRun(entries, defaultFormat: defaultFormat)
            return
        }
        let store = try storage.openExisting(configuration: configuration)
        let outcome: QuarantineReplay.Outcome
        do {
            let ingest = try lineProtocolIngest(store)
            outcome = try await QuarantineReplay.replay(
                entries, into: schema ?? .trades, of: store, defaultFormat: defaultFormat
            ) { run, precision in
                let parsed = try LineProtocol.Precision(parameter: precision)
                let replayed: ILPIngest.Replayed
                do {
                    replayed = try ingest.replay(run.map(\.raw), precision: parsed, now: WallClock.now().nanoseconds)
                } catch {
                    throw CLIError("the store refused the replayed lines: \(error)")
                }
                return QuarantineReplay.Replayed(
                    refused: replayed.refused, stored: replayed.summary.stored,
                    duplicates: replayed.summary.duplicates)
            }
            // Stored rows are durable before they leave the quarantine.
            try store.flush()
            try quarantine.replaceEntries(outcome.kept)
            try store.close()
        } catch {
            try? store.close()
            throw error
        }
        var text = "replayed \(quarantine.path) into \(table)\n"
        text += "  rows:        \(entries.count)\n"
        text += "  stored:      \(outcome.stored)\n"
        text += "  duplicates:  \(outcome.duplicates)\n"
        text += "  kept:        \(outcome.kept.count)\n"
        for entry in outcome.kept.prefix(CSVImportReport.keptRejections) {
            text += "    \(entry.source) line \(entry.line): \(entry.reason)\n"
        }
        if outcome.kept.count > CSVImportReport.keptRejections {
            text += "    … and \(outcome.kept.count - CSVImportReport.keptRejections) more\n"
        }
        if outcome.withoutFormat > 0 {
            text +=
                "  \(outcome.withoutFormat) row(s) have no recorded format: give --header \"…\" (their source's header) or --layout\n"
        }
        Terminal.writeOutput(text)
    }

    /// The server's ILP path over the store, for lines the server quarantined (its declared
    /// measurements and line limit from the same configuration).
    private func lineProtocolIngest(_ store: StrataStore) throws -> ILPIngest {
        var path = storage.config
        let environment = ServeCommand.environment()
        if path == nil { path = environment["STRATA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } }
        let settings: (maxLineBytes: Int, measurements: [DeclaredMeasurement])
        do {
            settings = try ServerConfiguration.loadLineProtocol(file: path, environment: environment)
        } catch {
            throw CLIError(error.description)
        }
        return ILPIngest(
            store: store, metrics: ServerMetrics(), maxLineBytes: settings.maxLineBytes,
            measurements: settings.measurements)
    }

    private func printDryRun(_ entries: [Quarantine.Entry], defaultFormat: QuarantineFormat?) throws {
        var counts: [String: Int] = [:]
        for entry in entries { counts[(entry.format ?? defaultFormat)?.description ?? "(no format)", default: 0] += 1 }
        var text = "\(entries.count) row(s) would be read again (nothing stored: --dry-run)\n"
        for (format, count) in counts.sorted(by: { $0.key < $1.key }) { text += "  \(count)  \(format)\n" }
        Terminal.writeOutput(text)
    }
}

/// The quarantine's rows; a damaged file is a CLI error naming it.
private func readQuarantine(_ quarantine: Quarantine) throws -> [Quarantine.Entry] {
    do {
        return try quarantine.entries()
    } catch let error as StrataError {
        throw CLIError(error.message)
    }
}
