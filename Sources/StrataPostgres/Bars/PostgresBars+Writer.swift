import Logging
import PostgresNIO
import StrataCore

extension PostgresBars {
    /// Folds the rows a trades append stored into bars and upserts them, on the append's
    /// connection, in its transaction (see ``PostgresBars``).
    struct Writer: Sendable {
        let namespace: String
        let priceScale: Int
        let quantityScale: Int
        /// The trades' lanes of the time, trade id, price and quantity.
        let time: Int
        let id: Int
        let price: Int
        let quantity: Int

        /// The writer of the trades table `schema` describes.
        /// - Throws: `StrataError` `.invalidArgument` when a column bars need is missing.
        init(trades schema: RecordSchema, namespace: String) throws {
            let lanes = schema.storageColumns
            func lane(_ name: String) throws -> (Int, SchemaColumn) {
                guard let index = lanes.firstIndex(where: { $0.name == name }) else {
                    throw StrataError(.invalidArgument, "bars need a \(name) column in \(schema.name)")
                }
                return (index, lanes[index])
            }
            guard let timeLane = lanes.firstIndex(where: { $0.name == schema.timestamp }) else {
                throw StrataError(.invalidArgument, "bars need the timestamp of \(schema.name)")
            }
            let price = try lane("price")
            let quantity = try lane("qty")
            guard case .decimal(let p) = price.1.kind, case .decimal(let q) = quantity.1.kind else {
                throw StrataError(.invalidArgument, "bars need decimal price and qty columns in \(schema.name)")
            }
            self.namespace = namespace
            priceScale = p
            quantityScale = q
            time = timeLane
            id = try lane("trade_id").0
            self.price = price.0
            self.quantity = quantity.0
        }

        /// The bars of every stored timeframe (finest first) of `batch`'s rows but `skipped`
        /// (ascending): each per symbol, in time order.
        func fold(_ batch: ColumnBatch, skipped: [Int]) -> [[(symbol: String, bars: [BarState])]] {
            struct Key: Hashable {
                var symbol: UInt32
                var start: Int64
            }
            let minute = PostgresBars.minute
            let (times, ids) = (batch.columns[time], batch.columns[id])
            let (prices, quantities) = (batch.columns[price], batch.columns[quantity])
            // One id per symbol name (a batch's dictionary could name a symbol twice).
            var firstIndex: [String: UInt32] = [:]
            let canonical = batch.symbols.enumerated().map { index, name in
                if let first = firstIndex[name] { return first }
                firstIndex[name] = UInt32(index)
                return UInt32(index)
            }
            var places: [Key: Int] = [:]
            var minutes: [(key: Key, bar: BarState)] = []
            var nextSkipped = 0
            for row in 0..<batch.count {
                if nextSkipped < skipped.count && skipped[nextSkipped] == row {
                    nextSkipped += 1
                    continue
                }
                let key = Key(
                    symbol: canonical[Int(batch.symbolIndex[row])],
                    start: BarState.floorDiv(times[row], minute) &* minute)
                let place: Int
                if let known = places[key] {
                    place = known
                } else {
                    place = minutes.count
                    places[key] = place
                    minutes.append((key, BarState(start: key.start)))
                }
                minutes[place].bar.add(time: times[row], id: ids[row], price: prices[row], quantity: quantities[row])
            }
            minutes.sort { a, b in
                a.key.symbol == b.key.symbol
                    ? a.key.start < b.key.start : batch.symbols[Int(a.key.symbol)] < batch.symbols[Int(b.key.symbol)]
            }
            var bySymbol: [(symbol: String, bars: [BarState])] = []
            for entry in minutes {
                let name = batch.symbols[Int(entry.key.symbol)]
                if bySymbol.last?.symbol == name {
                    bySymbol[bySymbol.count - 1].bars.append(entry.bar)
                } else {
                    bySymbol.append((name, [entry.bar]))
                }
            }
            // Hierarchical roll-up, each timeframe from the one below it (all divide each other).
            var levels: [[(symbol: String, bars: [BarState])]] = [bySymbol]
            for width in PostgresBars.widths.dropFirst() {
                levels.append(levels[levels.count - 1].map { ($0.symbol, BarState.rollUp($0.bars, width: width)) })
            }
            return levels
        }

        /// Upserts the bars of `batch`'s stored rows into every bar table.
        func write(_ batch: ColumnBatch, skipped: [Int], on connection: PostgresConnection, logger: Logger) async throws
        {
            guard skipped.count < batch.count else { return }
            for (level, bars) in fold(batch, skipped: skipped).enumerated() {
                try await connection.execute(
                    upsert(PostgresBars.widths[level]), Self.bindings(bars), logger: logger)
            }
        }

        /// The arrays of one upsert, in the order of ``upsert(_:)``'s parameters.
        static func bindings(_ bars: [(symbol: String, bars: [BarState])]) -> PostgresBindings {
            var symbols: [String] = []
            var lanes = [[Int64]](repeating: [], count: 10)
            var volumes: [String] = []
            var notionals: [String] = []
            for (symbol, list) in bars {
                for bar in list where !bar.isEmpty {
                    symbols.append(symbol)
                    let values = [
                        bar.start, bar.open, bar.high, bar.low, bar.close, bar.count, bar.openTime, bar.openID,
                        bar.closeTime, bar.closeID,
                    ]
                    for (i, value) in values.enumerated() { lanes[i].append(value) }
                    volumes.append(String(bar.volume))
                    notionals.append(String(bar.notional))
                }
            }
            var binds = PostgresBindings()
            binds.append(symbols)
            for i in 0..<5 { binds.append(lanes[i]) }
            binds.append(volumes)
            binds.append(notionals)
            for i in 5..<10 { binds.append(lanes[i]) }
            return binds
        }

        /// The upsert into the table of `width`: new buckets inserted, existing ones merged as
        /// ``BarState/merge(_:)`` merges (the stored bar is the earlier one).
        func upsert(_ width: Int64) -> String {
            let table = SQL.qualified(namespace, PostgresBars.tableName(width))
            let (p, q) = (priceScale, quantityScale)
            let earlierOpen = "(EXCLUDED.open_ts, EXCLUDED.open_id) < (b.open_ts, b.open_id)"
            let laterClose = "(EXCLUDED.close_ts, EXCLUDED.close_id) >= (b.close_ts, b.close_id)"
            return """
                INSERT INTO \(table) AS b (symbol, ts, open, high, low, close, volume, notional, trade_count,
                    open_ts, open_id, close_ts, close_id)
                SELECT u.symbol, u.ts, u.o * 1e-\(p), u.h * 1e-\(p), u.l * 1e-\(p), u.c * 1e-\(p),
                    u.v::numeric * 1e-\(q), u.n::numeric * 1e-\(p + q), u.k, u.ot, u.oi, u.ct, u.ci
                FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                    $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[])
                    AS u(symbol, ts, o, h, l, c, v, n, k, ot, oi, ct, ci)
                ON CONFLICT (symbol, ts) DO UPDATE SET
                    open = CASE WHEN \(earlierOpen) THEN EXCLUDED.open ELSE b.open END,
                    open_ts = CASE WHEN \(earlierOpen) THEN EXCLUDED.open_ts ELSE b.open_ts END,
                    open_id = CASE WHEN \(earlierOpen) THEN EXCLUDED.open_id ELSE b.open_id END,
                    close = CASE WHEN \(laterClose) THEN EXCLUDED.close ELSE b.close END,
                    close_ts = CASE WHEN \(laterClose) THEN EXCLUDED.close_ts ELSE b.close_ts END,
                    close_id = CASE WHEN \(laterClose) THEN EXCLUDED.close_id ELSE b.close_id END,
                    high = greatest(b.high, EXCLUDED.high), low = least(b.low, EXCLUDED.low),
                    volume = b.volume + EXCLUDED.volume, notional = b.notional + EXCLUDED.notional,
                    trade_count = b.trade_count + EXCLUDED.trade_count
                """
        }
    }
}
