import StrataCore
/// The rows of one symbol in one in-memory partition: one `Int64` lane per schema column,
/// sorted by the timestamp column (ties keep arrival order).
struct SymbolSlice: Sendable {
    var columns: [Lane]

    /// What is known about the dedup keys stored in this slice.
    enum KeyIndex: Sendable {
        /// No rows yet.
        case empty
        /// Every key so far arrived larger than the one before, so any larger key is new.
        case ascending(last: Int64)
        /// The keys as a set (after an out-of-order key).
        case set(Set<Int64>)
    }

    var keys: KeyIndex = .empty

    init(columnCount: Int) { columns = Array(repeating: Lane(), count: columnCount) }

    var count: Int { columns[0].count }

    /// Read-only membership test (for sources that are not being written).
    func hasKey(_ key: Int64, keyColumn: Int) -> Bool {
        switch keys {
        case .empty: return false
        case .ascending(let last): return key <= last && columns[keyColumn].contains(key)
        case .set(let set): return set.contains(key)
        }
    }

    /// Drops the rows whose key is already stored here or earlier in `rows`, records the keys of
    /// the others, and returns them (arrival order kept). Call ``insert(_:rows:timestampColumn:)``
    /// with the result.
    mutating func admit(_ batch: ColumnBatch, rows: [Int], keyColumn: Int) -> [Int] {
        let keyLane = batch.columns[keyColumn]
        var accepted: [Int] = []
        accepted.reserveCapacity(rows.count)
        var index = keys
        keys = .empty  // hold the only reference while mutating
        for row in rows {
            let key = keyLane[row]
            switch index {
            case .empty:
                index = .ascending(last: key)
                accepted.append(row)
            case .ascending(let last):
                if key > last {
                    index = .ascending(last: key)
                    accepted.append(row)
                } else {
                    var set = Set(columns[keyColumn])
                    set.reserveCapacity(columns[keyColumn].count + rows.count)
                    for earlier in accepted { set.insert(keyLane[earlier]) }
                    if set.insert(key).inserted { accepted.append(row) }
                    index = .set(set)
                }
            case .set(var set):
                index = .empty
                if set.insert(key).inserted { accepted.append(row) }
                index = .set(set)
            }
        }
        keys = index
        return accepted
    }

    /// Replace mode: for each timestamp the last row of `rows` overwrites a stored row with that
    /// timestamp, or is inserted. Returns the rows inserted (not the overwrites), in time order.
    mutating func upsert(_ batch: ColumnBatch, rows: [Int], timestampColumn ts: Int) -> [Int] {
        var newest: [Int64: Int] = [:]
        for row in rows { newest[batch.columns[ts][row]] = row }
        var inserts: [Int] = []
        for (time, row) in newest.sorted(by: { $0.key < $1.key }) {
            let position = SymbolSlice.lowerBound(columns[ts], time)
            if position < count && columns[ts][position] == time {
                for c in 0..<columns.count { columns[c].set(position, batch.columns[c][row]) }
            } else {
                inserts.append(row)
            }
        }
        insert(batch, rows: inserts, timestampColumn: ts)
        return inserts
    }

    /// Inserts rows of `batch` (indices `rows`, in arrival order) keeping time order.
    mutating func insert(_ batch: ColumnBatch, rows: [Int], timestampColumn ts: Int, bulk: Bool = false) {
        guard !rows.isEmpty else { return }
        let columnCount = columns.count
        // Fast path: the rows arrive in time order after everything stored.
        var inOrder = true
        var previous = columns[ts].last ?? Int64.min
        for row in rows {
            let t = batch.columns[ts][row]
            if t < previous { inOrder = false; break }
            previous = t
        }
        if inOrder {
            rows.withUnsafeBufferPointer { picks in
                for c in 0..<columnCount {
                    batch.columns[c].withUnsafeBufferPointer { source in
                        columns[c].append(gathering: source, at: picks, bulk: bulk)
                    }
                }
            }
            return
        }
        // Late rows: sort the newcomers (stable), then merge them into the tail they overlap.
        let incoming = rows.enumerated().sorted { a, b in
            let ta = batch.columns[ts][a.element]
            let tb = batch.columns[ts][b.element]
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
        let firstNew = batch.columns[ts][incoming[0]]
        let start = SymbolSlice.upperBound(columns[ts], firstNew)  // after existing rows with equal time
        let storedCount = count
        let tailCount = storedCount - start
        var order: [(fromBatch: Bool, index: Int)] = []
        order.reserveCapacity(tailCount + incoming.count)
        var i = start
        var j = 0
        while i < storedCount || j < incoming.count {
            if j == incoming.count || (i < storedCount && columns[ts][i] <= batch.columns[ts][incoming[j]]) {
                order.append((false, i))
                i += 1
            } else {
                order.append((true, incoming[j]))
                j += 1
            }
        }
        for c in 0..<columnCount {
            var merged: [Int64] = []
            merged.reserveCapacity(order.count)
            for entry in order {
                merged.append(entry.fromBatch ? batch.columns[c][entry.index] : columns[c][entry.index])
            }
            columns[c].truncate(to: start)
            merged.withUnsafeBufferPointer { columns[c].append(contentsOf: $0) }
        }
    }

    /// First index whose value is `>= value` in a sorted lane.
    static func lowerBound(_ lane: Lane, _ value: Int64) -> Int {
        var low = 0
        var high = lane.count
        while low < high {
            let mid = (low + high) >> 1
            if lane[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose value is `> value` in a sorted lane.
    static func upperBound(_ lane: Lane, _ value: Int64) -> Int {
        var low = 0
        var high = lane.count
        while low < high {
            let mid = (low + high) >> 1
            if lane[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Rows with `from <= ts < to`, appended to `out`.
    func copyRows(from: Int64, to: Int64, limit: Int = .max, timestampColumn ts: Int, into out: inout RowSet) {
        let lo = SymbolSlice.lowerBound(columns[ts], from)
        let end = SymbolSlice.lowerBound(columns[ts], to)
        let hi = end - lo > limit ? lo + limit : end
        guard lo < hi else { return }
        for c in 0..<columns.count { columns[c].copy(lo..<hi, into: &out.columns[c]) }
    }

    /// The last `limit` rows with `ts < before`, oldest first, appended to `out`.
    func copyTail(limit: Int, before: Int64, timestampColumn ts: Int, into out: inout RowSet) {
        let hi = SymbolSlice.lowerBound(columns[ts], before)
        let lo = max(0, hi - limit)
        guard lo < hi else { return }
        for c in 0..<columns.count { columns[c].copy(lo..<hi, into: &out.columns[c]) }
    }
}
