import Logging
import PostgresNIO
import StrataCore

/// Orders kept by PostgreSQL (`strata_orders`, `strata_order_events`): each operation locks the
/// orders it touches, lets an ``OrderRegistry`` holding just those orders check and apply it,
/// and writes their new rows and the events in the same transaction.
final class PostgresOrders: OrderStateBackend {
    let runner: KeyedRunner
    let orders: String
    let events: String

    init(runner: KeyedRunner) {
        self.runner = runner
        orders = runner.table("strata_orders")
        events = runner.table("strata_order_events")
    }

    /// The columns an ``Order`` is read from (decimals as exact text).
    static let columns = """
        id, client_order_id, user_name, symbol, side, type, time_in_force, price::text AS price,
        stop_price::text AS stop_price, size::text AS size, filled_size::text AS filled_size,
        filled_notional::text AS filled_notional, status, created_at, updated_at
        """

    /// `status IN (…)` of the open statuses, from ``OrderStatus/isOpen`` (constants of the code,
    /// never input).
    static let openPredicate =
        "status IN (" + OrderStatus.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    // MARK: - Operations

    func save(_ order: Order) throws -> Order {
        try perform(.save(order), "saving order \(order.id)")
    }

    func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws -> Order {
        try perform(.update(id: id, change, at: time), "updating order \(id)")
    }

    func remove(id: Int64, at time: Timestamp) throws {
        _ = try perform(.remove(id: id, at: time), "removing order \(id)")
    }

    /// One operation in its own transaction; a refusal thrown as it is.
    private func perform(_ operation: OrderOperation, _ what: @autoclosure () -> String) throws -> Order {
        let (orders, events, logger) = (self.orders, self.events, runner.logger)
        return try runner.transaction(what()) { connection in
            var work = OrderWork()
            let order = try await work.apply(operation, connection, orders: orders, logger: logger).get()
            try await work.write(connection, orders: orders, events: events, logger: logger)
            return order
        }
    }

    func perform(_ operations: [OrderOperation]) throws -> [Result<Order, OrderError>] {
        let (orders, events, logger) = (self.orders, self.events, runner.logger)
        return try runner.transaction("a group of \(operations.count) order operations") { connection in
            var work = OrderWork()
            var outcomes: [Result<Order, OrderError>] = []
            for operation in operations {
                outcomes.append(try await work.apply(operation, connection, orders: orders, logger: logger))
            }
            try await work.write(connection, orders: orders, events: events, logger: logger)
            return outcomes
        }
    }

    // MARK: - Queries

    func order(id: Int64) throws -> Order? {
        try select("WHERE id = $1", "reading order \(id)") { $0.append(id) }.first
    }

    func allOrders() throws -> [Order] { try select("ORDER BY id", "reading every order") { _ in } }

    func orders(user: String) throws -> [Order] {
        try select("WHERE user_name = $1 ORDER BY id", "reading the orders of \(user)") { $0.append(user) }
    }

    func orders(symbol: Symbol) throws -> [Order] {
        try select("WHERE symbol = $1 ORDER BY id", "reading the orders of \(symbol)") { $0.append(symbol.name) }
    }

    func orders(side: OrderSide) throws -> [Order] {
        try select("WHERE side = $1 ORDER BY id", "reading the \(side) orders") { $0.append(side.rawValue) }
    }

    func orders(status: OrderStatus) throws -> [Order] {
        try select("WHERE status = $1 ORDER BY id", "reading the \(status) orders") { $0.append(status.rawValue) }
    }

    func openOrders(user: String) throws -> [Order] {
        try select("WHERE user_name = $1 AND \(Self.openPredicate) ORDER BY id", "reading the open orders of \(user)") {
            $0.append(user)
        }
    }

    func openOrderCount() throws -> Int {
        let sql = "SELECT count(*) FROM \(orders) WHERE \(Self.openPredicate)"
        let logger = runner.logger
        return try runner.read("counting open orders") { connection in
            try await connection.rows(sql, logger: logger).first.map { Int(try $0.decode(Int64.self)) } ?? 0
        }
    }

    func orders(user: String, from: Timestamp, to: Timestamp) throws -> [Order] {
        try select(
            "WHERE user_name = $1 AND created_at >= $2 AND created_at < $3 ORDER BY id",
            "reading the orders of \(user) in a time range"
        ) { binds in
            binds.append(user)
            binds.append(from.nanoseconds)
            binds.append(to.nanoseconds)
        }
    }

    func events(of id: Int64, symbol: Symbol) throws -> [OrderEvent] {
        let sql = """
            SELECT order_id, symbol, ts, event, user_name, client_order_id, side, type, time_in_force,
                price::text AS price, stop_price::text AS stop_price, size::text AS size,
                fill_quantity::text AS fill_quantity, fill_price::text AS fill_price, reason
            FROM \(events) WHERE order_id = $1 AND symbol = $2 ORDER BY seq
            """
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(symbol.name)
        let (bound, logger) = (binds, runner.logger)
        return try runner.read("reading the events of order \(id)") { connection in
            try await connection.rows(sql, bound, logger: logger).map(OrderEventRow.event(from:))
        }
    }

    /// The orders `clause` selects.
    private func select(
        _ clause: String, _ what: @autoclosure () -> String, _ bind: (inout PostgresBindings) -> Void
    ) throws -> [Order] {
        let sql = "SELECT \(Self.columns) FROM \(orders) \(clause)"
        var binds = PostgresBindings()
        bind(&binds)
        let (bound, logger) = (binds, runner.logger)
        return try runner.read(what()) { connection in
            try await connection.rows(sql, bound, logger: logger).map(Self.order(from:))
        }
    }

    /// The order a row of `strata_orders` holds.
    static func order(from row: PostgresRow) throws -> Order {
        let cells = PostgresRandomAccessRow(row)
        let id: Int64 = try cells.value("id")
        func decimal(_ name: String) throws -> Int64? {
            try cells.value(name, as: String?.self).map { try KeyedDecimal.mantissa($0, scale: Price.scale) }
        }
        func parsed<T: RawRepresentable<String>>(_ name: String, _ type: T.Type) throws -> T {
            let text: String = try cells.value(name)
            guard let value = T(rawValue: text) else {
                throw StrataError(.corruptFile, "strata_orders: order \(id) has \(name) '\(text)'")
            }
            return value
        }
        var order = Order(
            id: id, clientOrderID: try cells.value("client_order_id"), user: try cells.value("user_name"),
            symbol: Symbol(unchecked: try cells.value("symbol")), side: try parsed("side", OrderSide.self),
            type: try parsed("type", OrderType.self), timeInForce: try parsed("time_in_force", TimeInForce.self),
            price: try decimal("price").map(Price.init(mantissa:)),
            stopPrice: try decimal("stop_price").map(Price.init(mantissa:)),
            size: Quantity(mantissa: try decimal("size") ?? 0),
            createdAt: Timestamp(nanoseconds: try cells.value("created_at")))
        order.filledSize = Quantity(mantissa: try decimal("filled_size") ?? 0)
        order.filledNotional = Notional(
            mantissa: try DecimalText.mantissa(try cells.value("filled_notional"), scale: Notional.scale))
        order.status = try parsed("status", OrderStatus.self)
        order.updatedAt = Timestamp(nanoseconds: try cells.value("updated_at"))
        return order
    }
}

/// The orders one transaction touches: locked and loaded once, changed by an ``OrderRegistry``
/// (the rules), written back at the end with the events in order.
struct OrderWork {
    var registry = OrderRegistry()
    /// Orders locked (and loaded, if they existed).
    var locked: Set<Int64> = []
    /// Those that had a row when locked.
    var existed: Set<Int64> = []
    /// The events, with the order's symbol and (for a removal) its user.
    var logged: [(event: OrderEvent, symbol: Symbol, user: String?)] = []

    /// Checks and applies `operation`; a refusal changes nothing.
    mutating func apply(
        _ operation: OrderOperation, _ connection: PostgresConnection, orders: String, logger: Logger
    ) async throws -> Result<Order, OrderError> {
        let id: Int64
        switch operation {
        case .save(let order): id = order.id
        case .update(let order, _, _), .remove(let order, _): id = order
        }
        try await lock(id, connection, orders: orders, logger: logger)
        do throws(OrderError) {
            switch operation {
            case .save(let order):
                let event = try registry.save(order)
                logged.append((event, order.symbol, nil))
                return .success(registry.order(id: order.id)!)
            case .update(let id, let change, let time):
                let event = try registry.update(id: id, change, at: time)
                let order = registry.order(id: id)!
                logged.append((event, order.symbol, nil))
                return .success(order)
            case .remove(let id, let time):
                guard let removed = registry.order(id: id) else {
                    throw OrderError(.unknownOrder, order: id, status: nil, "no such order")
                }
                logged.append((try registry.remove(id: id, at: time), removed.symbol, removed.user))
                return .success(removed)
            }
        } catch {
            return .failure(error)
        }
    }

    /// Locks order `id`'s row (once per transaction) and puts it in the registry.
    private mutating func lock(_ id: Int64, _ connection: PostgresConnection, orders: String, logger: Logger)
        async throws
    {
        guard locked.insert(id).inserted else { return }
        var binds = PostgresBindings()
        binds.append(id)
        let rows = try await connection.rows(
            "SELECT \(PostgresOrders.columns) FROM \(orders) WHERE id = $1 FOR UPDATE", binds, logger: logger)
        if let row = rows.first {
            existed.insert(id)
            registry.apply(.created(try PostgresOrders.order(from: row)))
        }
    }

    /// Writes the touched orders' rows and the events.
    /// - Throws: ``KeyedRetry`` when another node inserted one of the new orders meanwhile.
    func write(_ connection: PostgresConnection, orders: String, events: String, logger: Logger) async throws {
        for id in locked.sorted() {
            if let order = registry.order(id: id) {
                if existed.contains(id) {
                    try await connection.execute(
                        """
                        UPDATE \(orders) SET client_order_id = $2, user_name = $3, symbol = $4, side = $5, type = $6,
                            time_in_force = $7, price = $8::numeric, stop_price = $9::numeric, size = $10::numeric,
                            filled_size = $11::numeric, filled_notional = $12::numeric, status = $13,
                            created_at = $14, updated_at = $15
                        WHERE id = $1
                        """, Self.binds(order), logger: logger)
                } else {
                    let inserted = try await connection.rows(
                        """
                        INSERT INTO \(orders) (id, client_order_id, user_name, symbol, side, type, time_in_force,
                            price, stop_price, size, filled_size, filled_notional, status, created_at, updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9::numeric, $10::numeric, $11::numeric,
                            $12::numeric, $13, $14, $15)
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """, Self.binds(order), logger: logger)
                    if inserted.isEmpty { throw KeyedRetry() }
                }
            } else if existed.contains(id) {
                var binds = PostgresBindings()
                binds.append(id)
                try await connection.execute("DELETE FROM \(orders) WHERE id = $1", binds, logger: logger)
            }
        }
        for entry in logged {
            try await connection.execute(
                """
                INSERT INTO \(events) (order_id, symbol, ts, event, user_name, client_order_id, side, type,
                    time_in_force, price, stop_price, size, fill_quantity, fill_price, reason)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::numeric, $12::numeric,
                    $13::numeric, $14::numeric, $15)
                """, OrderEventRow(entry.event, symbol: entry.symbol, user: entry.user).binds, logger: logger)
        }
    }

    /// An order's row, in the order of the statements above.
    static func binds(_ order: Order) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(order.id)
        binds.append(order.clientOrderID)
        binds.append(order.user)
        binds.append(order.symbol.name)
        binds.append(order.side.rawValue)
        binds.append(order.type.rawValue)
        binds.append(order.timeInForce.rawValue)
        binds.append(order.price.map { KeyedDecimal.text($0.mantissa, scale: Price.scale) })
        binds.append(order.stopPrice.map { KeyedDecimal.text($0.mantissa, scale: Price.scale) })
        binds.append(KeyedDecimal.text(order.size.mantissa, scale: Quantity.scale))
        binds.append(KeyedDecimal.text(order.filledSize.mantissa, scale: Quantity.scale))
        binds.append(KeyedDecimal.text(order.filledNotional.mantissa, scale: Notional.scale))
        binds.append(order.status.rawValue)
        binds.append(order.createdAt.nanoseconds)
        binds.append(order.updatedAt.nanoseconds)
        return binds
    }
}
