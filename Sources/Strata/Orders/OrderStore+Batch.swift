public import StrataCore

extension OrderStore {
    /// Applies a group of operations in order, each checked against the state the ones before it
    /// left, and logs the events of those accepted as one append (one WAL frame: after a crash
    /// the whole group is there or none of it) — group commit for a matching engine's burst of
    /// new orders, fills and cancels, at the cost of one write for the group.
    ///
    /// ```swift
    /// let outcomes = try orders.perform([
    ///     .save(order), .update(id: order.id, .fill(quantity: q, price: p), at: now),
    ///     .update(id: other, .cancel, at: now),
    /// ])
    /// ```
    /// - Returns: per operation, the order after it (for a remove, the order removed), or the
    ///   ``OrderError`` that refused it (a refused operation changes nothing; the others stand).
    /// - Throws: ``StrataError`` if the events cannot be stored: then none of the group is applied.
    @discardableResult
    public func perform(_ operations: [OrderOperation]) throws -> [Result<Order, OrderError>] {
        try state.perform(operations)
    }
}

extension EventSourcedTable where State == OrderRegistry {
    /// The engine's group of operations: checked one after the other, logged as one append.
    func perform(_ operations: [OrderOperation]) throws -> [Result<Order, OrderError>] {
        try record { registry, log in
            var outcomes: [Result<Order, OrderError>] = []
            outcomes.reserveCapacity(operations.count)
            var columns = OrderEventColumns(capacity: operations.count)
            for operation in operations {
                do throws(OrderError) {
                    let order: Order
                    let event: OrderEvent
                    switch operation {
                    case .save(let new):
                        event = try registry.save(new)
                        order = registry.order(id: new.id)!
                    case .update(let id, let change, let time):
                        event = try registry.update(id: id, change, at: time)
                        order = registry.order(id: id)!
                    case .remove(let id, let time):
                        guard let removed = registry.order(id: id) else {
                            throw OrderError(.unknownOrder, order: id, status: nil, "no such order")
                        }
                        event = try registry.remove(id: id, at: time)
                        order = removed
                    }
                    columns.append(event, symbol: order.symbol)
                    log.append(columnar: event)
                    outcomes.append(.success(order))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            if columns.count > 0 { log.columns = columns.batch }
            return outcomes
        }
    }
}

/// A group's order events as the columns of ``OrderRegistry/eventSchema`` (what
/// ``OrderRegistry/row(for:symbol:)`` gives per event, without a dictionary per row).
struct OrderEventColumns {
    private var symbols: [Symbol] = []
    private var times: [Timestamp] = []
    private var ids: [Int64] = []
    private var kinds: [String] = []
    /// user, client_order_id, side, type, time_in_force, reason.
    private var texts = OptionalColumns<String>(names: [
        "user", "client_order_id", "side", "type", "time_in_force", "reason",
    ])
    /// price, stop_price, size, fill_quantity, fill_price (mantissas at scale 8).
    private var decimals = OptionalColumns<Int64>(names: ["price", "stop_price", "size", "fill_quantity", "fill_price"])

    init(capacity: Int) {
        symbols.reserveCapacity(capacity)
        times.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
        texts.reserve(capacity)
        decimals.reserve(capacity)
    }

    var count: Int { symbols.count }

    mutating func append(_ event: OrderEvent, symbol: Symbol) {
        symbols.append(symbol)
        ids.append(event.orderID)
        switch event {
        case .created(let order):
            times.append(order.createdAt)
            kinds.append("created")
            texts[0] = order.user
            texts[1] = order.clientOrderID
            texts[2] = order.side.rawValue
            texts[3] = order.type.rawValue
            texts[4] = order.timeInForce.rawValue
            decimals[0] = order.price?.mantissa
            decimals[1] = order.stopPrice?.mantissa
            decimals[2] = order.size.mantissa
        case .changed(_, let change, let time):
            times.append(time)
            switch change {
            case .fill(let quantity, let price):
                kinds.append("fill")
                decimals[3] = quantity.mantissa
                decimals[4] = price.mantissa
            case .cancel: kinds.append("cancel")
            case .reject(let reason):
                kinds.append("reject")
                texts[5] = reason
            case .expire: kinds.append("expire")
            case .amend(let price, let size):
                kinds.append("amend")
                decimals[0] = price?.mantissa
                decimals[2] = size?.mantissa
            }
        case .removed(_, let time):
            times.append(time)
            kinds.append("remove")
        }
        texts.endRow(placeholder: "")
        decimals.endRow(placeholder: 0)
    }

    var batch: TableColumns {
        var batch = TableColumns(symbols: symbols)
        batch["ts"] = .timestamps(times)
        batch["order_id"] = .integers(ids)
        batch["event"] = .texts(kinds)
        texts.set(in: &batch) { .texts($0) }
        decimals.set(in: &batch) { .decimals($0, scale: Price.scale) }
        return batch
    }
}

/// Optional columns of one kind being filled row by row: values, and where they are present.
struct OptionalColumns<Value> {
    let names: [String]
    private var values: [[Value]]
    private var present: [[Bool]]
    /// Per column, whether any row has a value.
    private var used: [Bool]
    /// The row being filled (nil: absent).
    private var row: [Value?]

    init(names: [String]) {
        self.names = names
        values = Array(repeating: [], count: names.count)
        present = Array(repeating: [], count: names.count)
        used = Array(repeating: false, count: names.count)
        row = Array(repeating: nil, count: names.count)
    }

    mutating func reserve(_ capacity: Int) {
        for c in names.indices {
            values[c].reserveCapacity(capacity)
            present[c].reserveCapacity(capacity)
        }
    }

    /// The value of column `c` in the row being filled.
    subscript(c: Int) -> Value? {
        get { row[c] }
        set { row[c] = newValue }
    }

    /// Ends the row being filled: its values, and `placeholder` where a column has none.
    mutating func endRow(placeholder: Value) {
        for c in names.indices {
            if let value = row[c] {
                values[c].append(value)
                present[c].append(true)
                used[c] = true
                row[c] = nil
            } else {
                values[c].append(placeholder)
                present[c].append(false)
            }
        }
    }

    /// Sets the columns some row has a value in (absent in every row: left out).
    func set(in batch: inout TableColumns, _ wrap: ([Value]) -> ColumnValues) {
        for c in names.indices where used[c] {
            batch.set(names[c], wrap(values[c]), present: present[c].allSatisfy { $0 } ? nil : present[c])
        }
    }
}
