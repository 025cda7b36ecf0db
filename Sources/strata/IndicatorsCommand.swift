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

    @OptionGroup var window: BarWindowOptions

    @Option(help: "Comma-separated indicators, e.g. \"ema(9),ema(21),rsi,macd\".")
    var indicators: String = "ema(9),ema(21),rsi,macd,bollinger,atr,vwap"

    @Option(help: "Output: table, csv, json or arrow (an Apache Arrow IPC stream: the server's format=arrow).")
    var format: QueryFormat = .table

    @Option(help: "With --format arrow: the file to write (default: standard output).")
    var output: String?

    func run() async throws {
        let window = try self.window.parsed()
        let chosen: [Indicator]
        do { chosen = try Indicator.list(indicators, field: "--indicators") } catch let error
            as StrataCore.ValidationError
        {
            throw CLIError("--indicators: \(error.detail ?? error.explanation)")
        }
        let store = try storage.openExisting()
        defer { try? store.close() }
        let answer = try await store.indicators(
            chosen, symbol: window.symbol, timeframe: window.timeframe, from: window.from, to: window.to,
            offset: window.offset)
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
