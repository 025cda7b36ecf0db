public import StrataCore
import StrataEngine

/// A table's hot storage as the cold tier's janitor sees it: its sealed partitions, their rows,
/// and a drop that happens only if the partition is still what was copied.
///
/// Only the embedded engine partitions its tables; on another backend ``partitions()`` is empty
/// and nothing moves (reads still merge what a lake already holds).
public final class HotPartitions: Sendable {
    /// A sealed partition of the hot table.
    public struct Partition: Sendable, Hashable {
        /// The partition's number (its start over the partition width).
        public var index: Int64
        /// Its time span, `[start, end)` in nanoseconds.
        public var start: Int64
        public var end: Int64
        /// Rows in its sealed file.
        public var rows: Int
        /// Late rows in memory, not merged yet (such a partition is moved after compaction).
        public var lateRows: Int
        /// Changes whenever the partition's rows may have.
        public var version: String
        /// The table's commit sequence when this was listed (see ``HotPartitions/droppedSequence(index:)``).
        public var tableSequence: UInt64
        /// Symbols with rows in it, sorted.
        public var symbols: [String]
    }

    /// What ``drop(_:)`` did.
    public enum DropOutcome: Sendable, Equatable {
        case dropped(rows: Int)
        /// No sealed partition there any more.
        case absent
        /// The partition changed since it was listed (late rows, a new file): kept.
        case changed
    }

    public let schema: RecordSchema
    let table: any BackendTable

    init(schema: RecordSchema, table: any BackendTable) {
        self.schema = schema
        self.table = table
    }

    private var engine: EngineTable? { table as? EngineTable }

    /// Every sealed partition, oldest first.
    public func partitions() -> [Partition] {
        (engine?.movablePartitions() ?? []).map {
            Partition(
                index: $0.index, start: $0.start, end: $0.end, rows: $0.rows, lateRows: $0.lateRows,
                version: $0.version, tableSequence: $0.tableSequence, symbols: $0.symbols)
        }
    }

    /// The newest row's time in the hot table.
    public var newestTimestamp: Timestamp? { table.newestTimestamp }

    /// The hot table's rows of `symbol` with `from <= time < to`, oldest first (never the cold
    /// tier's).
    /// - Throws: ``StrataError`` from reading.
    public func rows(symbol: String, from: Int64, to: Int64) throws -> RowSet {
        try table.range(symbol: symbol, from: from, to: to, limit: .max)
    }

    /// Drops `partition` from the hot table if it is still exactly as listed.
    /// - Throws: ``StrataError`` `.io` if the drop cannot be recorded (nothing dropped), `.closed`.
    public func drop(_ partition: Partition) throws -> DropOutcome {
        guard let engine else { return .absent }
        let outcome = try engine.dropPartition(
            EngineTable.MovablePartition(
                index: partition.index, start: partition.start, end: partition.end, rows: partition.rows,
                lateRows: partition.lateRows, version: partition.version, tableSequence: partition.tableSequence,
                symbols: partition.symbols))
        switch outcome {
        case .dropped(let rows): return .dropped(rows: rows)
        case .absent: return .absent
        case .changed: return .changed
        }
    }

    /// The commit sequence recorded when partition `index` was last dropped (nil: never). A drop
    /// made after a listing records at least the listing's ``Partition/tableSequence``; an older
    /// one, less — which tells a resumed move whether its drop happened before a crash.
    public func droppedSequence(index: Int64) -> UInt64? { engine?.droppedSequence(partition: index) }
}
