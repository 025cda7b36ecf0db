/// The replicator's bookkeeping as a pure value: the log's committed entries still retained, and
/// per tier a cursor — like a replication slot. No I/O: the replicator persists what the
/// returned actions say and calls back with what happened.
///
/// Positions are the log's: entry *n* is the *n*-th committed batch (1-based; 0 is "nothing").
///
/// - ``commit(rows:bytes:at:)`` records a batch the system of record acknowledged: it becomes
///   the accepted position. If the retained entries then exceed `retentionLimitBytes`, the tier
///   (or tiers) holding the oldest cursor is marked *rebuild needed* and stops pinning the log —
///   repeatedly, until the retained entries fit. Never is a tier silently skipped ahead: a tier
///   marked so receives nothing until ``rebuilt(_:through:)``.
/// - ``nextBatch(for:maxRows:)`` hands a tier the entries after its cursor (at most one batch in
///   flight per tier).
/// - ``confirmed(_:through:)`` advances the cursor — only to the end of the batch in flight,
///   after the tier confirmed it; the caller persists it (``Action/persistCursor(tier:position:)``)
///   *after* that, so a durable cursor never runs ahead of the tier.
/// - ``failed(_:)`` drops the batch in flight; the cursor stays, and the same entries are handed
///   out again.
/// - ``Action/release(through:)``: every retained tier has applied entries through that position:
///   the log may delete what lies at or below it.
public struct ReplicationCursors: Sendable, Hashable {
    /// One retained log entry.
    public struct Entry: Sendable, Hashable {
        public var position: UInt64
        public var rows: Int
        public var bytes: Int
        /// When the system of record committed it (wall-clock nanoseconds).
        public var committedAt: Int64

        public init(position: UInt64, rows: Int, bytes: Int, committedAt: Int64) {
            self.position = position
            self.rows = rows
            self.bytes = bytes
            self.committedAt = committedAt
        }
    }

    /// One tier's cursor.
    public struct Cursor: Sendable, Hashable {
        /// Entries through this position are in the tier.
        public internal(set) var applied: UInt64
        /// The batch handed out and not yet confirmed or failed: its last position.
        public internal(set) var inFlight: UInt64?
        /// The tier fell further behind than the log retains: it must be rebuilt from the
        /// system of record's sealed data.
        public internal(set) var rebuildNeeded: Bool
    }

    /// What the caller must do.
    public enum Action: Sendable, Hashable {
        /// Write `position` as `tier`'s durable cursor.
        case persistCursor(tier: String, position: UInt64)
        /// Log entries at or below `through` are no longer needed.
        case release(through: UInt64)
        /// `tier` fell behind past the retention limit: rebuild it (health shows it).
        case markRebuildNeeded(tier: String)
    }

    /// A batch to send to a tier: entries `from...through`.
    public struct Batch: Sendable, Hashable {
        public var from: UInt64
        public var through: UInt64
        public var rows: Int
        public var bytes: Int

        public init(from: UInt64, through: UInt64, rows: Int, bytes: Int) {
            self.from = from
            self.through = through
            self.rows = rows
            self.bytes = bytes
        }
    }

    public let retentionLimitBytes: Int
    /// The newest committed position.
    public private(set) var accepted: UInt64
    /// Entries after ``released``, oldest first.
    public private(set) var retained: [Entry] = []
    /// Entries through this position may be deleted from the log.
    public private(set) var released: UInt64
    public private(set) var cursors: [String: Cursor] = [:]
    public private(set) var retainedBytes = 0

    /// - Parameters:
    ///   - accepted: the log's newest position at start (what it holds after recovery).
    ///   - retentionLimitBytes: the most the log keeps for lagging tiers.
    ///   - cursors: each tier's durable cursor as read back (a missing file is 0).
    ///   - oldest: the log's oldest held position minus one (entries through it are gone).
    public init(accepted: UInt64, released: UInt64 = 0, retentionLimitBytes: Int, cursors: [String: UInt64]) {
        self.accepted = accepted
        self.released = min(released, accepted)
        self.retentionLimitBytes = retentionLimitBytes
        for (tier, applied) in cursors {
            // A cursor behind what the log still holds cannot be caught up from it.
            let behind = applied < self.released
            self.cursors[tier] = Cursor(applied: min(applied, accepted), inFlight: nil, rebuildNeeded: behind)
        }
    }

    /// Re-registers entries the log still holds after a restart (positions after ``released``,
    /// in order), without the retention check.
    public mutating func restore(_ entry: Entry) {
        precondition(entry.position == (retained.last?.position ?? released) + 1, "log entries out of order")
        retained.append(entry)
        retainedBytes += entry.bytes
        accepted = max(accepted, entry.position)
    }

    /// Records the next committed batch; returns what its retention requires.
    public mutating func commit(rows: Int, bytes: Int, at time: Int64) -> [Action] {
        accepted += 1
        retained.append(Entry(position: accepted, rows: rows, bytes: bytes, committedAt: time))
        retainedBytes += bytes
        var actions = releaseIfPossible()
        while retainedBytes > retentionLimitBytes, let laggard = pinningFloor() {
            // Every tier at the lowest cursor is marked; the next lowest then pins the log.
            for (tier, cursor) in cursors.sorted(by: { $0.key < $1.key })
            where !cursor.rebuildNeeded && cursor.applied == laggard {
                cursors[tier]?.rebuildNeeded = true
                cursors[tier]?.inFlight = nil
                actions.append(.markRebuildNeeded(tier: tier))
            }
            actions += releaseIfPossible()
        }
        return actions
    }

    /// The entries `tier` should receive next, at most `maxRows` rows (always at least one
    /// entry), or `nil` when it is caught up, has a batch in flight or needs a rebuild.
    public mutating func nextBatch(for tier: String, maxRows: Int) -> Batch? {
        guard let cursor = cursors[tier], cursor.inFlight == nil, !cursor.rebuildNeeded, cursor.applied < accepted
        else { return nil }
        let start = Int(cursor.applied - released)  // index of the entry after the cursor
        guard start < retained.count else { return nil }
        var batch = Batch(from: cursor.applied + 1, through: cursor.applied, rows: 0, bytes: 0)
        for entry in retained[start...] {
            if batch.rows > 0 && batch.rows + entry.rows > maxRows { break }
            batch.through = entry.position
            batch.rows += entry.rows
            batch.bytes += entry.bytes
        }
        cursors[tier]?.inFlight = batch.through
        return batch
    }

    /// The tier holds the batch in flight, through `position`.
    /// - Returns: persist the cursor, then release what no tier needs; nothing if `position` is
    ///   not the batch in flight (a late or forged confirmation never moves a cursor).
    public mutating func confirmed(_ tier: String, through position: UInt64) -> [Action] {
        guard let cursor = cursors[tier], let inFlight = cursor.inFlight, inFlight == position, !cursor.rebuildNeeded
        else { return [] }
        cursors[tier]?.applied = position
        cursors[tier]?.inFlight = nil
        return [.persistCursor(tier: tier, position: position)] + releaseIfPossible()
    }

    /// The batch in flight did not reach the tier: it will be handed out again.
    public mutating func failed(_ tier: String) {
        cursors[tier]?.inFlight = nil
    }

    /// The tier reported that it lost entries it had confirmed (a cache restarted empty): it
    /// needs a rebuild and stops pinning the log.
    public mutating func markRebuildNeeded(_ tier: String) -> [Action] {
        guard let cursor = cursors[tier], !cursor.rebuildNeeded else { return [] }
        cursors[tier]?.rebuildNeeded = true
        cursors[tier]?.inFlight = nil
        return [.markRebuildNeeded(tier: tier)] + releaseIfPossible()
    }

    /// A tier rebuilt from the system of record holds everything through `position`.
    /// - Returns: `nil` when `position` is behind what the log still holds (the tier would miss
    ///   entries) or past the accepted position; else persist its cursor.
    public mutating func rebuilt(_ tier: String, through position: UInt64) -> [Action]? {
        guard cursors[tier] != nil, position >= released, position <= accepted else { return nil }
        cursors[tier] = Cursor(applied: position, inFlight: nil, rebuildNeeded: false)
        return [.persistCursor(tier: tier, position: position)] + releaseIfPossible()
    }

    /// Adds a tier that starts at `position` (a fresh tier starts at the accepted position
    /// after being filled from the system of record, or at 0 with nothing released).
    public mutating func addTier(_ tier: String, applied position: UInt64) {
        cursors[tier] = Cursor(
            applied: min(position, accepted), inFlight: nil, rebuildNeeded: position < released)
    }

    /// Per tier, what health shows.
    public func status(of tier: String, now: Int64) -> ReplicationStatus? {
        guard let cursor = cursors[tier] else { return nil }
        var status = ReplicationStatus(
            accepted: accepted, applied: cursor.applied, backlogRows: 0, backlogBytes: 0,
            oldestUnappliedAge: nil, rebuildNeeded: cursor.rebuildNeeded)
        if cursor.applied >= released {
            let start = Int(cursor.applied - released)
            if start < retained.count {
                status.oldestUnappliedAge = max(0, now - retained[start].committedAt)
                for entry in retained[start...] {
                    status.backlogRows += entry.rows
                    status.backlogBytes += entry.bytes
                }
            }
        }
        return status
    }

    /// The lowest cursor among the tiers that pin the log (not marked for a rebuild).
    private func pinningFloor() -> UInt64? {
        cursors.values.filter { !$0.rebuildNeeded }.map(\.applied).min()
    }

    private mutating func releaseIfPossible() -> [Action] {
        let floor = pinningFloor() ?? accepted
        guard floor > released else { return [] }
        let count = Int(floor - released)
        for entry in retained.prefix(count) { retainedBytes -= entry.bytes }
        retained.removeFirst(count)
        released = floor
        return [.release(through: floor)]
    }
}

/// A tier's replication state as health and metrics show it.
public struct ReplicationStatus: Sendable, Hashable, Codable {
    /// The system of record's newest position.
    public var accepted: UInt64
    /// The tier's durable cursor.
    public var applied: UInt64
    public var backlogRows: Int
    public var backlogBytes: Int
    /// Nanoseconds since the oldest entry the tier lacks was committed.
    public var oldestUnappliedAge: Int64?
    public var rebuildNeeded: Bool
}
