public import StrataCore
import Synchronization

extension EngineTable {
    /// Runs `body` under the table lock with the registered listener (which it may replace or
    /// clear) and whether the table is closed. Registration is atomic with respect to appends: a
    /// listener installed here sees exactly the commits after it.
    public func updateListener<Result, Failure: Error>(
        _ body: (inout (any StoredRowsListener)?, _ closed: Bool) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try state.withLock { (state) throws(Failure) -> Result in try body(&state.listener, state.closed) }
    }
}

extension EngineTable: BackendTable {
    public var name: String { schema.name }
    public var timestampLane: Int { schema.timestampIndex }
}
