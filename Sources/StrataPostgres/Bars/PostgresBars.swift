import Logging
import PostgresNIO
import StrataCore

/// Continuous OHLCV bars of the trades on PostgreSQL, maintained on write.
///
/// Design:
/// - **Tables** `bars_1m`, `bars_5m`, `bars_15m`, `bars_1h`, `bars_1d` (scope `bars` of
///   ``PostgresMigrator``), one row per (symbol, bucket start `ts`): open, high, low, close as
///   `numeric(19, <price scale>)`; volume and notional as `numeric` (exact sums that never
///   overflow); the trade count; and the time and trade id of the open and of the close, which
///   is what lets two partial bars of one bucket merge exactly. Primary key `(symbol, ts)`. Not
///   partitioned (a symbol's day is 1,440 rows at 1m); retention deletes by `ts`.
/// - **Writes**: inside the transaction of a trades append, once the insert has said which rows
///   it stored (keep-first drops re-sent trade ids), the stored rows are folded into
///   ``BarState``s — the engine's accumulator — per (symbol, minute) in arrival order, rolled up
///   to each timeframe, and upserted, one statement per timeframe with arrays bound (`unnest`).
///   `ON CONFLICT` merges as ``BarState/merge(_:)`` does: the earlier (time, trade id) open wins,
///   the later-or-equal close wins (the newer batch on a tie: arrival order), greatest high,
///   least low, sums added. The trades' advisory lock serialises the appends of one table, so
///   merges never race; a batch refused or rolled back leaves neither trades nor bars, so a bar
///   never disagrees with the trades PostgreSQL acknowledged, late and out-of-order trades
///   included.
/// - **Reads**: one range query of the timeframe's table; mantissas as `bigint`, sums as numeric
///   text parsed exactly into `Int128`.
final class PostgresBars: ContinuousBarSource {
    /// The migration scope of the bar tables.
    static let scope = "bars"
    static let minute: Int64 = 60_000_000_000
    /// Stored widths, finest first: every timeframe of the engine (1m, 5m, 15m, 1h, 1d).
    static let widths: [Int64] = [1, 5, 15, 60, 1_440].map { Int64($0) * minute }

    let writer: Writer
    /// The bar tables (reports, health, retention), finest first.
    let tables: [PostgresTable]

    init(writer: Writer, tables: [PostgresTable]) {
        self.writer = writer
        self.tables = tables
    }

    /// `bars_1m` … `bars_1d`.
    static func tableName(_ width: Int64) -> String {
        let minutes = width / minute
        if minutes % 1_440 == 0 { return "bars_\(minutes / 1_440)d" }
        if minutes % 60 == 0 { return "bars_\(minutes / 60)h" }
        return "bars_\(minutes)m"
    }

    /// A bar table's columns as a schema (for the reports ``PostgresTable`` gives: rows, bytes,
    /// symbols, retention), the symbol, `ts` and the storage columns in table order.
    /// - Throws: `StrataError` `.invalidArgument` for scales no decimal column takes.
    static func schema(_ width: Int64, priceScale: Int, quantityScale: Int) throws -> RecordSchema {
        do {
            return try schemaChecked(width, priceScale: priceScale, quantityScale: quantityScale)
        } catch {
            throw StrataError(.invalidArgument, "bar table \(tableName(width)): \(error)")
        }
    }

    private static func schemaChecked(_ width: Int64, priceScale: Int, quantityScale: Int) throws -> RecordSchema {
        try RecordSchema(
            name: tableName(width),
            columns: [
                SchemaColumn("symbol", .symbol), SchemaColumn("ts", .timestamp),
                SchemaColumn("open", .decimal(scale: priceScale)), SchemaColumn("high", .decimal(scale: priceScale)),
                SchemaColumn("low", .decimal(scale: priceScale)), SchemaColumn("close", .decimal(scale: priceScale)),
                SchemaColumn("volume", .decimal(scale: quantityScale)),
                SchemaColumn("notional", .decimal(scale: priceScale + quantityScale)),
                SchemaColumn("trade_count", .int64), SchemaColumn("open_ts", .int64), SchemaColumn("open_id", .int64),
                SchemaColumn("close_ts", .int64), SchemaColumn("close_id", .int64),
            ],
            timestamp: "ts")
    }

    /// The migrations of scope `bars` in `namespace`: version 1 creates the five tables and
    /// fills them from the trades already stored (a database that ran with aggregates off), with
    /// the accumulator's rules in SQL: the open is the first trade by (time, trade id, arrival),
    /// the close the last, each coarser timeframe rolled up from the one below it.
    static func migrations(_ namespace: String, writer: Writer, trades: RecordSchema) -> [PostgresMigration] {
        var up: [String] = []
        var down: [String] = []
        let price = "numeric(19, \(writer.priceScale)) NOT NULL"
        for width in widths {
            let table = SQL.qualified(namespace, tableName(width))
            up.append(
                """
                CREATE TABLE \(table) (symbol text COLLATE "C" NOT NULL, ts bigint NOT NULL,
                    open \(price), high \(price), low \(price), close \(price),
                    volume numeric NOT NULL, notional numeric NOT NULL, trade_count bigint NOT NULL,
                    open_ts bigint NOT NULL, open_id bigint NOT NULL, close_ts bigint NOT NULL,
                    close_id bigint NOT NULL, "_strata_seq" bigint NOT NULL DEFAULT 0,
                    PRIMARY KEY (symbol, ts))
                """)
            down.append("DROP TABLE \(table)")
        }
        let columns = trades.storageColumns
        let (t, i) = (SQL.quote(columns[writer.time].name), SQL.quote(columns[writer.id].name))
        let (p, q) = (SQL.quote(columns[writer.price].name), SQL.quote(columns[writer.quantity].name))
        let symbol = SQL.quote(trades.symbolColumn.name)
        let insert =
            "(symbol, ts, open, high, low, close, volume, notional, trade_count, open_ts, open_id, close_ts, close_id)"
        let first = "ORDER BY \(t), \(i), \"_strata_seq\""
        let last = "ORDER BY \(t) DESC, \(i) DESC, \"_strata_seq\" DESC"
        up.append(
            """
            INSERT INTO \(SQL.qualified(namespace, tableName(minute))) \(insert)
            SELECT \(symbol), bucket, (array_agg(\(p) \(first)))[1], max(\(p)), min(\(p)), (array_agg(\(p) \(last)))[1],
                sum(\(q)), sum(\(p) * \(q)), count(*), (array_agg(\(t) \(first)))[1], (array_agg(\(i) \(first)))[1],
                (array_agg(\(t) \(last)))[1], (array_agg(\(i) \(last)))[1]
            FROM (SELECT *, \(t) - ((\(t) % \(minute)) + \(minute)) % \(minute) AS bucket
                FROM \(SQL.qualified(namespace, trades.name))) x
            GROUP BY \(symbol), bucket
            """)
        for (finer, width) in zip(widths, widths.dropFirst()) {
            let open = "ORDER BY open_ts, open_id, ts"
            let close = "ORDER BY close_ts DESC, close_id DESC, ts DESC"
            up.append(
                """
                INSERT INTO \(SQL.qualified(namespace, tableName(width))) \(insert)
                SELECT symbol, bucket, (array_agg(open \(open)))[1], max(high), min(low), (array_agg(close \(close)))[1],
                    sum(volume), sum(notional), sum(trade_count)::bigint, (array_agg(open_ts \(open)))[1],
                    (array_agg(open_id \(open)))[1], (array_agg(close_ts \(close)))[1], (array_agg(close_id \(close)))[1]
                FROM (SELECT *, ts - ((ts % \(width)) + \(width)) % \(width) AS bucket
                    FROM \(SQL.qualified(namespace, tableName(finer)))) x
                GROUP BY symbol, bucket
                """)
        }
        return [PostgresMigration(version: 1, name: "bar tables", up: up, down: down.reversed())]
    }

    // MARK: ContinuousBarSource

    var storedWidths: [Int64] { Self.widths }
    var barTables: [any BackendTable] { tables }
    var keepsMinutesInMemory: Bool { false }

    func partition(of nanoseconds: Int64) -> Int64 { BarState.floorDiv(nanoseconds, 86_400_000_000_000) }

    func minuteBars(_ keys: [(partition: Int64, symbol: UInt32, start: Int64)]) -> [BarState?] {
        keys.map { _ in nil }
    }

    func stats() -> [TableStats] { tables.map { $0.stats() } }

    func bars(symbol: String, width: Int64, from: Int64, to: Int64) throws -> [BarState] {
        guard from < to else { return [] }
        guard let index = Self.widths.firstIndex(of: width) else {
            throw StrataError(
                .invalidArgument, "bars of \(width / 1_000_000_000) s are not stored: read 1m, 5m, 15m, 1h or 1d")
        }
        let table = tables[index]
        var binds = PostgresBindings()
        binds.append(symbol)
        binds.append(from)
        binds.append(to)
        let (p, q) = (writer.priceScale, writer.quantityScale)
        let rows = try table.query(
            "reading bars",
            """
            SELECT ts, (open * 1e\(p))::bigint, (high * 1e\(p))::bigint, (low * 1e\(p))::bigint,
                (close * 1e\(p))::bigint, trunc(volume * 1e\(q))::text, trunc(notional * 1e\(p + q))::text,
                trade_count, open_ts, open_id, close_ts, close_id
            FROM \(table.layout.table) WHERE symbol = $1 AND ts >= $2 AND ts < $3 ORDER BY ts
            """, binds)
        do {
            return try rows.map { row in
                let cells = row.makeRandomAccess()
                func int(_ i: Int) throws -> Int64 { try cells[i].decode(Int64.self) }
                func sum(_ i: Int) throws -> Int128 {
                    let text = try cells[i].decode(String.self)
                    guard let value = Int128(text) else {
                        throw StrataError(.corruptFile, "\(table.name): a bar sum \(text) is not an integer mantissa")
                    }
                    return value
                }
                var bar = BarState(start: try int(0))
                bar.open = try int(1)
                bar.high = try int(2)
                bar.low = try int(3)
                bar.close = try int(4)
                bar.volume = try sum(5)
                bar.notional = try sum(6)
                bar.count = try int(7)
                bar.openTime = try int(8)
                bar.openID = try int(9)
                bar.closeTime = try int(10)
                bar.closeID = try int(11)
                return bar
            }
        } catch let error as StrataError {
            throw error
        } catch {
            throw table.connector.translate(error, "decoding bars of table \(table.name)")
        }
    }
}
