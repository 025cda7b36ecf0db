public import StrataCore

extension DynamicTable {
    /// Hands `batch` — rows another node stored, received over a shared tier's channel (Redis
    /// pub/sub) — to this table's live subscribers as if committed here. Nothing is stored, no
    /// commit tap (replicator, audit trail) sees it, and bar subscribers are not told.
    ///
    /// ```swift
    /// store.table(named: "trades")?.relayLive(rowsFromNodeA)
    /// ```
    public func relayLive(_ batch: ColumnBatch) {
        live.relay(batch)
    }
}
