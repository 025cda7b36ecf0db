import StrataCore

/// One symbol's most recent rows in a ring, kept in time order (the memory tier's unit).
///
/// At most `capacity` rows: a row beyond it evicts the oldest by time (a late row older than
/// everything held is itself the one evicted). ``evictedThrough`` remembers the newest time ever
/// evicted, which is what decides whether a range can be answered fully: every row stored with a
/// later time is still here.
struct SymbolRing: Sendable {
    let capacity: Int
    let timestampLane: Int
    let textLanes: [Int]
    /// `lanes[c]`: column c's values, oldest first; text lanes hold indices into `texts`.
    private(set) var lanes: [[Int64]]
    /// Text values of the rows, one array per text lane, parallel to the lanes (`nil`: absent).
    private(set) var texts: [[String?]]
    /// The newest time of an evicted row (`nil` while nothing was evicted).
    private(set) var evictedThrough: Int64?

    init(capacity: Int, laneCount: Int, timestampLane: Int, textLanes: [Int]) {
        self.capacity = capacity
        self.timestampLane = timestampLane
        self.textLanes = textLanes
        lanes = Array(repeating: [], count: laneCount)
        texts = Array(repeating: [], count: textLanes.count)
    }

    var count: Int { lanes[timestampLane].count }
    var oldest: Int64? { lanes[timestampLane].first }
    var newest: Int64? { lanes[timestampLane].last }

    /// Adds row `row` of `batch` in time order, evicting the oldest row past capacity.
    mutating func insert(row: Int, of batch: ColumnBatch) {
        let time = batch.columns[timestampLane][row]
        if count == capacity, let oldest, time < oldest {
            evictedThrough = max(evictedThrough ?? .min, time)
            return
        }
        // Rows arrive in time order almost always: append; a late row is inserted in place
        // (after rows of the same time, keeping arrival order).
        let times = lanes[timestampLane]
        var at = times.count
        if let newest, time < newest {
            var low = 0
            var high = times.count
            while low < high {
                let mid = (low + high) / 2
                if times[mid] <= time { low = mid + 1 } else { high = mid }
            }
            at = low
        }
        for c in lanes.indices { lanes[c].insert(batch.columns[c][row], at: at) }
        for (t, lane) in textLanes.enumerated() {
            let reference = batch.columns[lane][row]
            texts[t].insert(reference >= 0 ? batch.texts.string(reference) : nil, at: at)
        }
        if count > capacity { evictOldest() }
    }

    /// Treats rows up to `time` as evicted (a ring started after its table's beginning).
    mutating func assumeEvicted(through time: Int64) {
        evictedThrough = max(evictedThrough ?? .min, time)
    }

    private mutating func evictOldest() {
        let excess = count - capacity
        evictedThrough = max(evictedThrough ?? .min, lanes[timestampLane][excess - 1])
        for c in lanes.indices { lanes[c].removeFirst(excess) }
        for t in texts.indices { texts[t].removeFirst(excess) }
    }

    /// Rows `indices` (in the order given) as a ``RowSet``.
    func rows(_ indices: some Collection<Int>) -> RowSet {
        var set = RowSet(columnCount: lanes.count)
        for c in lanes.indices { set.columns[c].reserveCapacity(indices.count) }
        for i in indices {
            for c in lanes.indices { set.columns[c].append(lanes[c][i]) }
        }
        for (t, lane) in textLanes.enumerated() {
            for (r, i) in indices.enumerated() {
                set.columns[lane][r] = texts[t][i].map { set.texts.append($0) } ?? -1
            }
        }
        return set
    }

    /// The index of the first row with time ≥ `time`.
    func firstIndex(atOrAfter time: Int64) -> Int {
        let times = lanes[timestampLane]
        var low = 0
        var high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid] < time { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
