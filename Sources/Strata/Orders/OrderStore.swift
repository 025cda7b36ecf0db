public import StrataCore
import Synchronization

/// Orders kept durably: every change an immutable row of an event table (``eventSchema``,
/// `order_events`, one of the store's own tables), the current state an ``OrderRegistry`` in
/// memory, rebuilt on open from the last snapshot plus the events after it (a keyed state table:
/// ``EventSourcedTable``).
///
/// ```swift
/// let store = try StrataStore.open(directory: dir)
/// let orders = store.orders
/// try orders.save(order)
/// try orders.update(id: order.id, .fill(quantity: q, price: p), at: now)
/// let open = orders.openOrders(user: "alice")
/// ```
///
/// An operation is checked against the current state, logged (the event table's WAL, with the
/// store's durability), then applied: a refused change stores nothing, an acknowledged one
/// survives a crash. Operations on one store are serialized.
public final class OrderStore: Sendable {
    /// The event table's schema (`order_events`): one row per change, keyed by `seq`.
    public static var eventSchema: RecordSchema { OrderRegistry.eventSchema }

    /// Where the orders are kept: the engine's event-sourced table, or the backend's own
    /// (``StorageBackend/keyedState``, shared by every node on it).
    let state: any OrderStateBackend
    /// The engine's event-sourced table (nil when the backend keeps the orders).
    let events: EventSourcedTable<OrderRegistry>?

    /// The orders whose events `table` holds. On a store's own `order_events` table (declaring
    /// ``eventSchema`` in the configuration is allowed and changes nothing) this is the store's
    /// ``StrataStore/orders``, sharing its state and snapshots; on another table of the same
    /// columns, the orders are rebuilt by replaying every event, without snapshots.
    /// - Throws: ``StrataError`` `.invalidArgument` for a table of another schema; what reading
    ///   the events throws.
    public init(table: DynamicTable) throws {
        let events = try KeyedAttachments.attached(to: table) ?? EventSourcedTable<OrderRegistry>(table: table)
        self.events = events
        state = events
    }

    init(events: EventSourcedTable<OrderRegistry>) {
        self.events = events
        state = events
    }

    /// The orders a backend keeps itself.
    init(shared: any OrderStateBackend) {
        events = nil
        state = shared
    }

    /// How the orders were rebuilt when the store opened (nothing to rebuild when the backend
    /// keeps them).
    public var recovery: KeyedStateRecovery { events?.recovery ?? .kept(by: OrderRegistry.eventSchema.name) }

    // MARK: - Operations

    /// Saves a new order.
    /// - Throws: ``OrderError`` (`.duplicateOrder`, `.invalid` naming the field); ``StrataError``
    ///   if the event cannot be stored.
    @discardableResult
    public func save(_ order: Order) throws -> Order { try state.save(order) }

    /// Applies `change` to order `id`.
    /// - Throws: ``OrderError`` (`.unknownOrder`, `.illegalTransition`, `.overfill`, `.invalid`);
    ///   ``StrataError``.
    @discardableResult
    public func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws -> Order {
        try state.update(id: id, change, at: time)
    }

    /// Removes order `id` from the current state (its events stay).
    public func remove(id: Int64, at time: Timestamp) throws { try state.remove(id: id, at: time) }

    // MARK: - Queries (a backend that keeps the orders may fail to answer: ``StrataError``)

    public func order(id: Int64) throws -> Order? { try state.order(id: id) }
    public var all: [Order] { get throws { try state.allOrders() } }
    public func orders(user: String) throws -> [Order] { try state.orders(user: user) }
    public func orders(symbol: Symbol) throws -> [Order] { try state.orders(symbol: symbol) }
    public func orders(side: OrderSide) throws -> [Order] { try state.orders(side: side) }
    public func orders(status: OrderStatus) throws -> [Order] { try state.orders(status: status) }
    public func openOrders(user: String) throws -> [Order] { try state.openOrders(user: user) }
    /// How many orders are open (new or partially filled), every user's.
    public var openOrderCount: Int { get throws { try state.openOrderCount() } }
    public func orders(user: String, from: Timestamp, to: Timestamp) throws -> [Order] {
        try state.orders(user: user, from: from, to: to)
    }

    /// Every change of order `id` (of `symbol`), in order, read back from the event table.
    public func events(of id: Int64, symbol: Symbol) throws -> [OrderEvent] {
        try state.events(of: id, symbol: symbol)
    }
}

/// The engine's orders: an ``OrderRegistry`` kept in its event table.
extension EventSourcedTable: OrderStateBackend where State == OrderRegistry {
    func save(_ order: Order) throws -> Order {
        try record { registry, log in
            log.append(try registry.save(order), row: OrderRegistry.row(for: .created(order), symbol: order.symbol))
            return registry.order(id: order.id)!
        }
    }

    func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws -> Order {
        try record { registry, log in
            let event = try registry.update(id: id, change, at: time)
            let order = registry.order(id: id)!
            log.append(event, row: OrderRegistry.row(for: event, symbol: order.symbol))
            return order
        }
    }

    func remove(id: Int64, at time: Timestamp) throws {
        try record { registry, log in
            let removed = registry.order(id: id)
            let event = try registry.remove(id: id, at: time)
            guard let removed else { return }
            // The row keeps whose order it was (the audit trail says so; the event needs only the id).
            var row = OrderRegistry.row(for: event, symbol: removed.symbol)
            row["user"] = .text(removed.user)
            log.append(event, row: row)
        }
    }

    func order(id: Int64) -> Order? { read { $0.order(id: id) } }
    func allOrders() -> [Order] { read { $0.all } }
    func orders(user: String) -> [Order] { read { $0.orders(user: user) } }
    func orders(symbol: Symbol) -> [Order] { read { $0.orders(symbol: symbol) } }
    func orders(side: OrderSide) -> [Order] { read { $0.orders(side: side) } }
    func orders(status: OrderStatus) -> [Order] { read { $0.orders(status: status) } }
    func openOrders(user: String) -> [Order] { read { $0.openOrders(user: user) } }
    /// One pass, nothing sorted.
    func openOrderCount() -> Int { read { $0.orders.values.reduce(0) { $1.status.isOpen ? $0 + 1 : $0 } } }
    func orders(user: String, from: Timestamp, to: Timestamp) -> [Order] {
        read { $0.orders(user: user, from: from, to: to) }
    }

    func events(of id: Int64, symbol: Symbol) throws -> [OrderEvent] {
        try events(symbol: symbol) { $0["order_id"] == .integer(id) }
    }
}

extension OrderRegistry: EventSourcedState {
    public static var eventSchema: RecordSchema { .orderEvents }

    public func row(for event: OrderEvent, previous: OrderRegistry) -> Row {
        Self.row(for: event, symbol: (order(id: event.orderID) ?? previous.order(id: event.orderID)!).symbol)
    }

    /// The row of `event`, about an order of `symbol`.
    static func row(for event: OrderEvent, symbol: Symbol) -> Row {
        var values: [String: FieldValue] = ["order_id": .integer(event.orderID)]
        func decimal<D: FixedPointDecimal>(_ value: D) -> FieldValue { .fixed(value) }
        switch event {
        case .created(let order):
            values["ts"] = .timestamp(order.createdAt)
            values["event"] = .text("created")
            values["user"] = .text(order.user)
            values["client_order_id"] = .text(order.clientOrderID)
            values["side"] = .text(order.side.rawValue)
            values["type"] = .text(order.type.rawValue)
            values["time_in_force"] = .text(order.timeInForce.rawValue)
            values["size"] = decimal(order.size)
            if let price = order.price { values["price"] = decimal(price) }
            if let stop = order.stopPrice { values["stop_price"] = decimal(stop) }
        case .changed(_, let change, let time):
            values["ts"] = .timestamp(time)
            switch change {
            case .fill(let quantity, let price):
                values["event"] = .text("fill")
                values["fill_quantity"] = decimal(quantity)
                values["fill_price"] = decimal(price)
            case .cancel: values["event"] = .text("cancel")
            case .reject(let reason):
                values["event"] = .text("reject")
                values["reason"] = .text(reason)
            case .expire: values["event"] = .text("expire")
            case .amend(let price, let size):
                values["event"] = .text("amend")
                if let price { values["price"] = decimal(price) }
                if let size { values["size"] = decimal(size) }
            }
        case .removed(_, let time):
            values["ts"] = .timestamp(time)
            values["event"] = .text("remove")
        }
        return Row(symbol: symbol, values)
    }

    public static func event(from row: Row) -> OrderEvent? {
        guard case .integer(let id)? = row["order_id"], case .text(let kind)? = row["event"],
            case .timestamp(let time)? = row["ts"]
        else { return nil }
        func price(_ name: String) -> Price? { row[name]?.fixed(Price.self) }
        func quantity(_ name: String) -> Quantity? {
            row[name]?.fixed(Quantity.self)
        }
        func text(_ name: String) -> String? {
            if case .text(let value)? = row[name] { return value }
            return nil
        }
        switch kind {
        case "created":
            guard let user = text("user"), let side = text("side").flatMap(OrderSide.init(rawValue:)),
                let type = text("type").flatMap(OrderType.init(rawValue:)),
                let timeInForce = text("time_in_force").flatMap(TimeInForce.init(rawValue:)),
                let size = quantity("size")
            else { return nil }
            return .created(
                Order(
                    id: id, clientOrderID: text("client_order_id") ?? "", user: user, symbol: row.symbol, side: side,
                    type: type, timeInForce: timeInForce, price: price("price"), stopPrice: price("stop_price"),
                    size: size, createdAt: time))
        case "fill":
            guard let quantity = quantity("fill_quantity"), let price = price("fill_price") else { return nil }
            return .changed(id: id, change: .fill(quantity: quantity, price: price), at: time)
        case "cancel": return .changed(id: id, change: .cancel, at: time)
        case "reject": return .changed(id: id, change: .reject(reason: text("reason") ?? ""), at: time)
        case "expire": return .changed(id: id, change: .expire, at: time)
        case "amend": return .changed(id: id, change: .amend(price: price("price"), size: quantity("size")), at: time)
        case "remove": return .removed(id: id, at: time)
        default: return nil
        }
    }
}
