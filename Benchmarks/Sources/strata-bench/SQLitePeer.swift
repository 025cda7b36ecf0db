import GRDB
import Strata

/// The peer: SQLite through GRDB, in the design of the "OrderFlow" system.
///
/// A file database in WAL mode with `synchronous = NORMAL` (a commit is durable once the WAL is
/// checkpointed; like group commit, a power loss can take the last transactions), one `trades`
/// table with prices and quantities as integer mantissas (scale 8, the same exact values as
/// Strata), the index on `(symbol, ts DESC)` created before the rows go in, and a prepared
/// INSERT inside one transaction per 10 000-row batch.
///
/// Every method is synchronous: GRDB's synchronous `read` and `write`, no executor hops.
final class SQLitePeer {
    let path: String
    let queue: DatabaseQueue

    init(path: String) throws {
        self.path = path
        var configuration = GRDB.Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else { throw BenchError("journal_mode is \(mode ?? "nil"), not wal") }
            try db.execute(
                sql: """
                    CREATE TABLE trades (
                        symbol TEXT NOT NULL,
                        ts INTEGER NOT NULL,
                        trade_id INTEGER NOT NULL,
                        price INTEGER NOT NULL,
                        qty INTEGER NOT NULL,
                        is_buyer_maker INTEGER NOT NULL
                    );
                    CREATE INDEX trades_symbol_ts ON trades (symbol, ts DESC);
                    """)
        }
    }

    static let insertSQL =
        "INSERT INTO trades (symbol, ts, trade_id, price, qty, is_buyer_maker) VALUES (?, ?, ?, ?, ?, ?)"

    /// Inserts one batch in one transaction with the cached prepared statement.
    func insert(_ batch: [Trade]) throws {
        try queue.write { db in
            let statement = try db.cachedStatement(sql: SQLitePeer.insertSQL)
            for trade in batch {
                try statement.execute(arguments: [
                    trade.symbol.name, trade.timestamp.nanoseconds, trade.tradeID, trade.price.mantissa,
                    trade.quantity.mantissa, trade.isBuyerMaker,
                ])
            }
        }
    }

    /// W2: a time range of one symbol, oldest first, decoded into `Trade` values as Strata returns them.
    func range(symbol: Symbol, from: Timestamp, to: Timestamp) throws -> [Trade] {
        try queue.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT ts, trade_id, price, qty, is_buyer_maker FROM trades
                    WHERE symbol = ? AND ts >= ? AND ts < ? ORDER BY ts
                    """)
            return try SQLitePeer.decode(
                Row.fetchCursor(statement, arguments: [symbol.name, from.nanoseconds, to.nanoseconds]), symbol: symbol)
        }
    }

    /// W3: the latest `limit` trades of one symbol, newest first.
    func latest(symbol: Symbol, limit: Int) throws -> [Trade] {
        try queue.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT ts, trade_id, price, qty, is_buyer_maker FROM trades
                    WHERE symbol = ? ORDER BY ts DESC LIMIT ?
                    """)
            return try SQLitePeer.decode(Row.fetchCursor(statement, arguments: [symbol.name, limit]), symbol: symbol)
        }
    }

    /// B1 peer: 1-minute bars of one symbol over a range, computed from the raw trades with window
    /// functions (open/close by (ts, trade_id)), as a system without continuous aggregates does.
    func minuteBars(symbol: Symbol, from: Timestamp, to: Timestamp) throws -> [(
        minute: Int64, open: Int64, high: Int64, low: Int64, close: Int64, volume: Int64, count: Int
    )] {
        try queue.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT minute,
                           first_value(price) OVER w AS open, max(price) OVER w AS high, min(price) OVER w AS low,
                           last_value(price) OVER w AS close, sum(qty) OVER w AS volume, count(*) OVER w AS n,
                           row_number() OVER w AS r
                    FROM (SELECT ts / 60000000000 AS minute, ts, trade_id, price, qty FROM trades
                          WHERE symbol = ? AND ts >= ? AND ts < ?)
                    WINDOW w AS (PARTITION BY minute ORDER BY ts, trade_id
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                    ORDER BY minute
                    """)
            var bars: [(minute: Int64, open: Int64, high: Int64, low: Int64, close: Int64, volume: Int64, count: Int)] =
                []
            let rows = try Row.fetchCursor(statement, arguments: [symbol.name, from.nanoseconds, to.nanoseconds])
            while let row = try rows.next() {
                let rank: Int = row[7]
                guard rank == 1 else { continue }
                bars.append((row[0], row[1], row[2], row[3], row[4], row[5], row[6]))
            }
            return bars
        }
    }

    /// W5: count and Σ qty per symbol, exact integers.
    func summarize() throws -> [(symbol: String, sum: Int64, count: Int)] {
        try queue.read { db in
            let statement = try db.cachedStatement(sql: "SELECT symbol, SUM(qty), COUNT(*) FROM trades GROUP BY symbol")
            var result: [(symbol: String, sum: Int64, count: Int)] = []
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                result.append((symbol: row[0], sum: row[1], count: row[2]))
            }
            return result
        }
    }

    /// Checkpoints the WAL into the main file, then returns the bytes of the database, its WAL and
    /// shared-memory file.
    func bytesOnDisk() throws -> Int64 {
        try queue.writeWithoutTransaction { db in
            _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return [path, path + "-wal", path + "-shm"].reduce(0) { $0 + fileSize($1) }
    }

    func close() throws { try queue.close() }

    private static func decode(_ rows: RowCursor, symbol: Symbol) throws -> [Trade] {
        var trades: [Trade] = []
        while let row = try rows.next() {
            trades.append(
                Trade(
                    symbol: symbol, timestamp: Timestamp(nanoseconds: row[0]), tradeID: row[1],
                    price: Price(mantissa: row[2]), quantity: Quantity(mantissa: row[3]), isBuyerMaker: row[4]))
        }
        return trades
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
