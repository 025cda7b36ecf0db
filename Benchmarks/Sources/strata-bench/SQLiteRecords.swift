import GRDB
import Strata

/// The SQLite side of ORDERS, OPEN and JOBS, as the order-flow system keeps them: an `orders`
/// table (prices and sizes as integer mantissas, scale 8) with an index on (user, status) and an
/// `order_events` table; a `jobs` table with an index on what a dequeue scans (state, priority,
/// not-before, id). WAL mode, `synchronous = NORMAL`, prepared statements, one transaction per
/// group.
///
/// The state an update writes (filled size, average price, status) is computed before the clock
/// starts (`after`), so SQLite's side does no order logic: the comparison favours it. Nor does it
/// keep the jobs' history, which Strata's event table does.
final class SQLiteRecords {
    let queue: DatabaseQueue

    init(path: String) throws {
        var configuration = GRDB.Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode?.lowercased() == "wal" else { throw BenchError("journal_mode is \(mode ?? "nil"), not wal") }
            try db.execute(
                sql: """
                    CREATE TABLE orders (
                        id INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL, user TEXT NOT NULL,
                        symbol TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, time_in_force TEXT NOT NULL,
                        price INTEGER, stop_price INTEGER, size INTEGER NOT NULL, filled_size INTEGER NOT NULL,
                        average_price INTEGER, status TEXT NOT NULL, created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX orders_user_status ON orders (user, status);
                    CREATE TABLE order_events (
                        seq INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, ts INTEGER NOT NULL,
                        event TEXT NOT NULL, fill_quantity INTEGER, fill_price INTEGER
                    );
                    CREATE TABLE jobs (
                        id INTEGER PRIMARY KEY, queue TEXT NOT NULL, payload TEXT NOT NULL,
                        priority INTEGER NOT NULL, not_before INTEGER NOT NULL, state TEXT NOT NULL,
                        worker TEXT, token INTEGER, expires INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
                        enqueued_at INTEGER NOT NULL, completed_at INTEGER
                    );
                    CREATE INDEX jobs_ready ON jobs (state, priority DESC, not_before, id);
                    """)
        }
    }

    func close() throws { try queue.close() }

    // MARK: - Orders

    /// One group in one transaction: a save is INSERT order + INSERT event, an update UPDATE
    /// order (to its state in `after`) + INSERT event.
    func apply(_ operations: [OrderOperation], after: [Int64: Order], sequence: inout Int64) throws {
        var next = sequence
        try queue.write { db in
            let insertOrder = try db.cachedStatement(
                sql: """
                    INSERT INTO orders (id, client_order_id, user, symbol, side, type, time_in_force, price,
                        stop_price, size, filled_size, average_price, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let updateOrder = try db.cachedStatement(
                sql: "UPDATE orders SET filled_size = ?, average_price = ?, status = ?, updated_at = ? WHERE id = ?")
            let insertEvent = try db.cachedStatement(
                sql:
                    "INSERT INTO order_events (seq, order_id, ts, event, fill_quantity, fill_price) VALUES (?, ?, ?, ?, ?, ?)"
            )
            for operation in operations {
                next += 1
                switch operation {
                case .save(let order):
                    try insertOrder.execute(arguments: [
                        order.id, order.clientOrderID, order.user, order.symbol.name, order.side.rawValue,
                        order.type.rawValue, order.timeInForce.rawValue, order.price?.mantissa,
                        order.stopPrice?.mantissa,
                        order.size.mantissa, order.filledSize.mantissa, order.averageFillPrice?.mantissa,
                        order.status.rawValue, order.createdAt.nanoseconds, order.updatedAt.nanoseconds,
                    ])
                    try insertEvent.execute(arguments: [
                        next, order.id, order.createdAt.nanoseconds, "created", nil, nil,
                    ])
                case .update(let id, let change, let time):
                    guard let order = after[id] else { throw BenchError("no state for order \(id)") }
                    try updateOrder.execute(arguments: [
                        order.filledSize.mantissa, order.averageFillPrice?.mantissa, order.status.rawValue,
                        time.nanoseconds, id,
                    ])
                    guard db.changesCount == 1 else { throw BenchError("order \(id) not updated") }
                    var quantity: Int64?
                    var price: Int64?
                    let name: String
                    switch change {
                    case .fill(let q, let p): (name, quantity, price) = ("fill", q.mantissa, p.mantissa)
                    case .cancel: name = "cancel"
                    case .reject: name = "reject"
                    case .expire: name = "expire"
                    case .amend: name = "amend"
                    }
                    try insertEvent.execute(arguments: [next, id, time.nanoseconds, name, quantity, price])
                case .remove(let id, let time):
                    try db.execute(sql: "DELETE FROM orders WHERE id = ?", arguments: [id])
                    try insertEvent.execute(arguments: [next, id, time.nanoseconds, "remove", nil, nil])
                }
            }
        }
        sequence = next
    }

    func orderCounts() throws -> (orders: Int, events: Int) {
        try queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM order_events") ?? 0
            )
        }
    }

    /// The open orders (new or partially filled) of `user`, by id, decoded as `Order`s.
    func openOrders(user: String) throws -> [Order] {
        try queue.read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT id, client_order_id, symbol, side, type, time_in_force, price, stop_price, size,
                        filled_size, status, created_at, updated_at
                    FROM orders WHERE user = ? AND status IN ('new', 'partially_filled') ORDER BY id
                    """)
            var orders: [Order] = []
            let rows = try GRDB.Row.fetchCursor(statement, arguments: [user])
            while let row = try rows.next() {
                let price: Int64? = row[6]
                let stop: Int64? = row[7]
                var order = Order(
                    id: row[0], clientOrderID: row[1], user: user, symbol: Symbol(unchecked: row[2]),
                    side: OrderSide(rawValue: row[3]) ?? .buy, type: OrderType(rawValue: row[4]) ?? .limit,
                    timeInForce: TimeInForce(rawValue: row[5]) ?? .goodTillCancelled, price: price.map(Price.init),
                    stopPrice: stop.map(Price.init), size: Quantity(mantissa: row[8]),
                    createdAt: Timestamp(nanoseconds: row[11]))
                order.filledSize = Quantity(mantissa: row[9])
                order.status = OrderStatus(rawValue: row[10]) ?? .new
                order.updatedAt = Timestamp(nanoseconds: row[12])
                orders.append(order)
            }
            return orders
        }
    }

    // MARK: - Jobs

    /// The enqueues of a round, in one transaction.
    func enqueue(_ operations: [JobOperation]) throws {
        try queue.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO jobs (id, queue, payload, priority, not_before, state, enqueued_at)
                    VALUES (?, ?, ?, ?, ?, 'ready', ?)
                    """)
            for operation in operations {
                guard case .enqueue(let id, let queue, let payload, let priority, let notBefore, let now) = operation
                else { continue }
                try statement.execute(arguments: [
                    id, queue, payload, priority, notBefore.nanoseconds, now.nanoseconds,
                ])
            }
        }
    }

    private var lastToken: Int64 = 0

    /// Leases up to `limit` ready jobs, best first, in one statement (UPDATE … RETURNING).
    /// - Returns: each job's id and lease token.
    func dequeue(limit: Int, worker: String, now: Int64, leaseDuration: Int64) throws -> [(id: Int64, token: Int64)] {
        let base = lastToken
        let leased = try queue.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET state = 'leased', worker = ?, token = ? + id, expires = ?, attempts = attempts + 1
                    WHERE id IN (SELECT id FROM jobs WHERE state = 'ready' AND not_before <= ?
                                 ORDER BY priority DESC, not_before, id LIMIT ?)
                    RETURNING id, token
                    """)
            var leased: [(id: Int64, token: Int64)] = []
            let rows = try GRDB.Row.fetchCursor(
                statement, arguments: [worker, base, now + leaseDuration, now, limit])
            while let row = try rows.next() { leased.append((row[0], row[1])) }
            return leased
        }
        lastToken = leased.map(\.token).max() ?? lastToken
        return leased
    }

    /// Completes the leased jobs (each only if its lease is still the one given), in one
    /// transaction.
    /// - Returns: how many were completed.
    func complete(_ leased: [(id: Int64, token: Int64)], now: Int64) throws -> Int {
        try queue.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET state = 'completed', completed_at = ?
                    WHERE id = ? AND token = ? AND state = 'leased' AND expires > ?
                    """)
            var completed = 0
            for job in leased {
                try statement.execute(arguments: [now, job.id, job.token, now])
                completed += db.changesCount
            }
            return completed
        }
    }

    func jobsNotCompleted() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE state <> 'completed'") ?? 0 }
    }
}
