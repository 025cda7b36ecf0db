public import StrataCore

/// A durable job queue: the ``JobQueue`` logic kept in an event table (``eventSchema``,
/// `job_events`, one of the store's own tables, one row per change; the queue name is the row's
/// symbol), the queue rebuilt on open from the last snapshot plus the events after it (a keyed
/// state table: ``EventSourcedTable``).
///
/// ```swift
/// let store = try StrataStore.open(directory: dir)
/// let jobs = store.jobs
/// try jobs.enqueue(id: 1, queue: "settlement", payload: #"{"trade":42}"#, notBefore: now, now: now)
/// for lease in try jobs.dequeue(limit: 10, worker: "w1", now: now, leaseDuration: 30_000_000_000) { … }
/// ```
///
/// Every operation is logged before it takes effect, so after a crash a job is exactly where the
/// acknowledged operations left it: a completed job never runs again, a leased one returns to the
/// queue when its lease expires.
public final class JobStore: Sendable {
    public static var eventSchema: RecordSchema { JobQueue.eventSchema }

    /// Where the queue is kept: the engine's event-sourced table, or the backend's own
    /// (``StorageBackend/keyedState``, shared by every node on it).
    let state: any JobStateBackend
    /// The engine's event-sourced table (nil when the backend keeps the queue).
    let events: EventSourcedTable<JobQueue>?

    /// The queue whose events `table` holds, retrying failures by `policy`. On a store's own
    /// `job_events` table this is the store's ``StrataStore/jobs`` (sharing its state and
    /// snapshots), whose retry policy becomes `policy`; on another table of the same columns,
    /// the queue is rebuilt by replaying every event, without snapshots.
    public init(table: DynamicTable, policy: RetryPolicy = RetryPolicy()) throws {
        let events: EventSourcedTable<JobQueue>
        if let shared: EventSourcedTable<JobQueue> = KeyedAttachments.attached(to: table) {
            shared.configure { $0.policy = policy }
            events = shared
        } else {
            events = try EventSourcedTable(table: table, initial: JobQueue(policy: policy))
        }
        self.events = events
        state = events
    }

    init(events: EventSourcedTable<JobQueue>) {
        self.events = events
        state = events
    }

    /// The queue a backend keeps itself.
    init(shared: any JobStateBackend) {
        events = nil
        state = shared
    }

    /// How the queue was rebuilt when the store opened (nothing to rebuild when the backend
    /// keeps it).
    public var recovery: KeyedStateRecovery { events?.recovery ?? .kept(by: JobQueue.eventSchema.name) }

    /// Adds a job (its queue name must be a valid symbol: letters, digits, `. _ - / : @ #`).
    /// - Throws: ``JobQueueError`` (`.invalidJob`, `.duplicateJob`); ``StrataError``.
    public func enqueue(
        id: Int64, queue: String, payload: String, priority: Int = 0, notBefore: Timestamp, now: Timestamp
    ) throws {
        guard Symbol.isValid(queue) else {
            throw JobQueueError(.invalidJob, job: id, "queue \(queue): letters, digits and . _ - / : @ # only")
        }
        try state.enqueue(id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now)
    }

    /// Leases up to `limit` ready jobs (of `queues`, or any) to `worker`; expired leases are
    /// returned to the queue first.
    /// - Returns: the jobs leased, each with its lease.
    public func dequeue(
        limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>? = nil
    ) throws -> [(job: Job, lease: Lease)] {
        try state.dequeue(limit: limit, worker: worker, now: now, leaseDuration: leaseDuration, queues: queues)
            .map { ($0.job, $0.lease) }
    }

    /// Extends a lease.
    public func heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64) throws {
        try state.heartbeat(id: id, token: token, now: now, extendBy: extendBy)
    }

    /// Marks a leased job done.
    public func complete(id: Int64, token: Int64, now: Timestamp) throws {
        try state.complete(id: id, token: token, now: now)
    }

    /// Records a failed attempt (retried with backoff, or a dead letter when attempts run out).
    public func fail(id: Int64, token: Int64, now: Timestamp, error: String) throws {
        try state.fail(id: id, token: token, now: now, error: error)
    }

    /// Returns expired leases to the queue.
    public func expireLeases(now: Timestamp) throws { try state.expireLeases(now: now) }

    /// Puts a dead letter back in the queue.
    public func requeue(id: Int64, now: Timestamp) throws { try state.requeue(id: id, now: now) }

    // MARK: - Queries (a backend that keeps the queue may fail to answer: ``StrataError``)

    public func job(id: Int64) throws -> Job? { try state.job(id: id) }
    public var counts: (ready: Int, leased: Int, dead: Int, completed: Int) {
        get throws {
            let counts = try state.counts()
            return (counts.ready, counts.leased, counts.dead, counts.completed)
        }
    }
    public var deadLetters: [Job] { get throws { try state.deadLetters() } }
    public var oldestWaiting: Timestamp? { get throws { try state.oldestWaiting() } }
    /// Every job, by id.
    public var jobs: [Int64: Job] { get throws { try state.allJobs() } }
}

/// The engine's queue: a ``JobQueue`` kept in its event table.
extension EventSourcedTable: JobStateBackend where State == JobQueue {
    func enqueue(id: Int64, queue: String, payload: String, priority: Int, notBefore: Timestamp, now: Timestamp)
        throws
    {
        try record { state, log in
            let event = try state.enqueue(
                id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now)
            log.append(event, after: state)
        }
    }

    func dequeue(limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>?) throws
        -> [LeasedJob]
    {
        try record { state, log in
            let logged = state.dequeue(
                limit: limit, worker: worker, now: now, leaseDuration: leaseDuration, queues: queues)
            for event in logged { log.append(event, after: state) }
            return state.leases(in: logged).map { LeasedJob(job: $0.job, lease: $0.lease) }
        }
    }

    func heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64) throws {
        try record { queue, log in
            log.append(try queue.heartbeat(id: id, token: token, now: now, extendBy: extendBy), after: queue)
        }
    }

    func complete(id: Int64, token: Int64, now: Timestamp) throws {
        try record { queue, log in log.append(try queue.complete(id: id, token: token, now: now), after: queue) }
    }

    func fail(id: Int64, token: Int64, now: Timestamp, error: String) throws {
        try record { queue, log in
            log.append(try queue.fail(id: id, token: token, now: now, error: error), after: queue)
        }
    }

    func expireLeases(now: Timestamp) throws {
        try record { queue, log in
            for event in queue.expireLeases(now: now) { log.append(event, after: queue) }
        }
    }

    func requeue(id: Int64, now: Timestamp) throws {
        try record { queue, log in log.append(try queue.requeue(id: id, now: now), after: queue) }
    }

    func job(id: Int64) -> Job? { read { $0.jobs[id] } }
    func counts() -> JobCounts {
        read { queue in
            let counts = queue.counts
            return JobCounts(ready: counts.ready, leased: counts.leased, dead: counts.dead, completed: counts.completed)
        }
    }
    func deadLetters() -> [Job] { read { $0.deadLetters } }
    func oldestWaiting() -> Timestamp? { read { $0.oldestWaiting } }
    func allJobs() -> [Int64: Job] { read { $0.jobs } }
}

extension JobQueue: EventSourcedState {
    public static var eventSchema: RecordSchema { .jobEvents }

    public func row(for event: JobEvent, previous: JobQueue) -> Row {
        let id = event.jobID ?? 0
        let queue = (jobs[id] ?? previous.jobs[id])?.queue ?? "unknown"
        var values: [String: FieldValue] = ["job_id": .integer(id)]
        func time(_ name: String, _ value: Timestamp?) { if let value { values[name] = .timestamp(value) } }
        switch event {
        case .enqueued(let job):
            values["event"] = .text("enqueued")
            time("ts", job.enqueuedAt)
            values["payload"] = .text(job.payload)
            values["priority"] = .integer(Int64(job.priority))
            time("not_before", job.notBefore)
        case .leased(_, let lease, let at):
            values["event"] = .text("leased")
            time("ts", at)
            values["worker"] = .text(lease.worker)
            values["token"] = .integer(lease.token)
            time("expires", lease.expires)
        case .extended(_, let token, let expires, let at):
            values["event"] = .text("extended")
            time("ts", at)
            values["token"] = .integer(token)
            time("expires", expires)
        case .completed(_, let token, let at):
            values["event"] = .text("completed")
            time("ts", at)
            values["token"] = .integer(token)
        case .failed(_, let token, let at, let error, let retryAt):
            values["event"] = .text("failed")
            time("ts", at)
            values["token"] = .integer(token)
            values["error"] = .text(error)
            time("retry_at", retryAt)
        case .expired(_, let token, let at, let retryAt):
            values["event"] = .text("expired")
            time("ts", at)
            values["token"] = .integer(token)
            time("retry_at", retryAt)
        case .requeued(_, let at):
            values["event"] = .text("requeued")
            time("ts", at)
        }
        return Row(symbol: Symbol(unchecked: queue), values)
    }

    public static func event(from row: Row) -> JobEvent? {
        guard let id = row["job_id"]?.integerValue, let kind = row["event"]?.textValue,
            let at = row["ts"]?.timestampValue
        else { return nil }
        let token = row["token"]?.integerValue
        let retryAt = row["retry_at"]?.timestampValue
        switch kind {
        case "enqueued":
            guard let payload = row["payload"]?.textValue, let priority = row["priority"]?.integerValue,
                let notBefore = row["not_before"]?.timestampValue
            else { return nil }
            return .enqueued(
                Job(
                    id: id, queue: row.symbol.name, payload: payload, priority: Int(priority), notBefore: notBefore,
                    enqueuedAt: at))
        case "leased":
            guard let token, let worker = row["worker"]?.textValue, let expires = row["expires"]?.timestampValue
            else { return nil }
            return .leased(id: id, lease: Lease(worker: worker, token: token, expires: expires), at: at)
        case "extended":
            guard let token, let expires = row["expires"]?.timestampValue else { return nil }
            return .extended(id: id, token: token, expires: expires, at: at)
        case "completed":
            guard let token else { return nil }
            return .completed(id: id, token: token, at: at)
        case "failed":
            guard let token, let error = row["error"]?.textValue else { return nil }
            return .failed(id: id, token: token, at: at, error: error, retryAt: retryAt)
        case "expired":
            guard let token else { return nil }
            return .expired(id: id, token: token, at: at, retryAt: retryAt)
        case "requeued":
            return .requeued(id: id, at: at)
        default: return nil
        }
    }
}
