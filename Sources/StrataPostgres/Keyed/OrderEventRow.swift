import PostgresNIO
import StrataCore

/// An ``OrderEvent`` as a row of `strata_order_events`: the columns of the engine's
/// `order_events` (`RecordSchema.orderEvents`), filled the same way per kind of event.
struct OrderEventRow {
    var orderID: Int64
    var symbol: Symbol
    var time: Timestamp
    var kind: String
    var user: String?
    var clientOrderID: String?
    var side: String?
    var type: String?
    var timeInForce: String?
    var price: Int64?
    var stopPrice: Int64?
    var size: Int64?
    var fillQuantity: Int64?
    var fillPrice: Int64?
    var reason: String?

    /// The row of `event` about an order of `symbol` (`user`: a removal's, kept as the engine does).
    init(_ event: OrderEvent, symbol: Symbol, user: String?) {
        orderID = event.orderID
        self.symbol = symbol
        self.user = user
        switch event {
        case .created(let order):
            time = order.createdAt
            kind = "created"
            self.user = order.user
            clientOrderID = order.clientOrderID
            side = order.side.rawValue
            type = order.type.rawValue
            timeInForce = order.timeInForce.rawValue
            size = order.size.mantissa
            price = order.price?.mantissa
            stopPrice = order.stopPrice?.mantissa
        case .changed(_, let change, let at):
            time = at
            kind = change.verb
            switch change {
            case .fill(let quantity, let price):
                fillQuantity = quantity.mantissa
                fillPrice = price.mantissa
            case .reject(let reason): self.reason = reason
            case .amend(let price, let size):
                self.price = price?.mantissa
                self.size = size?.mantissa
            case .cancel, .expire: break
            }
        case .removed(_, let at):
            time = at
            kind = "remove"
        }
    }

    /// In the column order of the insert in ``OrderWork/write(_:orders:events:logger:)``.
    var binds: PostgresBindings {
        var binds = PostgresBindings()
        binds.append(orderID)
        binds.append(symbol.name)
        binds.append(time.nanoseconds)
        binds.append(kind)
        binds.append(user)
        binds.append(clientOrderID)
        binds.append(side)
        binds.append(type)
        binds.append(timeInForce)
        for decimal in [price, stopPrice, size, fillQuantity, fillPrice] {
            binds.append(decimal.map { KeyedDecimal.text($0, scale: Price.scale) })
        }
        binds.append(reason)
        return binds
    }

    /// The event a row of `strata_order_events` holds.
    /// - Throws: `StrataError` `.corruptFile` for a row that is not one.
    static func event(from row: PostgresRow) throws -> OrderEvent {
        let cells = PostgresRandomAccessRow(row)
        let id: Int64 = try cells.value("order_id")
        let time = Timestamp(nanoseconds: try cells.value("ts"))
        let kind: String = try cells.value("event")
        func text(_ name: String) throws -> String? { try cells.value(name, as: String?.self) }
        func decimal(_ name: String) throws -> Int64? {
            try text(name).map { try KeyedDecimal.mantissa($0, scale: Price.scale) }
        }
        func bad() -> StrataError {
            StrataError(.corruptFile, "strata_order_events: a '\(kind)' event of order \(id) is incomplete")
        }
        switch kind {
        case "created":
            guard let user = try text("user_name"), let side = try text("side").flatMap(OrderSide.init(rawValue:)),
                let type = try text("type").flatMap(OrderType.init(rawValue:)),
                let timeInForce = try text("time_in_force").flatMap(TimeInForce.init(rawValue:)),
                let size = try decimal("size")
            else { throw bad() }
            return .created(
                Order(
                    id: id, clientOrderID: try text("client_order_id") ?? "", user: user,
                    symbol: Symbol(unchecked: try cells.value("symbol")), side: side, type: type,
                    timeInForce: timeInForce, price: try decimal("price").map(Price.init(mantissa:)),
                    stopPrice: try decimal("stop_price").map(Price.init(mantissa:)), size: Quantity(mantissa: size),
                    createdAt: time))
        case "fill":
            guard let quantity = try decimal("fill_quantity"), let price = try decimal("fill_price") else {
                throw bad()
            }
            return .changed(
                id: id, change: .fill(quantity: Quantity(mantissa: quantity), price: Price(mantissa: price)), at: time)
        case "cancel": return .changed(id: id, change: .cancel, at: time)
        case "reject": return .changed(id: id, change: .reject(reason: try text("reason") ?? ""), at: time)
        case "expire": return .changed(id: id, change: .expire, at: time)
        case "amend":
            return .changed(
                id: id,
                change: .amend(
                    price: try decimal("price").map(Price.init(mantissa:)),
                    size: try decimal("size").map(Quantity.init(mantissa:))), at: time)
        case "remove": return .removed(id: id, at: time)
        default: throw bad()
        }
    }
}
