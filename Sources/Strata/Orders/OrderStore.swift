public import StrataCore
import Synchronization

/// Orders kept durably: every change an immutable row of an event table (a catalog schema,
/// ``eventSchema``), the current state an ``OrderRegistry`` in memory, rebuilt on open by
/// replaying the events in order (issue 9's keyed state; snapshots come later).
///
/// ```swift
/// let store = try StrataStore.open(directory: dir, configuration: .init(tables: [OrderStore.eventSchema]))
/// let orders = try OrderStore(table: store.table(named: OrderStore.eventSchema.name)!)
/// try orders.save(order)
/// try orders.update(id: order.id, .fill(quantity: q, price: p), at: now)
/// let open = orders.openOrders(user: "alice")
/// ```
///
/// An operation is checked against the current state, logged (the event table's WAL, with the
/// store's durability), then applied: a refused change stores nothing, an acknowledged one
/// survives a crash. Operations on one store are serialized.
public final class OrderStore: Sendable {
    /// The event table: one row per change, keyed by a store-wide sequence number.
    public static let eventSchema: RecordSchema = {
        let price = ColumnKind.decimal(scale: Price.scale)
        let size = ColumnKind.decimal(scale: Quantity.scale)
        let optional = ColumnRules(required: false)
        do {
            return try RecordSchema(
                name: "order_events",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("seq", .int64),
                    SchemaColumn("order_id", .int64), SchemaColumn("event", .text),
                    SchemaColumn("user", .text, rules: optional),
                    SchemaColumn("client_order_id", .text, rules: optional),
                    SchemaColumn("side", .text, rules: optional), SchemaColumn("type", .text, rules: optional),
                    SchemaColumn("time_in_force", .text, rules: optional),
                    SchemaColumn("price", price, rules: optional),
                    SchemaColumn("stop_price", price, rules: optional), SchemaColumn("size", size, rules: optional),
                    SchemaColumn("fill_quantity", size, rules: optional),
                    SchemaColumn("fill_price", price, rules: optional), SchemaColumn("reason", .text, rules: optional),
                ],
                timestamp: "ts", key: RecordKey("seq"))
        } catch {
            preconditionFailure("the order events schema: \(error)")
        }
    }()

    private struct State {
        var registry = OrderRegistry()
        var sequence: Int64 = 0
    }

    private let table: DynamicTable
    private let state: Mutex<State>

    /// Opens the orders whose events `table` holds (a table declared with ``eventSchema``).
    /// - Throws: ``StrataError`` `.invalidArgument` for a table of another schema; what reading
    ///   the events throws.
    public init(table: DynamicTable) throws {
        guard table.schema.storageColumns == Self.eventSchema.storageColumns else {
            throw StrataError(
                .invalidArgument, "\(table.name) is not an order event table (declare it with OrderStore.eventSchema)")
        }
        self.table = table
        var events: [(Int64, OrderEvent)] = []
        for symbol in table.symbols() {
            for row in try table.rangeNow(symbol: symbol, from: .min, to: .max) {
                guard case .integer(let seq)? = row["seq"], let event = Self.event(row) else {
                    throw StrataError(.corruptFile, "\(table.name): an order event row cannot be read back: \(row)")
                }
                events.append((seq, event))
            }
        }
        events.sort { $0.0 < $1.0 }
        var state = State()
        for (_, event) in events { state.registry.apply(event) }
        state.sequence = events.last?.0 ?? 0
        self.state = Mutex(state)
    }

    // MARK: - Operations

    /// Saves a new order.
    /// - Throws: ``OrderError`` (`.duplicateOrder`, `.invalid` naming the field); ``StrataError``
    ///   if the event cannot be stored.
    @discardableResult
    public func save(_ order: Order) throws -> Order {
        try perform { registry throws in try registry.save(order) }
    }

    /// Applies `change` to order `id`.
    /// - Throws: ``OrderError`` (`.unknownOrder`, `.illegalTransition`, `.overfill`, `.invalid`);
    ///   ``StrataError``.
    @discardableResult
    public func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws -> Order {
        try perform { registry throws in try registry.update(id: id, change, at: time) }
    }

    /// Removes order `id` from the current state (its events stay).
    public func remove(id: Int64, at time: Timestamp) throws {
        _ = try perform { registry throws in try registry.remove(id: id, at: time) }
    }

    /// Checks on a copy, logs the event, then applies it.
    private func perform(_ operation: (inout OrderRegistry) throws -> OrderEvent) throws -> Order {
        try state.withLock { state in
            var registry = state.registry
            let event = try operation(&registry)
            let sequence = state.sequence + 1
            let order = registry.order(id: event.orderID) ?? state.registry.order(id: event.orderID)!
            try table.appendNow([Self.row(event, sequence: sequence, order: order)])
            state.registry = registry
            state.sequence = sequence
            return order
        }
    }

    // MARK: - Queries

    public func order(id: Int64) -> Order? { state.withLock { $0.registry.order(id: id) } }
    public var all: [Order] { state.withLock { $0.registry.all } }
    public func orders(user: String) -> [Order] { state.withLock { $0.registry.orders(user: user) } }
    public func orders(symbol: Symbol) -> [Order] { state.withLock { $0.registry.orders(symbol: symbol) } }
    public func orders(side: OrderSide) -> [Order] { state.withLock { $0.registry.orders(side: side) } }
    public func orders(status: OrderStatus) -> [Order] { state.withLock { $0.registry.orders(status: status) } }
    public func openOrders(user: String) -> [Order] { state.withLock { $0.registry.openOrders(user: user) } }
    public func orders(user: String, from: Timestamp, to: Timestamp) -> [Order] {
        state.withLock { $0.registry.orders(user: user, from: from, to: to) }
    }

    /// Every change of order `id`, in order, read back from the event table.
    public func events(of id: Int64, symbol: Symbol) throws -> [OrderEvent] {
        try table.rangeNow(symbol: symbol, from: .min, to: .max)
            .filter { $0["order_id"] == .integer(id) }
            .sorted { ($0["seq"]?.integerValue ?? 0) < ($1["seq"]?.integerValue ?? 0) }
            .compactMap(Self.event)
    }

    // MARK: - Rows

    static func row(_ event: OrderEvent, sequence: Int64, order: Order) -> Row {
        var values: [String: FieldValue] = [
            "seq": .integer(sequence), "order_id": .integer(event.orderID),
        ]
        func decimal<D: FixedPointDecimal>(_ value: D) -> FieldValue {
            .decimal(ExactAmount(mantissa: Int128(value.mantissa), scale: D.scale))
        }
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
        return Row(symbol: order.symbol, values)
    }

    static func event(_ row: Row) -> OrderEvent? {
        guard case .integer(let id)? = row["order_id"], case .text(let kind)? = row["event"],
            case .timestamp(let time)? = row["ts"]
        else { return nil }
        func price(_ name: String) -> Price? { row[name]?.mantissa(scale: Price.scale).map(Price.init(mantissa:)) }
        func quantity(_ name: String) -> Quantity? {
            row[name]?.mantissa(scale: Quantity.scale).map(Quantity.init(mantissa:))
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

extension FieldValue {
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// A decimal's mantissa at `scale`, if it is one that fits exactly.
    func mantissa(scale: Int) -> Int64? {
        guard case .decimal(let amount) = self, amount.scale <= scale else { return nil }
        var mantissa = amount.mantissa
        for _ in amount.scale..<scale { mantissa *= 10 }
        return Int64(exactly: mantissa)
    }
}

extension DynamicTable {
    /// Every row of `symbol` in `[from, to)`, read on the calling thread.
    func rangeNow(symbol: Symbol, from: Timestamp, to: Timestamp) throws -> [Row] {
        decode(
            try access.reading {
                try access.table.range(symbol: symbol.name, from: from.nanoseconds, to: to.nanoseconds, limit: .max)
            }, symbol)
    }
}
