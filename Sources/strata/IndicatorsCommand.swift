import ArgumentParser
import Strata
import StrataServer
import StrataWire

/// `strata indicators`: bars of a symbol with indicators beside them, computed on query.
struct IndicatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Bars of a symbol with indicators (EMA, SMA, RSI, MACD, Bollinger, ATR, VWAP) beside them.",
        discussion: """
            Indicators: sma(N), ema(N) (ema9…), rsi or rsi(N) (Wilder, 14), macd or macd(F,S,G) (12,26,9),
            bollinger or bollinger(N,K) (20,2), atr or atr(N) (Wilder, 14), vwap (from --from). Values are
            decimals with 8 digits, absent until an indicator has enough bars; the bars before --from that
            warm them up are read and not printed (EMA(200) reads 2,502; RSI(14) 325; MACD 437).
            Columns: the bars' (see strata bars --help), then each indicator's (ema_9, rsi_14, macd,
            macd_signal, macd_histogram, bb_lower, bb_middle, bb_upper, atr_14, anchored_vwap…).
            """)

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "The symbol.")
    var symbol: String

    @Option(help: "The bar width: 1m, 5m, 15m, 1h, 1d, or any whole number of minutes (3m, 4h…).")
    var timeframe: String = "1m"

    @Option(help: "Start of the range, inclusive (ISO-8601 or epoch ns).")
    var from: String

    @Option(help: "End of the range, exclusive (ISO-8601 or epoch ns).")
    var to: String

    @Option(help: "Comma-separated indicators, e.g. \"ema(9),ema(21),rsi,macd\".")
    var indicators: String = "ema(9),ema(21),rsi,macd,bollinger,atr,vwap"

    @Option(help: "Shift of the bucket grid from UTC, e.g. -5h or 30m (default 0).")
    var offset: String?

    @Option(help: "Output: table, csv, json or arrow (an Apache Arrow IPC stream: the server's format=arrow).")
    var format: QueryFormat = .table

    @Option(help: "With --format arrow: the file to write (default: standard output).")
    var output: String?

    func run() async throws {
        let symbol = try Symbol(symbol, field: "--symbol")
        let timeframe: Timeframe
        do { timeframe = try Timeframe(self.timeframe) } catch {
            throw CLIError("--timeframe: \"\(self.timeframe)\" is not a whole number of minutes (1m, 5m, 4h, 1d…)")
        }
        let start = try Timestamp(parsing: from, field: "--from")
        let end = try Timestamp(parsing: to, field: "--to")
        let chosen: [Indicator]
        do { chosen = try Indicator.list(indicators, field: "--indicators") } catch let error
            as StrataCore.ValidationError
        {
            throw CLIError("--indicators: \(error.detail ?? error.explanation)")
        }
        let shift = try offset.map(BarsCommand.parseOffset) ?? 0
        let store = try storage.openExisting()
        defer { try? store.close() }
        let answer = try await store.indicators(
            chosen, symbol: symbol, timeframe: timeframe, from: start, to: end, offset: shift)
        if format == .arrow {
            var output = try ColumnarOutput(.arrow, output: output, table: nil)
            let batch = ColumnarBatch(answer)
            try output.write(batch)
            try output.finish(schemaOf: batch)
            return
        }
        let columns = BarsCommand.columns + answer.columns.map(\.name)
        let rows = answer.bars.indices.map { row -> [Cell] in
            BarsCommand.cells(answer.bars[row])
                + answer.columns.map { column in column.values[row].map { .decimal($0.description) } ?? .empty }
        }
        Renderer(format: format.rendered).render(
            columns: columns, rows: rows, json: answer.bars.indices.map { answer.identifiedAPIJSON(row: $0) })
    }
}
