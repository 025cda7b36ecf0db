/// One operation of a group given to `OrderStore.perform(_:)` (and ``OrderStateBackend/perform(_:)``).
public enum OrderOperation: Sendable, Hashable {
    case save(Order)
    case update(id: Int64, OrderChange, at: Timestamp)
    case remove(id: Int64, at: Timestamp)
}
