/// A backend able to keep continuous OHLCV bars of a trades table on its write path: the
/// capability the store asks a ``StorageBackend`` for when ``RecordSchema/trades`` opens with
/// aggregates on (the embedded engine, PostgreSQL). A backend without it opens with aggregates
/// off only.
///
/// Design (the same for every backend): every trade a trades append *stores* (never a duplicate
/// it dropped) is folded into ``BarState``s — one per (symbol, bucket) — with the append itself,
/// so an acknowledged trade is in its bars; bars of one bucket merge exactly in any order (open
/// and close by (time, trade id), high and low by comparison, sums in `Int128`), which is what
/// lets late and out-of-order trades correct the buckets they fall in. How the partial bars are
/// kept is the backend's: the engine keeps 1-minute books in memory and derives the stored
/// timeframes when a partition seals; PostgreSQL upserts every stored timeframe in the trades'
/// own transaction.
package protocol TradeBarsBackend: StorageBackend {
    /// Opens the trades table `schema` describes together with its continuous bars.
    /// - Throws: as ``StorageBackend/openTable(_:options:)``.
    func openTradesWithBars(_ schema: RecordSchema, options: TableOptions) throws -> (
        trades: any BackendTable, bars: any ContinuousBarSource
    )
}

/// The continuous bars of one trades table, as the store reads them.
package protocol ContinuousBarSource: Sendable {
    /// Bar widths stored (nanoseconds, whole minutes), finest first; any other timeframe is rolled
    /// up from the coarsest of these that divides it.
    var storedWidths: [Int64] { get }
    /// The tables the bars are stored in, finest first (health, compaction, retention by name
    /// `bars_1m` … `bars_1d`).
    var barTables: [any BackendTable] { get }
    /// Bars of `symbol` of width `width` (one of ``storedWidths``) whose bucket starts in
    /// `[from, to)`, time-ordered, none empty.
    /// - Throws: ``StrataError`` (`.corruptFile`, `.io`…).
    func bars(symbol: String, width: Int64, from: Int64, to: Int64) throws -> [BarState]
    /// Each bar table's stats as queries see them, finest first.
    func stats() -> [TableStats]
    /// Whether ``minuteBars(_:)`` answers from memory, right after a commit (the engine); when
    /// false the live feed reads each touched minute back through ``bars(symbol:width:from:to:)``.
    var keepsMinutesInMemory: Bool { get }
    /// The partition of a time (for the live feed's note of late rows into sealed partitions).
    func partition(of nanoseconds: Int64) -> Int64
    /// The current 1-minute bars of (partition, table symbol id, minute start) keys, `nil` where
    /// none is held in memory.
    func minuteBars(_ keys: [(partition: Int64, symbol: UInt32, start: Int64)]) -> [BarState?]
}
