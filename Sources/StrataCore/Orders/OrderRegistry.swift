/// The current state of every order, indexed for the queries trading code asks (by user, side,
/// symbol, status; a user's open orders), kept as a value: each operation checks the change
/// (``Order/applying(_:at:)``), applies it and returns the ``OrderEvent`` a store logs; on open
/// the store rebuilds the registry by ``apply(_:)``-ing the logged events in order.
public struct OrderRegistry: Sendable {
    public private(set) var orders: [Int64: Order] = [:]
    private var byUser: [String: Set<Int64>] = [:]
    private var bySymbol: [Symbol: Set<Int64>] = [:]
    /// Each user's open orders themselves, ids ascending (new ids mostly append): what
    /// ``openOrders(user:)`` answers as it is — no lookup, sort or copy per order.
    private var openByUser: [String: [Order]] = [:]

    public init() {}

    /// The registry holding `orders` (a snapshot's), indexed.
    public init(restoring orders: some Sequence<Order>) {
        for order in orders { index(order) }
    }

    // MARK: - Operations

    /// Saves a new order.
    /// - Throws: ``OrderError`` `.duplicateOrder` if its id is taken; `.invalid` naming the field.
    public mutating func save(_ order: Order) throws(OrderError) -> OrderEvent {
        try order.validate()
        guard orders[order.id] == nil else {
            throw OrderError(.duplicateOrder, order: order.id, status: orders[order.id]?.status, "the id is taken")
        }
        let event = OrderEvent.created(order)
        apply(event)
        return event
    }

    /// Applies `change` to order `id`.
    /// - Throws: ``OrderError`` `.unknownOrder`, or what ``Order/applying(_:at:)`` refuses.
    @discardableResult
    public mutating func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws(OrderError) -> OrderEvent {
        guard let order = orders[id] else { throw OrderError(.unknownOrder, order: id, status: nil, "no such order") }
        _ = try order.applying(change, at: time)
        let event = OrderEvent.changed(id: id, change: change, at: time)
        apply(event)
        return event
    }

    /// Removes order `id` from the current state (its events stay in the log).
    /// - Throws: ``OrderError`` `.unknownOrder`.
    public mutating func remove(id: Int64, at time: Timestamp) throws(OrderError) -> OrderEvent {
        guard orders[id] != nil else { throw OrderError(.unknownOrder, order: id, status: nil, "no such order") }
        let event = OrderEvent.removed(id: id, at: time)
        apply(event)
        return event
    }

    /// Applies an event made by this type's operations or read back from the log (a replay:
    /// the event was checked when it was made).
    public mutating func apply(_ event: OrderEvent) {
        switch event {
        case .created(let order):
            index(order)
        case .changed(let id, let change, let time):
            guard let order = orders[id], let next = try? order.applying(change, at: time) else { return }
            // A change keeps the order's user and symbol: only the order, and whether it is
            // open, change.
            orders[id] = next
            switch (order.status.isOpen, next.status.isOpen) {
            case (true, true): replaceOpen(next)
            case (true, false): removeOpen(id, user: next.user)
            case (false, true): insertOpen(next)
            case (false, false): break
            }
        case .removed(let id, _):
            if let order = orders[id] { unindex(order) }
        }
    }

    // MARK: - Queries (results sorted by id)

    public func order(id: Int64) -> Order? { orders[id] }
    public var all: [Order] { sorted(orders.keys) }
    public func orders(user: String) -> [Order] { sorted(byUser[user] ?? []) }
    public func orders(symbol: Symbol) -> [Order] { sorted(bySymbol[symbol] ?? []) }
    public func orders(side: OrderSide) -> [Order] { all.filter { $0.side == side } }
    public func orders(status: OrderStatus) -> [Order] { all.filter { $0.status == status } }
    /// A user's orders still working (new or partially filled).
    public func openOrders(user: String) -> [Order] { openByUser[user] ?? [] }
    /// A user's orders created in `[from, to)`.
    public func orders(user: String, from: Timestamp, to: Timestamp) -> [Order] {
        orders(user: user).filter { $0.createdAt >= from && $0.createdAt < to }
    }

    // MARK: - Private

    private func sorted(_ ids: some Sequence<Int64>) -> [Order] { ids.sorted().compactMap { orders[$0] } }

    private mutating func index(_ order: Order) {
        orders[order.id] = order
        byUser[order.user, default: []].insert(order.id)
        bySymbol[order.symbol, default: []].insert(order.id)
        if order.status.isOpen { insertOpen(order) }
    }

    private mutating func unindex(_ order: Order) {
        orders[order.id] = nil
        Self.remove(order.id, from: &byUser, order.user)
        Self.remove(order.id, from: &bySymbol, order.symbol)
        if order.status.isOpen { removeOpen(order.id, user: order.user) }
    }

    private mutating func insertOpen(_ order: Order) {
        openByUser[order.user, default: []].insertSorted(order)
    }

    private mutating func replaceOpen(_ order: Order) {
        openByUser[order.user]?.replaceSorted(order)
    }

    private mutating func removeOpen(_ id: Int64, user: String) {
        guard var open = openByUser.removeValue(forKey: user) else { return }
        open.removeSorted(id)
        if !open.isEmpty { openByUser[user] = open }
    }

    private static func remove<Key: Hashable>(_ id: Int64, from index: inout [Key: Set<Int64>], _ key: Key) {
        index[key]?.remove(id)
        if index[key]?.isEmpty == true { index[key] = nil }
    }
}

/// One change of an order, as logged: the store's history is never rewritten.
public enum OrderEvent: Sendable, Hashable {
    case created(Order)
    case changed(id: Int64, change: OrderChange, at: Timestamp)
    case removed(id: Int64, at: Timestamp)

    public var orderID: Int64 {
        switch self {
        case .created(let order): order.id
        case .changed(let id, _, _), .removed(let id, _): id
        }
    }
}

extension Array where Element == Order {
    /// The first index whose order's id is not below `id` (the array ascending by id).
    fileprivate func lowerBound(_ id: Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Inserts `order` in its place (appends when its id is the largest, the common case).
    fileprivate mutating func insertSorted(_ order: Order) {
        if let last, last.id < order.id {
            append(order)
            return
        }
        let index = lowerBound(order.id)
        if index < count && self[index].id == order.id {
            self[index] = order
        } else {
            insert(order, at: index)
        }
    }

    fileprivate mutating func replaceSorted(_ order: Order) {
        let index = lowerBound(order.id)
        if index < count && self[index].id == order.id { self[index] = order }
    }

    fileprivate mutating func removeSorted(_ id: Int64) {
        let index = lowerBound(id)
        if index < count && self[index].id == id { remove(at: index) }
    }
}
