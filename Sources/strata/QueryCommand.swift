import ArgumentParser
import Strata
import StrataServer
import StrataWire

/// `strata query …`: read a table.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read rows of a table.",
        discussion: """
            One vocabulary with the API: --format json prints the API's row objects (ts_ns and decimals as \
            strings, time ISO-8601); csv prints the ingest layout (so an export ingests again) and arrow an \
            Apache Arrow IPC stream (pyarrow, polars, DuckDB read it), both the server's format=csv|arrow \
            answers, byte for byte, to --output or standard output; the table adds an ISO-8601 time column. \
            Decimals print exactly. A range in csv or arrow streams to its end (or to --limit).
            """,
        subcommands: [Latest.self, Range.self, Last.self, Aggregate.self]
    )

    /// A word after `query` that is not a query (`strata query lastest …`), said as such with
    /// the nearest one; ArgumentParser alone would report the options after it as unknown.
    static func checkQueryName(_ arguments: [String]) throws {
        guard arguments.count >= 2, arguments[0] == "query", !arguments[1].hasPrefix("-") else { return }
        let known = subcommandNames
        let word = arguments[1]
        guard !known.contains(word) else { return }
        let nearest = known.min { editDistance($0, word) < editDistance($1, word) } ?? known[0]
        throw CLIError(
            "unknown query '\(word)': did you mean '\(nearest)'? (queries: \(known.joined(separator: ", ")))")
    }

    /// The queries, as ArgumentParser names ``Latest``, ``Range`` and ``Last``.
    static let subcommandNames = ["latest", "range", "last", "aggregate"]

    /// The API's bounds, so that the command and the server agree (see Docs/Server.md).
    static let maximumLimit = 100_000
    static let defaultLatestLimit = 100
    static let defaultRangeLimit = 10_000

    /// Options every query takes.
    struct Common: ParsableArguments {
        @OptionGroup var storage: DataDirectoryOptions

        @Option(help: ArgumentHelp(tableHelp))
        var table: String = "trades"

        @Option(help: "The symbol.")
        var symbol: String

        @Option(help: "Output: table, csv, json or arrow.")
        var format: QueryFormat = .table

        @Option(help: "With --format csv or arrow: the file to write (default: standard output).")
        var output: String?

        func parsedSymbol() throws -> Symbol { try Symbol(symbol, field: "--symbol") }
    }

    struct Latest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest rows of a symbol, newest first.")

        @OptionGroup var common: Common

        @Option(help: "How many rows (1...100000, as the API).")
        var limit: Int = QueryCommand.defaultLatestLimit

        func run() async throws {
            try QueryCommand.checkLimit(limit)
            let symbol = try common.parsedSymbol()
            let limit = limit
            if let format = common.format.columnar {
                try common.columnar(format, symbol: symbol) { table, output in
                    let batch = try table.latestBatch(symbol: symbol, limit: limit)
                    if batch.count > 0 { try output.write(batch) }
                    return (batch.count, table.layout.emptyBatch(symbol: symbol), nil)
                }
                return
            }
            try common.query(symbol: symbol) { table in (try table.latest(symbol: symbol, limit: limit), nil) }
        }
    }

    struct Range: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The rows of a symbol with from <= time < to, oldest first.",
            discussion: "Times are ISO-8601 (2024-07-01T23:58:01.5Z, 2024-07-01) or epoch nanoseconds.")

        @OptionGroup var common: Common

        @Option(help: "Start of the range, inclusive.")
        var from: String

        @Option(help: "End of the range, exclusive.")
        var to: String

        @Option(
            help: """
                Most rows (table and json: 1...100000, default 10000, as the API; when there are more, the next page \
                is asked for with the --cursor printed on stderr. csv and arrow: any number, default all).
                """
        )
        var limit: Int?

        @Option(help: "Where the page starts: the cursor the previous page printed (the API's next_cursor).")
        var cursor: String?

        func run() async throws {
            let symbol = try common.parsedSymbol()
            let start = try Timestamp(parsing: from, field: "--from")
            let end = try Timestamp(parsing: to, field: "--to")
            guard start <= end else { throw CLIError("--to: must not be before --from") }
            var after: RangeCursor?
            if let cursor {
                guard let parsed = RangeCursor(cursor), parsed.timestamp >= start, parsed.timestamp < end else {
                    throw CLIError("--cursor: expected a cursor of this range (<epoch ns>:<skip>), got '\(cursor)'")
                }
                after = parsed
            }
            if let format = common.format.columnar {
                if let limit, limit < 1 { throw CLIError("--limit: expected a positive integer, got '\(limit)'") }
                try common.columnar(format, symbol: symbol) { [after, limit] table, output in
                    var pages = table.rangeBatches(symbol: symbol, from: start, to: end, limit: limit, after: after)
                    var rows = 0
                    while let batch = try pages.next() {
                        rows += batch.count
                        try output.write(batch)
                    }
                    return (rows, pages.emptyBatch, pages.cursor)
                }
                return
            }
            let limit = limit ?? QueryCommand.defaultRangeLimit
            try QueryCommand.checkLimit(limit)
            try common.query(symbol: symbol) { [after] table in
                try table.range(symbol: symbol, from: start, to: end, limit: limit, after: after)
            }
        }
    }

    struct Last: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The newest stored timestamp of a symbol (empty if it has none).")

        @OptionGroup var common: Common

        func run() async throws {
            let symbol = try common.parsedSymbol()
            let store = try common.storage.openExisting()
            defer { try? store.close() }
            let table = try QueryCommand.table(common.table, in: store)
            let last = try table.lastTimestamp(symbol: symbol)
            // The API's `last` answer: table, symbol, ts_ns (a string in JSON), time.
            let cells: [Cell] = [
                .text(table.name), .text(symbol.name), last.map { .nanoseconds($0.nanoseconds) } ?? .empty,
                last.map { .text($0.iso8601) } ?? .empty,
            ]
            Renderer(format: common.format.rendered).render(
                columns: ["table", "symbol", "ts_ns", "time"], rows: [cells])
        }
    }
}

extension QueryCommand {
    /// `strata query aggregate`: the API's `GET /api/v1/{table}/aggregate`.
    struct Aggregate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count, sum, min, max, first, last and VWAP of a table, grouped by symbol and/or time bucket.",
            discussion: """
                --fn takes functions as the API's fn does, comma-separated: count, sum(qty), min(price), max(price), \
                first(price), last(price), vwap (of price and qty) or vwap(price,qty). Decimals are exact.
                """)

        @OptionGroup var storage: DataDirectoryOptions

        @Option(help: ArgumentHelp(tableHelp))
        var table: String = "trades"

        @Option(help: "The functions, e.g. count,sum(qty),vwap.")
        var fn: String

        @Option(help: "Symbols, comma-separated (default: every symbol).")
        var symbols: String?

        @Option(help: "Start, inclusive (default: all time).")
        var from: String?

        @Option(help: "End, exclusive (default: all time).")
        var to: String?

        @Option(help: "Grouping: symbol, bucket or symbol,bucket (default: none, one row).")
        var by: String?

        @Option(help: "Bucket width: 30s, 5m, 1h, 1d…")
        var bucket: String?

        @Option(help: "Output: table, csv, json or arrow.")
        var format: QueryFormat = .table

        @Option(help: "With --format csv or arrow: the file to write (default: standard output).")
        var output: String?

        func run() async throws {
            let functions: [AggregateFunction]
            do {
                functions = try AggregateFunction.list(fn)
            } catch let error as StrataError {
                throw CLIError("--" + error.message)
            }
            let symbolList = try symbols.map { text in
                try text.split(separator: ",").map { try Symbol(String($0), field: "--symbols") }
            }
            let start = try from.map { try Timestamp(parsing: $0, field: "--from") } ?? .min
            let end = try to.map { try Timestamp(parsing: $0, field: "--to") } ?? .max
            guard start <= end else { throw CLIError("--to: must not be before --from") }
            let grouping: AggregateGrouping
            do {
                grouping = try AggregateGrouping(by: by, bucket: bucket)
            } catch let error as StrataError {
                throw CLIError("--" + error.message)
            }
            let query = AggregateQuery(functions, symbols: symbolList, from: start, to: end, grouping: grouping)
            let store = try storage.openExisting()
            defer { try? store.close() }
            let rows = try QueryCommand.table(table, in: store).aggregate(query)
            if let columnar = format.columnar {
                var output = try ColumnarOutput(columnar, output: output, table: table)
                let batch = ColumnarBatch(aggregate: rows, functions: functions, grouping: grouping)
                try output.write(batch)
                try output.finish(schemaOf: batch)
                return
            }
            var columns: [String] = []
            let bySymbol = grouping == .symbol || { if case .symbolAndBucket = grouping { true } else { false } }()
            let byBucket = grouping != .none && grouping != .symbol
            if bySymbol { columns.append("symbol") }
            if byBucket { columns += ["bucket_ns", "bucket"] }
            columns += functions.map(\.description)
            let cells = rows.map { row -> [Cell] in
                var cells: [Cell] = []
                if bySymbol { cells.append(.text(row.symbol?.name ?? "")) }
                if byBucket, let start = row.bucketStart {
                    cells += [.nanoseconds(start.nanoseconds), .text(start.iso8601)]
                }
                for value in row.values {
                    switch value {
                    case .integer(let integer):
                        cells.append(Int64(exactly: integer).map(Cell.integer) ?? .decimal(String(integer)))
                    case .decimal(let amount): cells.append(.decimal(amount.description))
                    case .float(let double): cells.append(.decimal(String(double)))
                    case .absent: cells.append(.empty)
                    }
                }
                return cells
            }
            Renderer(format: format.rendered).render(
                columns: columns, rows: cells, json: AggregateRoute.apiJSON(rows, functions: functions))
        }
    }

    /// The API's limit check, in the API's words.
    static func checkLimit(_ limit: Int) throws {
        guard (1...maximumLimit).contains(limit) else {
            throw CLIError("--limit: expected an integer in 1...\(maximumLimit), got '\(limit)'")
        }
    }
}

extension QueryCommand.Common {
    /// Opens the store, runs `fetch` on the chosen table and prints the rows; a symbol the table
    /// has never stored is an error naming the nearest ones it has.
    func query(symbol: Symbol, _ fetch: (TableReader) throws -> (rows: RowSet, next: RangeCursor?)) throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let table = try QueryCommand.table(self.table, in: store)
        let (rows, next) = try fetch(table)
        if rows.count == 0 { try Self.checkKnown(symbol, in: table) }
        TableOutput(schema: table.schema).render(rows, symbol: symbol, format: format.rendered)
        if let next {
            Terminal.writeError("strata: more rows than --limit: the next page is --cursor \(next)\n")
        }
    }
}

extension QueryCommand.Common {
    /// Opens the store and has `write` send the chosen table's rows to a ``ColumnarOutput``
    /// (Arrow or CSV, to `--output` or standard output); `write` returns the rows written and an
    /// empty batch of the table's columns, and where the rows a `--limit` left out begin. An
    /// answer without rows for a symbol the table has never stored is an error, as for the other
    /// formats (the output is complete either way).
    func columnar(
        _ format: ColumnarEncoder.Format, symbol: Symbol,
        _ write: (TableReader, inout ColumnarOutput) throws -> (rows: Int, empty: ColumnarBatch, next: RangeCursor?)
    ) throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let table = try QueryCommand.table(self.table, in: store)
        var out = try ColumnarOutput(format, output: output, table: table.name)
        let (rows, empty, next) = try write(table, &out)
        try out.finish(schemaOf: empty)
        if rows == 0 { try Self.checkKnown(symbol, in: table) }
        if let next {
            Terminal.writeError("strata: more rows than --limit: the next page is --cursor \(next)\n")
        }
    }

    /// An error naming the nearest symbols when `table` has never stored `symbol`.
    static func checkKnown(_ symbol: Symbol, in table: TableReader) throws {
        let known = table.symbols().map(\.name)
        guard !known.contains(symbol.name) else { return }
        let nearest = known.sorted {
            (editDistance($0.uppercased(), symbol.name.uppercased()), $0)
                < (editDistance($1.uppercased(), symbol.name.uppercased()), $1)
        }.prefix(3)
        throw CLIError(
            "\(table.name) has no symbol '\(symbol.name)'"
                + (nearest.isEmpty ? " (the table is empty)" : "; nearest: \(nearest.joined(separator: ", "))"))
    }
}

extension QueryCommand {
    /// The table `--table` names, built-in or user-defined, by its name or an alias.
    static func table(_ name: String, in store: StrataStore) throws -> TableReader {
        if let table = store.reader(named: name) { return table }
        let known = store.readers.map(\.name)
        throw CLIError(
            "--table: no table '\(name)' (tables: \(known.joined(separator: ", ")); user-defined tables come from --config)"
        )
    }
}
