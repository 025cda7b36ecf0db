public import StrataCore
import Synchronization

/// A tier the replicator feeds (Redis, the memory tier, PostgreSQL as a replica…).
public protocol ReplicaTier: Sendable {
    /// The tier's name in health, metrics and the cursor file's name.
    var name: String { get }
    /// Stores `entries` of `table` (consecutive positions, in order) and returns once the tier
    /// holds them. Must be idempotent: entries it already holds (a batch sent again after a
    /// restart or a lost reply) change nothing.
    func apply(table: String, entries: [LogEntry]) async throws
}

/// Feeds tiers from one table's ``CommitLog``, in log order, each from its own durable cursor.
///
/// Per tier a loop takes the next entries after its cursor (``ReplicationCursors``), asks the
/// tier's ``CircuitBreaker`` whether to call it, applies them, and only after the tier returned
/// writes the new cursor (``CursorFile``, atomically and synced): a durable cursor never runs
/// ahead of what the tier holds, so after a crash the tier is sent again at most what it already
/// has (which it ignores). An open breaker pauses the tier; the loop resumes from the cursor when
/// the breaker lets a probe through and the probe succeeds.
public final class Replicator: Sendable {
    /// What the replicator is configured with.
    public struct Configuration: Sendable {
        /// The table whose log this is.
        public var table: String
        /// Where the cursor files live (`<tier>.cursor`).
        public var cursorDirectory: String
        /// The most the log keeps for lagging tiers; a tier further behind needs a rebuild.
        public var retentionLimitBytes: Int
        /// Rows sent to a tier in one call.
        public var maxRowsPerBatch: Int
        public var breaker: CircuitBreaker.Configuration
        /// Seed of the breakers' jitter.
        public var seed: UInt64

        public init(
            table: String, cursorDirectory: String, retentionLimitBytes: Int = 1 << 30, maxRowsPerBatch: Int = 10_000,
            breaker: CircuitBreaker.Configuration = .init(), seed: UInt64 = 0x5EED
        ) {
            self.table = table
            self.cursorDirectory = cursorDirectory
            self.retentionLimitBytes = retentionLimitBytes
            self.maxRowsPerBatch = maxRowsPerBatch
            self.breaker = breaker
            self.seed = seed
        }
    }

    struct TierState: Sendable {
        var breaker: CircuitBreaker
        var lastError: String?
        var lastSuccess: Int64?
        var batchesApplied = 0
        var rowsApplied = 0
        var cursorFailure: String?
    }

    struct State: Sendable {
        var cursors: ReplicationCursors
        var tiers: [String: TierState]
        var random: SplitMix64
        var logFailure: String?
    }

    public let configuration: Configuration
    public let log: CommitLog
    private let tiers: [any ReplicaTier]
    let state: Mutex<State>
    private let wakers: [String: AsyncStream<Void>.Continuation]
    private let streams: Mutex<[String: AsyncStream<Void>]>
    private let epoch = ContinuousClock.now
    private let wallClock: @Sendable () -> Int64

    /// Opens the replicator over `log` for `tiers`, reading each tier's cursor file.
    /// - Throws: ``TierError`` for a damaged cursor file, a bad configuration or a directory
    ///   that cannot be used.
    public init(
        configuration: Configuration, log: CommitLog, tiers: [any ReplicaTier],
        wallClock: @escaping @Sendable () -> Int64 = { WallClock.now().nanoseconds }
    ) throws(TierError) {
        guard configuration.maxRowsPerBatch >= 1 else {
            throw TierError(.invalidConfiguration, "replicator: maxRowsPerBatch is \(configuration.maxRowsPerBatch)")
        }
        let breaker: CircuitBreaker
        do { breaker = try CircuitBreaker(configuration: configuration.breaker) } catch {
            throw TierError(.invalidConfiguration, error.description)
        }
        try CommitLog.makeDirectory(configuration.cursorDirectory)
        self.configuration = configuration
        self.log = log
        self.tiers = tiers
        self.wallClock = wallClock
        var positions: [String: UInt64] = [:]
        var tierStates: [String: TierState] = [:]
        for tier in tiers {
            positions[tier.name] = try Self.cursorFile(configuration, tier.name).read()
            tierStates[tier.name] = TierState(breaker: breaker)
        }
        var cursors = ReplicationCursors(
            accepted: log.releasedPosition, released: log.releasedPosition,
            retentionLimitBytes: configuration.retentionLimitBytes, cursors: [:])
        for entry in log.retainedEntries() { cursors.restore(entry) }
        // After the entries, so that a cursor is measured against the whole log.
        for (tier, position) in positions { cursors.addTier(tier, applied: position) }
        for (tier, position) in positions where position > cursors.accepted {
            // A cursor past the log's end: the log lost entries the tier holds (a log that did
            // not sync each append, after a power loss). The tier holds more than the store.
            tierStates[tier]?.lastError = "cursor \(position) is past the log's end \(cursors.accepted)"
        }
        state = Mutex(State(cursors: cursors, tiers: tierStates, random: SplitMix64(seed: configuration.seed)))
        var wakers: [String: AsyncStream<Void>.Continuation] = [:]
        var streams: [String: AsyncStream<Void>] = [:]
        for tier in tiers {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            wakers[tier.name] = continuation
            streams[tier.name] = stream
        }
        self.wakers = wakers
        self.streams = Mutex(streams)
    }

    static func cursorFile(_ configuration: Configuration, _ tier: String) -> CursorFile {
        CursorFile(path: configuration.cursorDirectory + "/" + tier + ".cursor")
    }

    var now: Int64 {
        let elapsed = (ContinuousClock.now - epoch).components
        return elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000
    }

    /// Appends a committed batch to the log and wakes the tiers. Called on the commit path (the
    /// table's commit tap), in commit order.
    /// - Throws: ``TierError`` when the log cannot take it: the tiers will miss it, so every
    ///   tier is marked for a rebuild and health says why.
    @discardableResult
    public func commit(_ batch: ColumnBatch, committedAt: Int64? = nil) throws(TierError) -> UInt64 {
        let time = committedAt ?? wallClock()
        let entry: ReplicationCursors.Entry
        do { entry = try log.append(batch, committedAt: time) } catch {
            state.withLock { state in
                state.logFailure = error.description
            }
            throw error
        }
        let actions = state.withLock { state in
            state.cursors.commit(rows: entry.rows, bytes: entry.bytes, at: time)
        }
        perform(actions)
        for waker in wakers.values { waker.yield() }
        return entry.position
    }

    /// Starts ``run()`` in a task of its own on the replicators' thread; cancel the task to stop.
    /// The task never waits for the cooperative pool, not even to start: a process whose pool is
    /// busy (two threads on two cores) still feeds its tiers.
    public func start() -> Task<Void, Never> {
        Task(executorPreference: Self.executor) { await self.run() }
    }

    /// Runs every tier's loop until the task is cancelled, on the replicators' own thread
    /// (``DedicatedThreadExecutor``).
    public func run() async {
        await withTaskExecutorPreference(Self.executor) {
            await withTaskGroup(of: Void.self) { group in
                for tier in tiers {
                    group.addTask { await self.runTier(tier) }
                }
            }
        }
    }

    /// Where every replicator's loops run: one thread for the process (they mostly wait).
    private static let executor = DedicatedThreadExecutor(name: "strata-replicas")

    private func runTier(_ tier: any ReplicaTier) async {
        guard let wake = streams.withLock({ $0.removeValue(forKey: tier.name) }) else { return }
        var wakeups = wake.makeAsyncIterator()
        while !Task.isCancelled {
            let (batch, action) = state.withLock { state -> (ReplicationCursors.Batch?, CircuitBreaker.Action) in
                guard let batch = state.cursors.nextBatch(for: tier.name, maxRows: configuration.maxRowsPerBatch)
                else { return (nil, .none) }
                let action = state.tiers[tier.name]!.breaker.handle(.callRequested, now: now, using: &state.random)
                if case .reject = action { state.cursors.failed(tier.name) }
                return (batch, action)
            }
            guard let batch else {
                // Caught up (or waiting for a rebuild): sleep until a commit wakes the tier (the
                // wake-up is buffered, so one that came before this wait is not lost).
                guard await wakeups.next() != nil else { return }
                continue
            }
            if case .reject(let retryAfter) = action {
                try? await Task.sleep(for: .nanoseconds(min(retryAfter, 1_000_000_000)))
                continue
            }
            let kind: CircuitBreaker.CallKind = action == .probe ? .probe : .normal
            do {
                let entries = try log.read(from: batch.from, through: batch.through)
                try await tier.apply(table: configuration.table, entries: entries)
            } catch {
                let lost = (error as? TierError)?.code == .rebuildNeeded
                let actions = state.withLock { state in
                    _ = state.tiers[tier.name]!.breaker.handle(.failed(kind), now: now, using: &state.random)
                    state.tiers[tier.name]!.lastError = "\(error)"
                    state.cursors.failed(tier.name)
                    return lost ? state.cursors.markRebuildNeeded(tier.name) : []
                }
                perform(actions)
                // Not straight back: the breaker counts this failure; give the tier a moment.
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            let actions = state.withLock { state in
                _ = state.tiers[tier.name]!.breaker.handle(.succeeded(kind), now: now, using: &state.random)
                state.tiers[tier.name]!.lastSuccess = wallClock()
                state.tiers[tier.name]!.batchesApplied += 1
                state.tiers[tier.name]!.rowsApplied += batch.rows
                return state.cursors.confirmed(tier.name, through: batch.through)
            }
            perform(actions)
        }
    }

    /// Writes cursors and releases log entries, as the cursor machine says.
    private func perform(_ actions: [ReplicationCursors.Action]) {
        for action in actions {
            switch action {
            case .persistCursor(let tier, let position):
                do { try Self.cursorFile(configuration, tier).write(position) } catch {
                    // The tier holds the entries; a stale cursor only means sending them again.
                    state.withLock { $0.tiers[tier]?.cursorFailure = error.description }
                }
            case .release(let through):
                do { try log.release(through: through) } catch {
                    state.withLock { $0.logFailure = error.description }
                }
            case .markRebuildNeeded(let tier):
                state.withLock { state in
                    if state.tiers[tier]?.lastError?.contains("rebuildNeeded") != true {
                        state.tiers[tier]?.lastError = "fell behind the log's retention: rebuild needed"
                    }
                }
            }
        }
    }

    /// Waits until every tier not marked for a rebuild applied everything committed so far, or
    /// `timeout` passed.
    /// - Returns: whether they caught up.
    public func waitUntilCaughtUp(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if caughtUp { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        // A waiter resumed late (a busy process) looks once more before it gives up.
        return caughtUp
    }

    /// Whether every tier not marked for a rebuild applied everything committed so far.
    private var caughtUp: Bool {
        state.withLock { state in
            state.cursors.cursors.values.allSatisfy { $0.rebuildNeeded || $0.applied == state.cursors.accepted }
        }
    }

    /// Each tier's replication and breaker state, sorted by tier name.
    public var status: [TierReplicationHealth] {
        let wall = wallClock()
        return state.withLock { state in
            state.tiers.keys.sorted().map { name in
                let tier = state.tiers[name]!
                return TierReplicationHealth(
                    tier: name, table: configuration.table,
                    replication: state.cursors.status(of: name, now: wall)!,
                    breaker: tier.breaker.snapshot(now: now), lastError: tier.lastError, lastSuccess: tier.lastSuccess,
                    batchesApplied: tier.batchesApplied, rowsApplied: tier.rowsApplied,
                    logFailure: state.logFailure ?? tier.cursorFailure)
            }
        }
    }
}

/// One tier's state as health and metrics show it.
public struct TierReplicationHealth: Sendable, Hashable, Codable {
    public var tier: String
    public var table: String
    public var replication: ReplicationStatus
    public var breaker: CircuitBreakerSnapshot
    public var lastError: String?
    /// Wall-clock nanoseconds of the last batch the tier took.
    public var lastSuccess: Int64?
    public var batchesApplied: Int
    public var rowsApplied: Int
    /// A failure of the log or of the cursor file (entries may be missing: see the docs).
    public var logFailure: String?
}
