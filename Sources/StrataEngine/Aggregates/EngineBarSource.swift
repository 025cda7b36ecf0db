package import StrataCore

/// The engine's continuous bars as the store reads them: ``TradeBars`` and the trades table they
/// are kept from (its partitions decide which bars are in memory and which are stored).
struct EngineBarSource: ContinuousBarSource {
    let bars: TradeBars
    let trades: EngineTable

    var storedWidths: [Int64] { bars.storedWidths }
    var barTables: [any BackendTable] { bars.barTables }
    var keepsMinutesInMemory: Bool { true }

    func bars(symbol: String, width: Int64, from: Int64, to: Int64) throws -> [BarState] {
        try bars.bars(symbol: symbol, width: width, from: from, to: to, trades: trades)
    }

    func stats() -> [TableStats] { bars.stats(trades: trades) }

    func partition(of nanoseconds: Int64) -> Int64 { bars.partition(of: nanoseconds) }

    func minuteBars(_ keys: [(partition: Int64, symbol: UInt32, start: Int64)]) -> [BarState?] {
        bars.minuteBars(keys)
    }
}

extension EmbeddedBackend: TradeBarsBackend {
    package func openTradesWithBars(_ schema: RecordSchema, options: TableOptions) throws -> (
        trades: any BackendTable, bars: any ContinuousBarSource
    ) {
        let opened = try openTrades(schema, options: options)
        return (opened.trades, EngineBarSource(bars: opened.bars, trades: opened.trades))
    }
}
