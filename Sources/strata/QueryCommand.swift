import ArgumentParser
import Strata

/// `strata query …`: read a table.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Read rows of a table.",
        discussion: """
            Columns are named as in the ingest layouts; decimals print exactly; JSON decimals are strings.
            """,
        subcommands: [Latest.self, Range.self, Last.self]
    )

    /// Options every query takes.
    struct Common: ParsableArguments {
        @OptionGroup var storage: DataDirectoryOptions

        @Option(help: "The table: trades, aggtrades or quotes.")
        var table: TableName = .trades

        @Option(help: "The symbol.")
        var symbol: String

        @Option(help: "Output: table, csv or json.")
        var format: OutputFormat = .table

        func parsedSymbol() throws -> Symbol { try Symbol(symbol, field: "--symbol") }
    }

    struct Latest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest rows of a symbol, newest first.")

        @OptionGroup var common: Common

        @Option(help: "How many rows.")
        var limit: Int = 10

        func validate() throws {
            if limit < 0 { throw ArgumentParser.ValidationError("--limit must be 0 or more") }
        }

        func run() async throws {
            let symbol = try common.parsedSymbol()
            let limit = limit
            try await common.query { table in try await table.latest(symbol: symbol, limit: limit) }
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

        func run() async throws {
            let symbol = try common.parsedSymbol()
            let start = try Timestamp(parsing: from, field: "--from")
            let end = try Timestamp(parsing: to, field: "--to")
            try await common.query { table in try await table.range(symbol: symbol, from: start, to: end) }
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
            let last: Timestamp? =
                switch common.table {
                case .trades: try await store.trades.lastTimestamp(symbol: symbol)
                case .aggtrades: try await store.aggregatedTrades.lastTimestamp(symbol: symbol)
                case .quotes: try await store.quotes.lastTimestamp(symbol: symbol)
                }
            let cells: [Cell] = [
                .text(symbol.name), last.map { .integer($0.nanoseconds) } ?? .empty,
                last.map { .text($0.iso8601) } ?? .empty,
            ]
            Renderer(format: common.format).render(columns: ["symbol", "ts_ns", "time"], rows: [cells])
        }
    }
}

extension QueryCommand.Common {
    /// Opens the store, runs `fetch` on the chosen table and prints the rows.
    func query(
        _ fetch: (any QueryTable) async throws -> any RecordRows
    ) async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let table: any QueryTable =
            switch self.table {
            case .trades: store.trades
            case .aggtrades: store.aggregatedTrades
            case .quotes: store.quotes
            }
        let rows = try await fetch(table)
        let (columns, cells) = rows.rendered()
        Renderer(format: format).render(columns: columns, rows: cells)
    }
}

/// A table that can answer the queries, erased over its record type.
protocol QueryTable: Sendable {
    func latest(symbol: Symbol, limit: Int) async throws -> any RecordRows
    func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> any RecordRows
}

/// Query results that know how to print themselves.
protocol RecordRows {
    func rendered() -> (columns: [String], cells: [[Cell]])
}

extension Array: RecordRows where Element: RecordColumns {
    func rendered() -> (columns: [String], cells: [[Cell]]) {
        let columns = Element.columns(for: self)
        return (columns, map { $0.cells(columnCount: columns.count) })
    }
}

extension StrataTable: QueryTable where Record: RecordColumns {
    func latest(symbol: Symbol, limit: Int) async throws -> any RecordRows {
        let rows: [Record] = try await latest(symbol: symbol, limit: limit)
        return rows
    }

    func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> any RecordRows {
        let rows: [Record] = try await range(symbol: symbol, from: from, to: to)
        return rows
    }
}
