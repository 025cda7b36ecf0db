import ArgumentParser
import Strata
import StrataServer

/// `strata symbols`: the symbols of a table, with row counts and first and last times.
struct SymbolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbols",
        abstract: "The symbols of a table: rows, first and last time of each (as GET /api/v1/{table}/symbols).")

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: ArgumentHelp(tableHelp))
    var table: String = "trades"

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    func run() async throws {
        let store = try storage.openExisting()
        defer { try? store.close() }
        let listing = try QueryCommand.table(table, in: store).symbolListing()
        // The API's names: first and last in ISO-8601, with their epoch nanoseconds.
        let columns = ["symbol", "rows", "first_ns", "first", "last_ns", "last"]
        let rows = listing.map { entry -> [Cell] in
            [
                .text(entry.symbol.name), .integer(Int64(entry.rows)), .nanoseconds(entry.first.nanoseconds),
                .text(entry.first.iso8601), .nanoseconds(entry.last.nanoseconds), .text(entry.last.iso8601),
            ]
        }
        Renderer(format: format).render(columns: columns, rows: rows, json: listing.map(\.apiJSON))
    }
}
