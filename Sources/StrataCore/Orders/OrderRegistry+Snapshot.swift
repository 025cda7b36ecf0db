extension OrderRegistry: SnapshotState {
    /// Version 1: the order count, then each order (by id) field by field.
    public static var snapshotVersion: UInt32 { 1 }

    public func writeSnapshot(into writer: inout SnapshotWriter) {
        writer.writeCount(orders.count)
        for id in orders.keys.sorted() {
            let order = orders[id]!
            writer.write(order.id)
            writer.write(order.clientOrderID)
            writer.write(order.user)
            writer.write(order.symbol.name)
            writer.write(order.side.rawValue)
            writer.write(order.type.rawValue)
            writer.write(order.timeInForce.rawValue)
            writer.write(order.price) { $0.write($1) }
            writer.write(order.stopPrice) { $0.write($1) }
            writer.write(order.size)
            writer.write(order.filledSize)
            writer.write(order.filledNotional.mantissa)
            writer.write(order.status.rawValue)
            writer.write(order.createdAt)
            writer.write(order.updatedAt)
        }
    }

    public mutating func readSnapshot(from reader: inout SnapshotReader) throws(SnapshotError) {
        let count = try reader.readCount()
        var orders: [Order] = []
        orders.reserveCapacity(count)
        for _ in 0..<count {
            let id = try reader.readInt64()
            let clientOrderID = try reader.readString()
            let user = try reader.readString()
            let symbol = try reader.readSymbol()
            let side = try reader.readCase(OrderSide.self)
            let type = try reader.readCase(OrderType.self)
            let timeInForce = try reader.readCase(TimeInForce.self)
            let price = try reader.readOptional { reader throws(SnapshotError) in try reader.readDecimal(Price.self) }
            let stopPrice = try reader.readOptional { reader throws(SnapshotError) in
                try reader.readDecimal(Price.self)
            }
            var order = Order(
                id: id, clientOrderID: clientOrderID, user: user, symbol: symbol, side: side, type: type,
                timeInForce: timeInForce, price: price, stopPrice: stopPrice,
                size: try reader.readDecimal(Quantity.self),
                createdAt: .min)
            order.filledSize = try reader.readDecimal(Quantity.self)
            order.filledNotional = Notional(mantissa: try reader.readInt128())
            order.status = try reader.readCase(OrderStatus.self)
            order.createdAt = try reader.readTimestamp()
            order.updatedAt = try reader.readTimestamp()
            orders.append(order)
        }
        guard Set(orders.map(\.id)).count == orders.count else { throw reader.error("an order id appears twice") }
        self = OrderRegistry(restoring: orders)
    }
}
