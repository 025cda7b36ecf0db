public import StrataCore

extension EngineTable {
    /// The backend seam's aggregate vocabulary (``ColumnAggregate``), by the engine's names.
    public typealias AggregateFunction = ColumnAggregate.Function
    public typealias AggregateRequest = ColumnAggregate.Request
    public typealias AggregateValue = ColumnAggregate.Value
    public typealias AggregateRow = ColumnAggregate.Row
}
