/// An order and its lifecycle, as a value: what a matching engine or an order manager saves,
/// updates and looks up (issue 9's keyed state; the store keeps each change as an ``OrderEvent``).
///
/// ```
/// new ──fill──▶ partiallyFilled ──fill──▶ filled
///  │                 │
///  └──cancel / reject / expire──▶ cancelled / rejected / expired
/// ```
///
/// A filled, cancelled, rejected or expired order is final: any further event is an
/// ``OrderError`` naming the order, its status and the event. A fill must be positive and may not
/// take the filled size beyond the order's size. Prices and sizes are fixed-point; the average
/// fill price is exact (Σ price × quantity ÷ Σ quantity, rounded half to even).
public struct Order: Sendable, Hashable {
    public var id: Int64
    /// The client's own id for the order (may be empty).
    public var clientOrderID: String
    public var user: String
    public var symbol: Symbol
    public var side: OrderSide
    public var type: OrderType
    public var timeInForce: TimeInForce
    /// The limit price (limit and stop-limit orders).
    public var price: Price?
    /// The trigger price (stop and stop-limit orders).
    public var stopPrice: Price?
    public var size: Quantity
    public var filledSize = Quantity.zero
    /// Σ fill price × fill quantity (scale 16), for the exact average fill price.
    public var filledNotional = Notional.zero
    public var status = OrderStatus.new
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Int64, clientOrderID: String = "", user: String, symbol: Symbol, side: OrderSide, type: OrderType,
        timeInForce: TimeInForce = .goodTillCancelled, price: Price?, stopPrice: Price? = nil, size: Quantity,
        createdAt: Timestamp
    ) {
        self.id = id
        self.clientOrderID = clientOrderID
        self.user = user
        self.symbol = symbol
        self.side = side
        self.type = type
        self.timeInForce = timeInForce
        self.price = price
        self.stopPrice = stopPrice
        self.size = size
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Σ price × quantity ÷ Σ quantity of the fills, rounded half to even; nil before any fill.
    public var averageFillPrice: Price? { filledNotional.averagePrice(quantity: Int128(filledSize.mantissa)) }

    /// What is left to fill.
    public var remainingSize: Quantity { Quantity(mantissa: size.mantissa - filledSize.mantissa) }

    /// Checks what a new order must satisfy: a positive id and size, the prices its type needs
    /// (positive), none it cannot use.
    /// - Throws: ``OrderError`` `.invalid` naming the field.
    public func validate() throws(OrderError) {
        func invalid(_ field: String, _ problem: String) -> OrderError {
            OrderError(.invalid, order: id, status: status, "\(field): \(problem)")
        }
        guard id > 0 else { throw invalid("id", "must be positive, got \(id)") }
        guard size.mantissa > 0 else { throw invalid("size", "must be positive, got \(size)") }
        guard !user.isEmpty else { throw invalid("user", "must not be empty") }
        // Text no store can keep everywhere (PostgreSQL's text refuses a NUL): refused here, the
        // same on every backend.
        guard !user.utf8.contains(0) else { throw invalid("user", "must not contain a NUL character") }
        guard !clientOrderID.utf8.contains(0) else {
            throw invalid("client_order_id", "must not contain a NUL character")
        }
        if type.needsPrice {
            guard let price, price.mantissa > 0 else {
                throw invalid("price", "a \(type) order needs a positive price")
            }
        } else if price != nil {
            throw invalid("price", "a \(type) order has no limit price")
        }
        if type.needsStopPrice {
            guard let stopPrice, stopPrice.mantissa > 0 else {
                throw invalid("stop_price", "a \(type) order needs a positive stop price")
            }
        } else if stopPrice != nil {
            throw invalid("stop_price", "a \(type) order has no stop price")
        }
        guard filledSize.mantissa == 0, status == .new else {
            throw invalid("status", "a new order starts unfilled, got \(status) with \(filledSize) filled")
        }
    }

    /// The order after `change`.
    /// - Throws: ``OrderError``: `.illegalTransition` from a final status, `.overfill` for a fill
    ///   beyond the size, `.invalid` for a non-positive fill or a change to the wrong order.
    public func applying(_ change: OrderChange, at time: Timestamp) throws(OrderError) -> Order {
        guard !status.isFinal else {
            throw OrderError(.illegalTransition, order: id, status: status, "cannot \(change.verb) a \(status) order")
        }
        var next = self
        next.updatedAt = time
        switch change {
        case .fill(let quantity, let price):
            guard quantity.mantissa > 0, price.mantissa > 0 else {
                throw OrderError(
                    .invalid, order: id, status: status,
                    "a fill needs a positive quantity and price, got \(quantity) at \(price)")
            }
            let (filled, overflow) = filledSize.mantissa.addingReportingOverflow(quantity.mantissa)
            guard !overflow, filled <= size.mantissa else {
                throw OrderError(
                    .overfill, order: id, status: status,
                    "a fill of \(quantity) on \(filledSize) filled exceeds the size \(size)")
            }
            next.filledSize = Quantity(mantissa: filled)
            next.filledNotional = Notional(
                mantissa: filledNotional.mantissa + Notional(price: price, quantity: quantity).mantissa)
            next.status = filled == size.mantissa ? .filled : .partiallyFilled
        case .cancel: next.status = .cancelled
        case .reject(let reason):
            guard !reason.utf8.contains(0) else {
                throw OrderError(.invalid, order: id, status: status, "reason: must not contain a NUL character")
            }
            next.status = .rejected
        case .expire: next.status = .expired
        case .amend(let price, let size):
            if let size {
                guard size.mantissa > 0, size.mantissa >= filledSize.mantissa else {
                    throw OrderError(
                        .invalid, order: id, status: status,
                        "size \(size) must be positive and at least the filled \(filledSize)")
                }
                next.size = size
                if size.mantissa == filledSize.mantissa { next.status = .filled }
            }
            if let price {
                guard type.needsPrice, price.mantissa > 0 else {
                    throw OrderError(.invalid, order: id, status: status, "price: a \(type) order cannot take \(price)")
                }
                next.price = price
            }
        }
        return next
    }
}

public enum OrderSide: String, Sendable, Hashable, CaseIterable, Codable {
    case buy, sell
}

public enum OrderType: String, Sendable, Hashable, CaseIterable, Codable {
    case limit, market, stop
    case stopLimit = "stop_limit"

    var needsPrice: Bool { self == .limit || self == .stopLimit }
    var needsStopPrice: Bool { self == .stop || self == .stopLimit }
}

public enum TimeInForce: String, Sendable, Hashable, CaseIterable, Codable {
    case goodTillCancelled = "gtc"
    case immediateOrCancel = "ioc"
    case fillOrKill = "fok"
    case day
}

public enum OrderStatus: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case new
    case partiallyFilled = "partially_filled"
    case filled, cancelled, rejected, expired

    /// No event may follow.
    public var isFinal: Bool { self != .new && self != .partiallyFilled }
    /// Still working in the market.
    public var isOpen: Bool { !isFinal }
    public var description: String { rawValue }
}

/// A change to an order's state.
public enum OrderChange: Sendable, Hashable {
    case fill(quantity: Quantity, price: Price)
    case cancel
    case reject(reason: String)
    case expire
    /// A new limit price and/or size (the size no less than what is filled).
    case amend(price: Price?, size: Quantity?)

    /// The change's name: its event's and its API route's (`fill`, `cancel`, `reject`, `expire`,
    /// `amend`).
    public var verb: String {
        switch self {
        case .fill: "fill"
        case .cancel: "cancel"
        case .reject: "reject"
        case .expire: "expire"
        case .amend: "amend"
        }
    }
}

/// A refused order operation, naming the order, its status and what was refused.
public struct OrderError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case invalid, illegalTransition, overfill, unknownOrder, duplicateOrder
    }

    public var kind: Kind
    public var order: Int64
    /// The order's status when the operation was refused (nil for an unknown order).
    public var status: OrderStatus?
    public var message: String

    public init(_ kind: Kind, order: Int64, status: OrderStatus?, _ message: String) {
        self.kind = kind
        self.order = order
        self.status = status
        self.message = message
    }

    public var description: String {
        "order \(order)" + (status.map { " (\($0))" } ?? "") + ": \(kind.rawValue): \(message)"
    }
}
