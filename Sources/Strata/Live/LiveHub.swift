import StrataEngine
import Synchronization

/// The live feed of one table: its subscribers, and the engine listener that hands each commit
/// to them.
///
/// The hub is registered as the table's ``StoredRowsListener`` only while it has subscribers
/// (registration and removal happen under the table lock, atomically with appends), so a table
/// nobody subscribes to pays one `nil` check per append. With subscribers, a commit costs per
/// subscriber a symbol filter (none without one) and one enqueue: rows stay columnar, shared
/// with the batch, and are decoded by the consumer.
final class LiveHub: StoredRowsListener {
    let table: any BackendTable
    /// The trades' bars, for bar subscribers (nil for other tables or aggregates off).
    let bars: (any ContinuousBarSource)?
    private let subscribers = Mutex<[LiveSubscriber]>([])
    /// Told about every commit whatever the subscribers (the store's audit trail, the quality
    /// monitor), by name, with the table lock held; the hub stays registered while one is set.
    private let taps = Mutex<[(name: String, body: @Sendable (StoredCommit) -> Void)]>([])

    init(table: any BackendTable, bars: (any ContinuousBarSource)?) {
        self.table = table
        self.bars = bars
    }

    /// Subscribers registered now.
    var count: Int { subscribers.withLock { $0.count } }

    /// Registers `subscriber`: it receives every commit after this call.
    /// - Throws: ``StrataError`` `.closed` if the table is closed.
    func add(_ subscriber: LiveSubscriber) throws(StrataError) {
        try table.updateListener { (listener, closed) throws(StrataError) in
            guard !closed else {
                throw StrataError(.closed, "table \(table.name) is closed")
            }
            subscribers.withLock { $0.append(subscriber) }
            listener = self
        }
    }

    /// Forgets `subscriber`; unregisters the hub when it was the last one (and no tap is set).
    func remove(_ subscriber: LiveSubscriber) {
        table.updateListener { listener, _ in
            let empty = subscribers.withLock { subscribers in
                subscribers.removeAll { $0 === subscriber }
                return subscribers.isEmpty
            }
            if empty, taps.withLock({ $0.isEmpty }), let current = listener, current === self { listener = nil }
        }
    }

    /// Sets (or with `nil` removes) the tap called `name`, told about every commit after this
    /// call, in commit order, before the append returns.
    /// - Throws: ``StrataError`` `.closed` if the table is closed.
    func setTap(named name: String, _ body: (@Sendable (StoredCommit) -> Void)?) throws(StrataError) {
        try table.updateListener { (listener, closed) throws(StrataError) in
            guard !closed else { throw StrataError(.closed, "table \(table.name) is closed") }
            let empty = taps.withLock { taps in
                taps.removeAll { $0.name == name }
                if let body { taps.append((name, body)) }
                return taps.isEmpty
            }
            if !empty {
                listener = self
            } else if subscribers.withLock({ $0.isEmpty }), let current = listener, current === self {
                listener = nil
            }
        }
    }

    // MARK: - StoredRowsListener (table lock held)

    func stored(_ commit: StoredCommit) -> Bool {
        let tapped = taps.withLock { $0 }
        for tap in tapped { tap.body(commit) }
        let current = subscribers.withLock { $0 }
        var barUpdates: [LiveBar]?
        var ended: [LiveSubscriber] = []
        for subscriber in current {
            let alive: Bool
            switch subscriber.kind {
            case .rows:
                if let (entry, count) = Self.selectRows(commit, symbols: subscriber.symbols) {
                    alive = subscriber.enqueue(entry, count: count)
                } else {
                    alive = subscriber.termination == nil
                }
            case .bars:
                let updates = barUpdates ?? touchedBars(commit)
                barUpdates = updates
                let selected =
                    subscriber.symbols.map { wanted in updates.filter { wanted.contains($0.symbol) } } ?? updates
                alive =
                    selected.isEmpty
                    ? subscriber.termination == nil : subscriber.enqueue(.bars(selected), count: selected.count)
            }
            if !alive { ended.append(subscriber) }
        }
        guard !ended.isEmpty else { return true }
        return subscribers.withLock { subscribers in
            subscribers.removeAll { subscriber in ended.contains { $0 === subscriber } }
            return !subscribers.isEmpty || !tapped.isEmpty
        }
    }

    /// Hands rows another node stored to the row subscribers (not to the taps, not to bar
    /// subscribers: nothing is stored here), after the commits delivered so far.
    func relay(_ batch: ColumnBatch) {
        var commit = StoredCommit(batch: batch, symbolIDs: (0..<batch.symbols.count).map { UInt32($0) })
        commit.stored = batch.count
        let current = subscribers.withLock { $0 }
        var ended: [LiveSubscriber] = []
        for subscriber in current {
            guard case .rows = subscriber.kind,
                let (entry, count) = Self.selectRows(commit, symbols: subscriber.symbols)
            else { continue }
            if !subscriber.enqueue(entry, count: count) { ended.append(subscriber) }
        }
        for subscriber in ended { remove(subscriber) }
    }

    func tableClosed() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers = [] }
            return subscribers
        }
        for subscriber in all { subscriber.end(.storeClosed) }
    }

    // MARK: - What each subscriber gets

    /// The stored rows of `commit` whose symbol is in `symbols` (all when nil), or nil if none.
    /// Small selections are copied out of the batch, so a filtered subscriber never keeps a big
    /// batch alive for a few rows.
    static func selectRows(_ commit: StoredCommit, symbols: Set<String>?) -> (LiveEntry, Int)? {
        let batch = commit.batch
        let wanted = symbols.map { wanted in batch.symbols.map { wanted.contains($0) } }
        if let wanted, !wanted.contains(true) { return nil }
        let everySymbol = wanted?.allSatisfy { $0 } ?? true
        if everySymbol && commit.skipped.isEmpty { return (.rows(batch, nil), batch.count) }
        var rows: [Int] = []
        rows.reserveCapacity(commit.stored)
        var nextSkipped = 0
        let skipped = commit.skipped
        for row in 0..<batch.count {
            if nextSkipped < skipped.count && skipped[nextSkipped] == row {
                nextSkipped += 1
                continue
            }
            if everySymbol || wanted![Int(batch.symbolIndex[row])] { rows.append(row) }
        }
        if rows.isEmpty { return nil }
        if rows.count * 2 < batch.count { return (.rows(batch.selecting(rows), nil), rows.count) }
        return (.rows(batch, rows), rows.count)
    }

    /// The 1-minute bars of every (symbol, minute) the commit stored trades in, as they are right
    /// after it, ordered by symbol then minute.
    func touchedBars(_ commit: StoredCommit) -> [LiveBar] {
        guard let bars else { return [] }
        struct Key: Hashable {
            var symbol: Int
            var start: Int64
        }
        let batch = commit.batch
        let times = batch.columns[table.timestampLane]
        var seen = Set<Key>()
        var keys: [Key] = []
        var lastStart = [Int64](repeating: .min, count: batch.symbols.count)
        var nextSkipped = 0
        for row in 0..<batch.count {
            if nextSkipped < commit.skipped.count && commit.skipped[nextSkipped] == row {
                nextSkipped += 1
                continue
            }
            let symbol = Int(batch.symbolIndex[row])
            let start = BarState.floorDiv(times[row], Self.minute) &* Self.minute
            if lastStart[symbol] == start { continue }
            lastStart[symbol] = start
            if seen.insert(Key(symbol: symbol, start: start)).inserted {
                keys.append(Key(symbol: symbol, start: start))
            }
        }
        keys.sort { a, b in
            a.symbol == b.symbol ? a.start < b.start : batch.symbols[a.symbol] < batch.symbols[b.symbol]
        }
        guard bars.keepsMinutesInMemory else {
            // Nothing in memory: each touched minute is read back when the update is read.
            return keys.map {
                LiveBar(symbol: batch.symbols[$0.symbol], state: BarState(start: $0.start), complete: false)
            }
        }
        let partitions = keys.map { bars.partition(of: $0.start) }
        let states = bars.minuteBars(
            keys.indices.map { (partitions[$0], commit.symbolIDs[keys[$0].symbol], keys[$0].start) })
        var updates: [LiveBar] = []
        updates.reserveCapacity(keys.count)
        for index in keys.indices {
            guard let state = states[index] else { continue }
            updates.append(
                LiveBar(
                    symbol: batch.symbols[keys[index].symbol], state: state,
                    complete: !commit.sealedPartitions.contains(partitions[index])))
        }
        return updates
    }

    static let minute: Int64 = 60_000_000_000
}

extension ColumnBatch {
    /// A batch of just `rows` (indices into this one), in that order.
    func selecting(_ rows: [Int]) -> ColumnBatch {
        var selection = ColumnBatch(
            symbols: symbols, symbolIndex: rows.map { symbolIndex[$0] },
            columns: columns.map { column in rows.map { column[$0] } })
        selection.texts = texts  // shared: the references stay valid
        return selection
    }
}
