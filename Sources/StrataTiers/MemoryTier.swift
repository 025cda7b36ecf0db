public import StrataCore
import Synchronization

/// The memory tier: per table and symbol, a ring of the most recent rows (``SymbolRing``), the
/// first layer of every composite and, alone, the in-memory development mode.
///
/// It answers latest-N and ranges **only when it can answer fully**, and says so with `nil`
/// otherwise (the composite then asks the next tier):
/// - `latest(limit:)` when it holds at least `limit` rows of the symbol, or it has seen every
///   row of the table (``Table/complete``) and evicted none of the symbol's;
/// - `range(from:to:)` when every row of the symbol with a time ≥ `from` is held: `from` is
///   after the newest time ever evicted from its ring (for a table the tier did not see from its
///   beginning, the first row it saw counts as evicted: older rows may exist in other tiers).
///
/// Fed by the replicator (``apply(table:position:batch:)``), idempotently: a position at or
/// below the table's last applied one is ignored.
///
/// Alone (no data directory) nothing is durable: ``health`` says so plainly.
public final class MemoryTier: Sendable {
    /// One table's configuration.
    public struct Table: Sendable {
        public var schema: RecordSchema
        /// Rows kept per symbol.
        public var capacity: Int
        /// Whether the tier sees every row of the table from its beginning (a development store
        /// with only this tier, or a tier filled before its first write): then a symbol whose
        /// ring never evicted is answered fully whatever the request.
        public var complete: Bool

        public init(schema: RecordSchema, capacity: Int, complete: Bool = false) {
            self.schema = schema
            self.capacity = capacity
            self.complete = complete
        }
    }

    private struct TableState: Sendable {
        var configuration: Table
        var timestampLane: Int
        var textLanes: [Int]
        var laneCount: Int
        var rings: [String: SymbolRing] = [:]
        var appliedPosition: UInt64 = 0
        var rows = 0
    }

    private struct State: Sendable {
        var tables: [String: TableState] = [:]
        var hits = 0
        var misses = 0
    }

    private let state: Mutex<State>
    /// Whether this tier is the only one (the development mode): nothing is durable.
    public let standalone: Bool

    /// - Throws: ``TierError`` `.invalidConfiguration` for a capacity below 1 or a schema
    ///   without a timestamp column among its storage columns.
    public init(tables: [Table], standalone: Bool = false) throws(TierError) {
        var state = State()
        for table in tables {
            guard table.capacity >= 1 else {
                throw TierError(
                    .invalidConfiguration,
                    "memory tier: capacity of table \(table.schema.name) is \(table.capacity), must be at least 1")
            }
            let columns = table.schema.storageColumns
            guard let timestampLane = columns.firstIndex(where: { $0.name == table.schema.timestamp }) else {
                throw TierError(.invalidConfiguration, "memory tier: table \(table.schema.name) has no timestamp lane")
            }
            let textLanes = columns.indices.filter { columns[$0].kind == .text }
            state.tables[table.schema.name] = TableState(
                configuration: table, timestampLane: timestampLane, textLanes: textLanes, laneCount: columns.count)
        }
        self.state = Mutex(state)
        self.standalone = standalone
    }

    /// Stores `batch`, the log's entry `position` for `table` (ignored when already applied).
    /// - Returns: whether it was applied (false: a repeat, or a table the tier does not hold).
    @discardableResult
    public func apply(table: String, position: UInt64, batch: ColumnBatch) -> Bool {
        state.withLock { state in
            guard var table = state.tables[table] else { return false }
            guard position > table.appliedPosition else { return false }
            let name = table.configuration.schema.name
            state.tables[name] = nil  // unique ownership while mutating the rings
            for row in 0..<batch.count {
                let symbol = batch.symbols[Int(batch.symbolIndex[row])]
                var ring =
                    table.rings.removeValue(forKey: symbol)
                    ?? SymbolRing(
                        capacity: table.configuration.capacity, laneCount: table.laneCount,
                        timestampLane: table.timestampLane, textLanes: table.textLanes)
                if !table.configuration.complete && ring.count == 0 && ring.evictedThrough == nil {
                    ring.assumeEvicted(through: batch.columns[table.timestampLane][row])
                }
                ring.insert(row: row, of: batch)
                table.rings[symbol] = ring
            }
            table.appliedPosition = position
            table.rows += batch.count
            state.tables[name] = table
            return true
        }
    }

    /// The newest `limit` rows of `symbol`, newest first, or `nil` when the tier cannot answer
    /// fully.
    public func latest(table: String, symbol: String, limit: Int) -> RowSet? {
        state.withLock { state in
            guard let held = state.tables[table] else { return nil }
            let ring = held.rings[symbol]
            let count = ring?.count ?? 0
            let whole = held.configuration.complete && ring?.evictedThrough == nil
            guard count >= limit || whole else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            guard let ring else { return RowSet(columnCount: held.laneCount) }
            let take = min(limit, count)
            return ring.rows((count - take..<count).reversed())
        }
    }

    /// Rows of `symbol` with `from <= time < to`, oldest first, at most `limit`, or `nil` when
    /// the tier cannot answer fully.
    public func range(table: String, symbol: String, from: Int64, to: Int64, limit: Int) -> RowSet? {
        state.withLock { state in
            guard let held = state.tables[table] else { return nil }
            guard let ring = held.rings[symbol] else {
                guard held.configuration.complete else {
                    state.misses += 1
                    return nil
                }
                state.hits += 1
                return RowSet(columnCount: held.laneCount)
            }
            // Every row with a time after the newest evicted one is held (evictions take the
            // oldest); a ring of a table the tier did not see from its beginning counts its
            // first row's time as evicted (older rows may exist elsewhere).
            guard ring.evictedThrough.map({ $0 < from }) ?? held.configuration.complete else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            let start = ring.firstIndex(atOrAfter: from)
            let end = max(start, ring.firstIndex(atOrAfter: to))
            return ring.rows(start..<min(end, start + max(0, limit)))
        }
    }

    /// Every row the tier holds of `symbol`, oldest first (for verification); nil for a table it
    /// does not hold.
    public func heldRows(table: String, symbol: String) -> RowSet? {
        state.withLock { state in
            guard let held = state.tables[table] else { return nil }
            guard let ring = held.rings[symbol] else { return RowSet(columnCount: held.laneCount) }
            return ring.rows(0..<ring.count)
        }
    }

    /// The symbols the tier holds rows of in `table`, sorted.
    public func heldSymbols(table: String) -> [String] {
        state.withLock { $0.tables[table]?.rings.filter { $0.value.count > 0 }.keys.sorted() ?? [] }
    }

    /// What the tier holds for health and metrics.
    public var health: MemoryTierHealth {
        state.withLock { state in
            var tables: [MemoryTierHealth.TableHealth] = []
            for (name, table) in state.tables.sorted(by: { $0.key < $1.key }) {
                let held = table.rings.values.reduce(0) { $0 + $1.count }
                tables.append(
                    .init(
                        table: name, symbols: table.rings.count, rowsHeld: held,
                        capacityPerSymbol: table.configuration.capacity,
                        appliedPosition: table.appliedPosition))
            }
            return MemoryTierHealth(
                durable: !standalone,
                note: standalone ? "memory only: nothing is durable, every row is lost when the process ends" : nil,
                hits: state.hits, misses: state.misses, tables: tables)
        }
    }
}

/// The memory tier's state for health and metrics.
public struct MemoryTierHealth: Sendable, Hashable, Codable {
    public struct TableHealth: Sendable, Hashable, Codable {
        public var table: String
        public var symbols: Int
        public var rowsHeld: Int
        public var capacityPerSymbol: Int
        public var appliedPosition: UInt64
    }

    /// False in the memory-only development mode.
    public var durable: Bool
    public var note: String?
    public var hits: Int
    public var misses: Int
    public var tables: [TableHealth]
}

extension MemoryTier: ReplicaTier {
    /// `memory`.
    public var name: String { "memory" }

    /// Stores each entry (positions already applied are ignored).
    public func apply(table: String, entries: [LogEntry]) async throws {
        for entry in entries { apply(table: table, position: entry.position, batch: entry.batch) }
    }
}
