import ArgumentParser
import Strata
import StrataServer
import StrataWire

/// `strata bars`: OHLCV bars of a symbol from the continuous aggregates.
struct BarsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bars",
        abstract: "OHLCV bars of a symbol for buckets starting in [from, to).",
        discussion: """
            Timeframes: any whole number of minutes (1m, 3m, 5m, 15m, 1h, 4h, 1d, 1w); 1m, 5m, 15m, 1h and 1d
            are stored, others are rolled up from the coarsest stored one that divides them. Buckets are
            aligned to UTC, shifted by --offset (e.g. -5h for days starting at midnight UTC-5).
            Columns (the API's names): symbol,timeframe,ts_ns,time,open,high,low,close,volume,notional,vwap,
            trades (decimals exact; in JSON, the API's bar objects).
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @OptionGroup var window: BarWindowOptions

    @Option(help: "Empty buckets: omit, or carry (the previous close, zero volume).")
    var empty: String = "omit"

    @Option(help: "Output: table, csv, json or arrow (an Apache Arrow IPC stream: the server's format=arrow).")
    var format: QueryFormat = .table

    @Option(help: "With --format arrow: the file to write (default: standard output).")
    var output: String?

    func run() async throws {
        let window = try self.window.parsed()
        guard let policy = EmptyBucketPolicy(rawValue: empty) else {
            throw CLIError("--empty: \"\(empty)\" is not omit or carry")
        }
        let store = try storage.openExisting()
        defer { try? store.close() }
        let bars = try await store.bars(
            symbol: window.symbol, timeframe: window.timeframe, from: window.from, to: window.to, offset: window.offset,
            emptyBuckets: policy)
        if format == .arrow {
            var output = try ColumnarOutput(.arrow, output: output, table: nil)
            let batch = ColumnarBatch(bars: bars)
            try output.write(batch)
            try output.finish(schemaOf: batch)
            return
        }
        Renderer(format: format.rendered).render(
            columns: Self.columns, rows: bars.map(Self.cells), json: bars.map(\.identifiedAPIJSON))
    }

    /// A bar's columns: the API's names and order (the live feed's bar objects), one vocabulary for both.
    static let columns = [
        "symbol", "timeframe", "ts_ns", "time", "open", "high", "low", "close", "volume", "notional", "vwap", "trades",
    ]

    /// A bar's cells, in ``columns``' order.
    static func cells(_ bar: Bar) -> [Cell] {
        [
            .text(bar.symbol.name), .text(bar.timeframe.description), .nanoseconds(bar.start.nanoseconds),
            .text(bar.start.iso8601), .decimal(bar.open.description), .decimal(bar.high.description),
            .decimal(bar.low.description), .decimal(bar.close.description), .decimal(bar.volume.description),
            .decimal(bar.notional.description), bar.vwap.map { .decimal($0.description) } ?? .empty,
            .integer(Int64(bar.tradeCount)),
        ]
    }

}

/// The bars a bar command reads: `--symbol`, `--timeframe`, `--from`, `--to`, `--offset`
/// (`strata bars`, `strata indicators`).
struct BarWindowOptions: ParsableArguments {
    @Option(help: "The symbol.")
    var symbol: String

    @Option(help: "The bar width: 1m, 5m, 15m, 1h, 1d, or any whole number of minutes (3m, 4h…).")
    var timeframe: String = "1m"

    @Option(help: "Start of the range, inclusive (ISO-8601 or epoch ns).")
    var from: String

    @Option(help: "End of the range, exclusive (ISO-8601 or epoch ns).")
    var to: String

    @Option(help: "Shift of the bucket grid from UTC, e.g. -5h or 30m (default 0).")
    var offset: String?

    struct Parsed {
        var symbol: Symbol
        var timeframe: Timeframe
        var from: Timestamp
        var to: Timestamp
        /// In nanoseconds.
        var offset: Int64
    }

    /// The options as values, or an error naming the option.
    func parsed() throws -> Parsed {
        let timeframe: Timeframe
        do { timeframe = try Timeframe(self.timeframe) } catch {
            throw CLIError("--timeframe: \"\(self.timeframe)\" is not a whole number of minutes (1m, 5m, 4h, 1d…)")
        }
        return Parsed(
            symbol: try Symbol(symbol, field: "--symbol"), timeframe: timeframe,
            from: try Timestamp(parsing: from, field: "--from"), to: try Timestamp(parsing: to, field: "--to"),
            offset: try offset.map(Self.parseOffset) ?? 0)
    }

    /// `[-]<n>m|h|d` in nanoseconds.
    static func parseOffset(_ text: String) throws -> Int64 {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        guard let frame = try? Timeframe(body) else {
            throw CLIError("--offset: \"\(text)\" is not a whole number of minutes such as -5h or 30m")
        }
        return negative ? -frame.nanoseconds : frame.nanoseconds
    }
}
