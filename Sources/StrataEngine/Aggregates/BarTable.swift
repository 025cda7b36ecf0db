import StrataCore
/// The storage of one timeframe's bars: an engine table in replace-by-timestamp mode, so that a
/// re-derived bucket (after late trades) replaces the stored one.
///
/// Columns: `ts` (bucket start), `open, high, low, close` (price mantissas), `volume_hi, volume_lo,
/// notional_hi, notional_lo` (the two halves of `Int128` sums), `trade_count`, and the keys that
/// decide open and close on merges: `open_ts, open_id, close_ts, close_id`.
enum BarTable {
    static func schema(name: String, partitionDuration: Int64) -> TableSchema {
        TableSchema(
            name: name,
            columns: [
                ColumnSpec("ts", .timestamp), ColumnSpec("open", .decimal(scale: 8)),
                ColumnSpec("high", .decimal(scale: 8)),
                ColumnSpec("low", .decimal(scale: 8)), ColumnSpec("close", .decimal(scale: 8)),
                ColumnSpec("volume_hi", .int64), ColumnSpec("volume_lo", .int64), ColumnSpec("notional_hi", .int64),
                ColumnSpec("notional_lo", .int64), ColumnSpec("trade_count", .int64), ColumnSpec("open_ts", .int64),
                ColumnSpec("open_id", .int64), ColumnSpec("close_ts", .int64), ColumnSpec("close_id", .int64),
            ],
            partitionDuration: partitionDuration, writeMode: .replaceByTimestamp)
    }

    /// Appends `bars` of `symbol` to a batch being built.
    static func encode(_ bars: [BarState], symbol: String, into batch: inout ColumnBatch) {
        let id = UInt32(batch.symbols.count)
        batch.symbols.append(symbol)
        for bar in bars where !bar.isEmpty {
            batch.symbolIndex.append(id)
            let lanes: [Int64] = [
                bar.start, bar.open, bar.high, bar.low, bar.close,
                Int64(truncatingIfNeeded: bar.volume >> 64), Int64(truncatingIfNeeded: bar.volume),
                Int64(truncatingIfNeeded: bar.notional >> 64), Int64(truncatingIfNeeded: bar.notional),
                bar.count, bar.openTime, bar.openID, bar.closeTime, bar.closeID,
            ]
            for (c, value) in lanes.enumerated() { batch.columns[c].append(value) }
        }
    }

    /// Bars from rows read back.
    static func decode(_ rows: RowSet) -> [BarState] {
        let c = rows.columns
        return (0..<rows.count).map { i in
            var bar = BarState(start: c[0][i])
            bar.open = c[1][i]
            bar.high = c[2][i]
            bar.low = c[3][i]
            bar.close = c[4][i]
            bar.volume = Int128(c[5][i]) << 64 | Int128(UInt64(bitPattern: c[6][i]))
            bar.notional = Int128(c[7][i]) << 64 | Int128(UInt64(bitPattern: c[8][i]))
            bar.count = c[9][i]
            bar.openTime = c[10][i]
            bar.openID = c[11][i]
            bar.closeTime = c[12][i]
            bar.closeID = c[13][i]
            return bar
        }
    }
}
