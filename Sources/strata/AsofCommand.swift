import ArgumentParser
import Strata
import StrataServer
import StrataWire

/// `strata asof`: the ASOF join of two tables, as `GET /api/v1/asof` answers it.
struct AsofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asof",
        abstract: "Each row of a table with the last row of another at or before its time (ASOF join).",
        discussion: """
            For one symbol and from <= time < to: each --left row (trades) with the last --right row (quotes) at or \
            before its time, at most --tolerance older (500ms, 1s, 5m, or integer nanoseconds), as pandas' \
            merge_asof(direction="backward", by="symbol"). The right columns are named <right>_<column>, its \
            timestamp <right>_ts, empty where no right row qualifies. csv and arrow write the server's answers, byte \
            for byte, streamed to their end; table and json print --limit rows (default 10000) and the cursor of the \
            next page on stderr.
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "The table whose rows are joined.")
    var left: String = "trades"

    @Option(help: "The table looked up.")
    var right: String = "quotes"

    @Option(help: "The symbol.")
    var symbol: String

    @Option(help: "Start of the range, inclusive (ISO-8601 or epoch nanoseconds).")
    var from: String

    @Option(help: "End of the range, exclusive.")
    var to: String

    @Option(help: "Oldest a right row may be before the left row, inclusive: 500ms, 1s, 5m, or integer ns.")
    var tolerance: String?

    @Option(help: "Before the right columns' names (default: <right>_).")
    var prefix: String?

    @Option(help: "Most left rows (table and json: 1...100000, default 10000; csv and arrow: any, default all).")
    var limit: Int?

    @Option(help: "Where the page starts: the cursor the previous page printed.")
    var cursor: String?

    @Option(help: "Output: table, csv, json or arrow.")
    var format: QueryFormat = .table

    @Option(help: "With --format csv or arrow: the file to write (default: standard output).")
    var output: String?

    func run() async throws {
        let symbol = try Symbol(symbol, field: "--symbol")
        let start = try Timestamp(parsing: from, field: "--from")
        let end = try Timestamp(parsing: to, field: "--to")
        guard start < end else { throw CLIError("--to: must be after --from") }
        let tolerance = try tolerance.map { text in
            guard let nanoseconds = DurationText.nanoseconds(text) else {
                throw CLIError(
                    "--tolerance: expected a duration of 0 or more (500ms, 1s, 5m, or integer nanoseconds), got '\(text)'"
                )
            }
            return nanoseconds
        }
        var after: RangeCursor?
        if let cursor {
            guard let parsed = RangeCursor(cursor), parsed.timestamp >= start, parsed.timestamp < end else {
                throw CLIError("--cursor: expected a cursor of this range (<epoch ns>:<skip>), got '\(cursor)'")
            }
            after = parsed
        }
        let store = try storage.openExisting()
        defer { try? store.close() }
        let leftTable = try Self.reader(left, "--left", in: store)
        let rightTable = try Self.reader(right, "--right", in: store)
        // csv and arrow: any limit, default all; table and json: the API's page.
        let rows: Int?
        if format.columnar != nil {
            if let limit, limit < 1 { throw CLIError("--limit: expected a positive integer, got '\(limit)'") }
            rows = limit
        } else {
            rows = limit ?? QueryCommand.defaultRangeLimit
            try QueryCommand.checkLimit(rows ?? 0)
        }
        var pages = try leftTable.asofJoin(
            rightTable, symbol: symbol, from: start, to: end, tolerance: tolerance, prefix: prefix,
            batchRows: min(rows ?? .max, ColumnarPages.defaultBatchRows), limit: rows, after: after)
        if let format = format.columnar {
            var out = try ColumnarOutput(format, output: output, table: "asof(\(leftTable.name),\(rightTable.name))")
            while let batch = try pages.next() { try out.write(batch) }
            try out.finish(schemaOf: pages.emptyBatch)
            Self.reportNext(pages.cursor)
            return
        }
        var columns: [String] = []
        var table: [[Cell]] = []
        var json: [String] = []
        while let batch = try pages.next() {
            if format == .json {
                json += ColumnarJSON.texts(batch)
            } else {
                let cells = Self.cells(batch)
                columns = cells.columns
                table += cells.rows
            }
        }
        if format == .table {
            if columns.isEmpty { columns = Self.cells(pages.emptyBatch).columns }
            // Columns no row has (deeper book levels) are left out, as `strata query` does.
            let kept = columns.indices.filter { column in
                table.isEmpty || table.contains { if case .empty = $0[column] { false } else { true } }
            }
            columns = kept.map { columns[$0] }
            table = table.map { row in kept.map { row[$0] } }
        }
        Renderer(format: format.rendered).render(columns: columns, rows: table, json: json)
        Self.reportNext(pages.cursor)
    }

    /// Where the rows `--limit` left out begin, on stderr.
    private static func reportNext(_ cursor: RangeCursor?) {
        guard let cursor else { return }
        Terminal.writeError("strata: more rows than --limit: the next page is --cursor \(cursor)\n")
    }

    /// The table `name`, for the option `option`.
    private static func reader(_ name: String, _ option: String, in store: StrataStore) throws -> TableReader {
        do {
            return try store.asofReader(name, option)
        } catch let error as StrataError {
            throw CLIError(error.message)
        }
    }

    /// A batch as cells: a book side flattened into its level columns (as CSV lays it out).
    static func cells(_ batch: ColumnarBatch) -> (columns: [String], rows: [[Cell]]) {
        var columns: [String] = []
        for column in batch.columns {
            if case .levels(let levels) = column.values {
                columns += levels.levelColumns.flatMap { [$0.price, $0.size] }
            } else {
                columns.append(column.name)
            }
        }
        let rows = (0..<batch.count).map { row in
            batch.columns.flatMap { column -> [Cell] in
                let present = column.isPresent(row)
                switch column.values {
                case .timestamps(let values): return [present ? .nanoseconds(values[row]) : .empty]
                case .int64(let values): return [present ? .integer(values[row]) : .empty]
                case .int8(let values): return [present ? .integer(Int64(values[row])) : .empty]
                case .decimals(let values, let scale):
                    return [present ? .decimal(ExactDecimal.format(Int128(values[row]), scale: scale)) : .empty]
                case .wideDecimals(let values, let scale):
                    return [present ? .decimal(ExactDecimal.format(values[row], scale: scale)) : .empty]
                case .float64(let values): return [present ? .decimal(String(values[row])) : .empty]
                case .bool(let values): return [present ? .boolean(values[row]) : .empty]
                case .strings(let values): return [present ? .text(values[row]) : .empty]
                case .dictionary(let indices, let values): return [present ? .text(values[Int(indices[row])]) : .empty]
                case .levels(let levels):
                    let range = present ? levels.levels(of: row) : 0..<0
                    return levels.levelColumns.indices.flatMap { level -> [Cell] in
                        guard level < range.count else { return [.empty, .empty] }
                        let index = range.lowerBound + level
                        return [
                            .decimal(ExactDecimal.format(Int128(levels.prices[index]), scale: levels.priceScale)),
                            .decimal(ExactDecimal.format(Int128(levels.sizes[index]), scale: levels.sizeScale)),
                        ]
                    }
                }
            }
        }
        return (columns, rows)
    }
}
