import Hummingbird
import Strata

/// Orders and their lifecycle (``StrataStore/orders``):
/// - `POST /api/v1/orders`: a new order (201 with the order).
/// - `GET /api/v1/orders`: orders by `user`, `symbol`, `side`, `status`; `open=true` a user's
///   working orders; `from`/`to` a user's orders created in `[from, to)`; by id, at most `limit`.
/// - `GET /api/v1/orders/{id}`; `DELETE /api/v1/orders/{id}` (its events stay).
/// - `POST /api/v1/orders/{id}/fill|cancel|reject|expire|amend`: a change, at `time` (default
///   now); the order after it.
/// - `GET /api/v1/orders/{id}/events`: every change, oldest first (`symbol` names a removed
///   order's symbol).
extension RecordRoutes {
    static let orderMembers: Set<String> = [
        "id", "client_order_id", "user", "symbol", "side", "type", "time_in_force", "price", "stop_price", "size",
        "created_at",
    ]

    func registerOrders(on router: Router<StrataRequestContext>) {
        router.post("/api/v1/orders") { request, context in
            await answer(context, status: .created) { () async throws -> JSON in
                let order = try Self.order(try await object(request, known: Self.orderMembers))
                return try store.orders.save(order).json
            }
        }
        router.get("/api/v1/orders") { request, context in
            await answer(context) { () async throws -> JSON in try orders(QueryParameters(request)) }
        }
        router.get("/api/v1/orders/{id}") { _, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                guard let order = try store.orders.order(id: id) else { throw Self.unknownOrder(id) }
                return order.json
            }
        }
        router.delete("/api/v1/orders/{id}") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                let time = try Self.time(QueryParameters(request), "time") ?? WallClock.now()
                try store.orders.remove(id: id, at: time)
                let removed: [(String, JSON)] = [("removed", .int(id))]
                return .object(removed + RecordFields.time("time", time))
            }
        }
        router.get("/api/v1/orders/{id}/events") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                let orders = try store.orders
                guard let symbol = try orders.order(id: id)?.symbol ?? Self.symbol(QueryParameters(request)) else {
                    throw Self.unknownOrder(id)
                }
                let events = try orders.events(of: id, symbol: symbol)
                guard !events.isEmpty else { throw Self.unknownOrder(id) }
                return .object([
                    ("order", .int(id)), ("symbol", .string(symbol.name)), ("count", .int(events.count)),
                    ("events", .array(events.map(\.json))),
                ])
            }
        }
        let changes: [(String, Set<String>, @Sendable (BodyObject) throws(BodyError) -> OrderChange)] = [
            (
                "fill", ["quantity", "price", "time"],
                { fields throws(BodyError) in
                    .fill(quantity: try fields.positiveDecimal("quantity"), price: try fields.positiveDecimal("price"))
                }
            ),
            ("cancel", ["time"], { _ in .cancel }),
            (
                "reject", ["reason", "time"],
                { fields throws(BodyError) in .reject(reason: try fields.string("reason") ?? "") }
            ),
            ("expire", ["time"], { _ in .expire }),
            (
                "amend", ["price", "size", "time"],
                { fields throws(BodyError) in
                    let price: Price? = try fields.decimal("price")
                    let size: Quantity? = try fields.decimal("size")
                    guard price != nil || size != nil else {
                        throw BodyError(field: "price", message: "price, size: an amend needs a new price or size")
                    }
                    return .amend(price: price, size: size)
                }
            ),
        ]
        for (verb, known, change) in changes {
            router.post("/api/v1/orders/{id}/\(verb)") { request, context in
                await answer(context) { () async throws -> JSON in
                    let id = try id(context)
                    let fields = try await object(request, known: known)
                    let time = try fields.timestamp("time") ?? WallClock.now()
                    return try store.orders.update(id: id, try change(fields), at: time).json
                }
            }
        }
    }

    /// The order a create request describes.
    /// The members are read in the order a client writes them, so the first bad one is named.
    static func order(_ fields: BodyObject) throws(BodyError) -> Order {
        let id = try fields.requiredInt64("id")
        let clientOrderID = try fields.string("client_order_id") ?? ""
        let user = try fields.requiredString("user")
        let symbol = try fields.requiredSymbol("symbol")
        guard let side: OrderSide = try fields.choice("side") else { throw fields.missing("side") }
        guard let type: OrderType = try fields.choice("type") else { throw fields.missing("type") }
        return Order(
            id: id, clientOrderID: clientOrderID, user: user, symbol: symbol, side: side, type: type,
            timeInForce: try fields.choice("time_in_force") ?? .goodTillCancelled, price: try fields.decimal("price"),
            stopPrice: try fields.decimal("stop_price"), size: try fields.requiredDecimal("size"),
            createdAt: try fields.timestamp("created_at") ?? WallClock.now())
    }

    /// `GET /api/v1/orders`: the most selective index first (a user's open orders, a user's, a
    /// symbol's), then the other filters; by id.
    private func orders(_ query: QueryParameters) throws -> JSON {
        let limit = try Self.limit(query)
        let user = query.optional("user")
        let symbol = try Self.symbol(query)
        let side = try Self.choice(query, "side", OrderSide.self)
        let status = try Self.choice(query, "status", OrderStatus.self)
        let open = try Self.flag(query, "open")
        let from = try Self.time(query, "from")
        let to = try Self.time(query, "to")
        let registry = try store.orders
        var found: [Order]
        if from != nil || to != nil {
            guard let user else {
                throw ParameterError(parameter: "user", message: "user: from and to list one user's orders")
            }
            guard let from else { throw ParameterError(parameter: "from", message: "from: required with to") }
            guard let to else { throw ParameterError(parameter: "to", message: "to: required with from") }
            guard from <= to else { throw ParameterError(parameter: "to", message: "to: must not be before from") }
            found = try registry.orders(user: user, from: from, to: to)
            if open { found = found.filter { $0.status.isOpen } }
        } else if open {
            guard let user else {
                throw ParameterError(parameter: "user", message: "user: open=true lists one user's open orders")
            }
            found = try registry.openOrders(user: user)
        } else if let user {
            found = try registry.orders(user: user)
        } else if let symbol {
            found = try registry.orders(symbol: symbol)
        } else if let status {
            found = try registry.orders(status: status)
        } else {
            found = try registry.all
        }
        found = found.filter { order in
            (symbol == nil || order.symbol == symbol) && (side == nil || order.side == side)
                && (status == nil || order.status == status)
        }
        return Self.list("orders", found.map(\.json), limit: limit)
    }

    /// An optional query parameter that is one of `Value`'s raw values.
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ query: QueryParameters, _ name: String, _ type: Value.Type
    ) throws(ParameterError) -> Value? where Value.RawValue == String {
        guard let text = query.optional(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ParameterError(parameter: name, message: "\(name): expected one of \(names), got '\(text)'")
        }
        return value
    }

    static func unknownOrder(_ id: Int64) -> OrderError {
        OrderError(.unknownOrder, order: id, status: nil, "no such order")
    }
}

extension Order {
    /// The order as the API answers it: decimals as strings, `remaining_size` and the exact
    /// `average_fill_price` (null before a fill), times as `*_ns` and ISO-8601.
    var json: JSON {
        var members: [(String, JSON)] = [
            ("id", .int(id)), ("client_order_id", .string(clientOrderID)), ("user", .string(user)),
            ("symbol", .string(symbol.name)), ("side", .string(side.rawValue)), ("type", .string(type.rawValue)),
            ("time_in_force", .string(timeInForce.rawValue)), ("price", RecordFields.decimal(price)),
            ("stop_price", RecordFields.decimal(stopPrice)), ("size", RecordFields.decimal(size)),
            ("filled_size", RecordFields.decimal(filledSize)), ("remaining_size", RecordFields.decimal(remainingSize)),
            ("average_fill_price", RecordFields.decimal(averageFillPrice)), ("status", .string(status.rawValue)),
        ]
        members += RecordFields.time("created_at", createdAt)
        members += RecordFields.time("updated_at", updatedAt)
        return .object(members)
    }
}

extension OrderEvent {
    /// One change as logged: `event` (`created`, `fill`, `cancel`, `reject`, `expire`, `amend`,
    /// `remove`), its time, and what it carries (the order created; a fill's quantity and price; a
    /// rejection's reason; an amendment's price and size, null when unchanged).
    var json: JSON {
        var members: [(String, JSON)]
        switch self {
        case .created(let order):
            members = [("event", .string("created"))]
            members += RecordFields.time("time", order.createdAt)
            members.append(("order", order.json))
        case .changed(_, let change, let time):
            members = [("event", .string(change.verb))]
            members += RecordFields.time("time", time)
            switch change {
            case .fill(let quantity, let price):
                members.append(("quantity", RecordFields.decimal(quantity)))
                members.append(("price", RecordFields.decimal(price)))
            case .cancel, .expire: break
            case .reject(let reason): members.append(("reason", .string(reason)))
            case .amend(let price, let size):
                members.append(("price", RecordFields.decimal(price)))
                members.append(("size", RecordFields.decimal(size)))
            }
        case .removed(_, let time):
            members = [("event", .string("remove"))]
            members += RecordFields.time("time", time)
        }
        return .object(members)
    }
}
