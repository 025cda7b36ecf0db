import NIOCore
import PostgresNIO
import StrataCore

/// The fast path of an append: `COPY` straight into the table, skipping the staging table and
/// its dedup, when no row of the batch can be refused.
///
/// When that holds, checked under the table's advisory lock (so it stays true until commit):
/// - a table without key: always (every row is stored);
/// - keep-first on an integer (or timestamp) key: no two rows of the batch share symbol, key and
///   partition, and for each (symbol, partition) of the batch, the partition holds no row of the
///   symbol whose key is at least the batch's smallest key there — trade ids grow, so a live
///   feed's batches always pass, while a retry or a re-sent or late trade id fails the check and
///   goes the staging way, whose dedup is exact. Keep-first is per (symbol, key, partition)
///   exactly as the dedup is; the unique key stays the guard;
/// - last-wins: never (the staging way counts overwrites).
struct PostgresDirectAppend: Sendable {
    /// The rows, ready but for their `_strata_seq`.
    let encoded: PostgresCopyEncoder.Encoded
    /// One entry per (symbol, partition) of the batch, for the check (keep-first only).
    var symbols: [String] = []
    var lows: [Int64] = []
    var highs: [Int64] = []
    var smallestKeys: [Int64] = []
    let partitions: Set<Int64>

    /// The plan of `batch` for `layout`'s table, or nil when the staging way must be taken
    /// whatever the server holds (last-wins, a key that is not an integer, a key twice in the
    /// batch).
    init?(_ batch: ColumnBatch, layout: PostgresTableLayout) {
        var keyLane: Int?
        switch layout.mode {
        case .append: break
        case .lastWins: return nil
        case .keepFirst(let key):
            guard let lane = layout.lanes.firstIndex(where: { $0.name == key }) else { return nil }
            switch layout.lanes[lane].kind {
            case .int64, .int8, .timestamp: keyLane = lane
            default: return nil
            }
        }
        if let keyLane {
            // A dictionary naming a symbol twice would hide a key given twice: the staging way.
            guard Set(batch.symbols).count == batch.symbols.count else { return nil }
            struct Key: Hashable {
                var symbol: UInt32
                var key: Int64
                var partition: Int64
            }
            struct Span: Hashable {
                var symbol: UInt32
                var partition: Int64
            }
            let timeLane = layout.lanes.firstIndex { $0.name == layout.schema.timestamp }!
            let (times, keys) = (batch.columns[timeLane], batch.columns[keyLane])
            var seen = Set<Key>(minimumCapacity: batch.count)
            var smallest: [Span: Int64] = [:]
            for row in 0..<batch.count {
                let partition = layout.partition(of: times[row])
                let symbol = batch.symbolIndex[row]
                guard seen.insert(Key(symbol: symbol, key: keys[row], partition: partition)).inserted else {
                    return nil
                }
                let span = Span(symbol: symbol, partition: partition)
                smallest[span] = min(smallest[span] ?? .max, keys[row])
            }
            for (span, key) in smallest {
                let (lo, hi) = layout.bounds(of: span.partition)
                symbols.append(batch.symbols[Int(span.symbol)])
                lows.append(lo)
                highs.append(hi)
                smallestKeys.append(key)
            }
        }
        let (encoded, partitions) = PostgresCopyEncoder(layout: layout).encode(batch, for: .table)
        self.encoded = encoded
        self.partitions = partitions
    }

    /// Whether the server holds a row some row of the batch could conflict with (nil: no
    /// check needed), and its parameters.
    func conflictQuery(_ layout: PostgresTableLayout) -> (String, PostgresBindings)? {
        guard case .keepFirst(let column) = layout.mode else { return nil }
        var binds = PostgresBindings()
        binds.append(symbols)
        binds.append(lows)
        binds.append(highs)
        binds.append(smallestKeys)
        let key = SQL.quote(column)
        return (
            """
            SELECT EXISTS (SELECT 1 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS b(sym, lo, hi, k)
                WHERE EXISTS (SELECT 1 FROM \(layout.table) x WHERE x.\(layout.symbol) = b.sym AND x.\(key) >= b.k
                    AND x.\(layout.time) >= b.lo AND x.\(layout.time) < b.hi))
            """, binds
        )
    }
}
