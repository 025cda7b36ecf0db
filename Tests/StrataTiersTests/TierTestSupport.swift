import Strata
import StrataCore
import StrataTiers
import Synchronization

/// The test table: a time, a symbol, an id (keep-first key), a price (decimal, scale 2) and an
/// optional note (text).
enum TickTable {
    static let schema: RecordSchema = {
        do {
            return try RecordSchema(
                name: "ticks",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("price", .decimal(scale: 2)),
                    SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                ],
                timestamp: "ts", key: RecordKey("id"))
        } catch { fatalError("test schema: \(error)") }
    }()

    /// Lanes: ts, id, price, note.
    static let textLanes = [3]

    /// A batch of `count` rows of `symbol` from id `first`, one second apart from `base`.
    static func batch(symbol: String, first: Int64, count: Int, base: Int64, note: String? = "n") -> ColumnBatch {
        var batch = ColumnBatch(columnCount: 4)
        batch.symbols = [symbol]
        for i in 0..<Int64(count) {
            batch.symbolIndex.append(0)
            batch.columns[0].append(base + (first + i) * 1_000_000_000)
            batch.columns[1].append(first + i)
            batch.columns[2].append(10_000 + first + i)
            batch.columns[3].append(note.map { batch.texts.append("\($0)\(first + i)") } ?? -1)
        }
        return batch
    }

    static func row(symbol: String, id: Int64, base: Int64) -> Row {
        Row(
            symbol: Symbol(unchecked: symbol),
            [
                "ts": .timestamp(Timestamp(nanoseconds: base + id * 1_000_000)), "id": .integer(id),
                "price": FieldValue.decimal("\(100 + id).25")!, "note": .text("row \(id)"),
            ])
    }
}

/// A tier in front of a memory tier that fails every call while it is down (fault injection
/// for the replicator's breaker and cursor; the Redis tier's tests use a real server).
final class SwitchableTier: ReplicaTier {
    let inner: MemoryTier
    let down = Atomic<Bool>(false)
    let calls = Atomic<Int>(0)
    let positions = Mutex<[UInt64]>([])
    var name: String { "switchable" }

    init(inner: MemoryTier) { self.inner = inner }

    func apply(table: String, entries: [LogEntry]) async throws {
        calls.add(1, ordering: .relaxed)
        if down.load(ordering: .relaxed) { throw TierError(.unavailable, "down") }
        for entry in entries where inner.apply(table: table, position: entry.position, batch: entry.batch) {
            positions.withLock { $0.append(entry.position) }
        }
    }
}
