/// A durable job queue's logic as a value: jobs, leases, retries and dead letters, with no I/O.
///
/// Every operation checks its preconditions, changes the state and returns the ``JobEvent`` that
/// records it; a store writes the event to its log before acknowledging, and on open rebuilds the
/// state by ``apply(_:)``-ing the logged events in order (a replay checks nothing: each event was
/// valid when it was made). So the state after a crash is exactly that of the acknowledged
/// operations.
///
/// The guarantees, each tested without I/O:
/// - **One holder at a time.** A job is leased to one worker with a unique token until the lease
///   expires; every later operation must present that token before the expiry, or it is refused
///   (``JobQueueError/Kind/leaseLost``), so a worker whose lease ran out cannot complete or fail a
///   job someone else may now hold.
/// - **Completed is final.** A completed job is never leased again, and completing it twice is an
///   error.
/// - **Nothing is lost.** An expired lease returns its job to the queue (counting the attempt); a
///   failure retries after an exponential backoff (``RetryPolicy``) until the attempts run out,
///   then the job waits among the dead letters until it is requeued.
///
/// Order of service: the highest priority first, then the earliest `notBefore`, then the lowest id.
public struct JobQueue: Sendable {
    /// All jobs, by id (completed ones included until ``forgetCompleted(before:)``).
    public private(set) var jobs: [Int64: Job] = [:]
    public var policy: RetryPolicy
    /// The last lease token handed out (tokens increase, so a stale one never matches again).
    public private(set) var lastToken: Int64 = 0
    /// Waiting jobs by `notBefore`, moved to ``ready`` when their time comes (entries of jobs no
    /// longer waiting so are skipped when met).
    private var delayed = JobHeap<DelayKey>()
    /// Jobs whose time has come, best first (stale entries skipped likewise).
    private var ready = JobHeap<ReadyKey>()
    /// Leased jobs by expiry (entries of leases that ended are skipped when met).
    private var leases = JobHeap<LeaseKey>()

    public init(policy: RetryPolicy) { self.policy = policy }

    public init() { self.init(policy: RetryPolicy()) }

    /// The queue holding `jobs` (a snapshot's) with the last token handed out, as replaying the
    /// events that made them would leave it: waiting jobs by their time, live leases by expiry.
    public init(policy: RetryPolicy, restoring jobs: some Sequence<Job>, lastToken: Int64) {
        self.policy = policy
        self.lastToken = lastToken
        for job in jobs {
            self.jobs[job.id] = job
            switch job.state {
            case .ready: delayed.push(DelayKey(notBefore: job.notBefore.nanoseconds, id: job.id))
            case .leased(let lease): leases.push(LeaseKey(expires: lease.expires, id: job.id, token: lease.token))
            case .completed, .dead: break
            }
        }
    }

    // MARK: - Operations (checked; each returns the event to log)

    /// Adds a job, ready from `notBefore`.
    /// - Throws: ``JobQueueError`` `.duplicateJob` if the id is taken, `.invalidJob` for an empty
    ///   queue name or a non-positive id.
    public mutating func enqueue(
        id: Int64, queue: String, payload: String, priority: Int = 0, notBefore: Timestamp, now: Timestamp
    ) throws(JobQueueError) -> JobEvent {
        guard id > 0, !queue.isEmpty else {
            throw JobQueueError(.invalidJob, job: id, "a job needs a positive id and a queue name")
        }
        guard !payload.utf8.contains(0) else {
            throw JobQueueError(.invalidJob, job: id, "payload: must not contain a NUL character")
        }
        guard jobs[id] == nil else { throw JobQueueError(.duplicateJob, job: id, "the id is already queued") }
        let job = Job(
            id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, enqueuedAt: now)
        let event = JobEvent.enqueued(job)
        apply(event)
        return event
    }

    /// Leases up to `limit` ready jobs (of `queues`, or any) to `worker` for `leaseDuration`
    /// nanoseconds; leases that expired by `now` are returned to the queue first.
    /// - Returns: the events, expiries first, then one `.leased` per job handed out.
    public mutating func dequeue(
        limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>? = nil
    ) -> [JobEvent] {
        var events = expireLeases(now: now)
        while let key = delayed.peek(), key.notBefore <= now.nanoseconds {
            _ = delayed.pop()
            if let job = jobs[key.id], job.state == .ready, job.notBefore.nanoseconds == key.notBefore {
                ready.push(job.readyKey)
            }
        }
        var skipped: [ReadyKey] = []
        var handedOut = 0
        while handedOut < limit, let key = ready.peek() {
            _ = ready.pop()
            guard let job = jobs[key.id], job.state == .ready, job.readyKey == key else { continue }
            if let queues, !queues.contains(job.queue) {
                skipped.append(key)
                continue
            }
            let lease = Lease(worker: worker, token: lastToken + 1, expires: now.advanced(by: leaseDuration))
            let event = JobEvent.leased(id: job.id, lease: lease, at: now)
            apply(event)
            events.append(event)
            handedOut += 1
        }
        for key in skipped { ready.push(key) }
        return events
    }

    /// Extends a lease to `now + extendBy`.
    /// - Throws: ``JobQueueError`` `.leaseLost` if `token` is not the job's live lease.
    public mutating func heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64) throws(JobQueueError)
        -> JobEvent
    {
        _ = try liveLease(id, token, now)
        let event = JobEvent.extended(id: id, token: token, expires: now.advanced(by: extendBy), at: now)
        apply(event)
        return event
    }

    /// Marks a leased job done: it never runs again.
    /// - Throws: ``JobQueueError`` `.leaseLost`, `.alreadyCompleted`.
    public mutating func complete(id: Int64, token: Int64, now: Timestamp) throws(JobQueueError) -> JobEvent {
        _ = try liveLease(id, token, now)
        let event = JobEvent.completed(id: id, token: token, at: now)
        apply(event)
        return event
    }

    /// Records a failed attempt: the job runs again after the policy's backoff, or becomes a dead
    /// letter when its attempts are used up.
    /// - Throws: ``JobQueueError`` `.leaseLost`, `.alreadyCompleted`.
    public mutating func fail(id: Int64, token: Int64, now: Timestamp, error: String) throws(JobQueueError)
        -> JobEvent
    {
        guard !error.utf8.contains(0) else {
            throw JobQueueError(.invalidJob, job: id, "error: must not contain a NUL character")
        }
        let job = try liveLease(id, token, now)
        let event = JobEvent.failed(id: id, token: token, at: now, error: error, retryAt: retryTime(job, now))
        apply(event)
        return event
    }

    /// Returns every lease that expired by `now` to the queue (or to the dead letters when its
    /// attempts are used up): the worker that held it is presumed gone.
    public mutating func expireLeases(now: Timestamp) -> [JobEvent] {
        var events: [JobEvent] = []
        while let key = leases.peek(), key.expires <= now {
            _ = leases.pop()
            guard let job = jobs[key.id], case .leased(let lease) = job.state, lease.token == key.token,
                lease.expires == key.expires
            else { continue }
            let event = JobEvent.expired(id: job.id, token: lease.token, at: now, retryAt: retryTime(job, now))
            apply(event)
            events.append(event)
        }
        return events
    }

    /// Puts a dead letter back in the queue, with its attempts reset.
    /// - Throws: ``JobQueueError`` `.notDead` for a job that is not a dead letter.
    public mutating func requeue(id: Int64, now: Timestamp) throws(JobQueueError) -> JobEvent {
        guard let job = jobs[id] else { throw JobQueueError(.unknownJob, job: id, "no such job") }
        guard case .dead = job.state else {
            throw JobQueueError(.notDead, job: id, "the job is \(job.state), not a dead letter")
        }
        let event = JobEvent.requeued(id: id, at: now)
        apply(event)
        return event
    }

    /// Drops completed jobs finished before `time` (their events stay in the log).
    public mutating func forgetCompleted(before time: Timestamp) {
        jobs = jobs.filter { _, job in
            if case .completed(let at) = job.state { return at >= time }
            return true
        }
    }

    // MARK: - Replay

    /// Applies an event made by this type's operations (or read back from the log): the state
    /// change only, without the checks.
    public mutating func apply(_ event: JobEvent) {
        switch event {
        case .enqueued(let job):
            jobs[job.id] = job
            delayed.push(DelayKey(notBefore: job.notBefore.nanoseconds, id: job.id))
        case .leased(let id, let lease, _):
            lastToken = max(lastToken, lease.token)
            update(id) { job in
                job.attempts += 1
                job.state = .leased(lease)
            }
            leases.push(LeaseKey(expires: lease.expires, id: id, token: lease.token))
        case .extended(let id, let token, let expires, _):
            update(id) { job in
                if case .leased(var lease) = job.state, lease.token == token {
                    lease.expires = expires
                    job.state = .leased(lease)
                }
            }
            leases.push(LeaseKey(expires: expires, id: id, token: token))
        case .completed(let id, _, let at):
            update(id) { $0.state = .completed(at: at) }
        case .failed(let id, _, let at, let error, let retryAt):
            update(id) { job in
                job.lastError = error
                Self.retry(&job, at: at, retryAt: retryAt, reason: error)
            }
        case .expired(let id, _, let at, let retryAt):
            update(id) { job in
                job.lastError = "lease expired"
                Self.retry(&job, at: at, retryAt: retryAt, reason: "lease expired")
            }
        case .requeued(let id, let at):
            update(id) { job in
                job.attempts = 0
                job.state = .ready
                job.notBefore = at
            }
        }
        if let id = event.jobID, let job = jobs[id], job.state == .ready, event.makesReady {
            delayed.push(DelayKey(notBefore: job.notBefore.nanoseconds, id: id))
        }
    }

    // MARK: - Queries

    /// Jobs waiting (ready now or later), leased, and dead.
    public var counts: (ready: Int, leased: Int, dead: Int, completed: Int) {
        var counts = (ready: 0, leased: 0, dead: 0, completed: 0)
        for job in jobs.values {
            switch job.state {
            case .ready: counts.ready += 1
            case .leased: counts.leased += 1
            case .dead: counts.dead += 1
            case .completed: counts.completed += 1
            }
        }
        return counts
    }

    /// The dead letters, oldest id first.
    public var deadLetters: [Job] {
        jobs.values.filter { if case .dead = $0.state { true } else { false } }.sorted { $0.id < $1.id }
    }

    /// When the oldest waiting job was enqueued.
    public var oldestWaiting: Timestamp? { jobs.values.filter { $0.state == .ready }.map(\.enqueuedAt).min() }

    // MARK: - Private

    private mutating func update(_ id: Int64, _ change: (inout Job) -> Void) {
        guard var job = jobs[id] else { return }
        change(&job)
        jobs[id] = job
    }

    private static func retry(_ job: inout Job, at: Timestamp, retryAt: Timestamp?, reason: String) {
        if let retryAt {
            job.state = .ready
            job.notBefore = retryAt
        } else {
            job.state = .dead(at: at, reason: reason)
        }
    }

    /// When a job whose attempt just ended runs again, or nil when its attempts are used up.
    private func retryTime(_ job: Job, _ now: Timestamp) -> Timestamp? {
        guard job.attempts < policy.maxAttempts else { return nil }
        return now.advanced(by: policy.delay(afterAttempt: job.attempts))
    }

    /// The job if `token` is its live lease at `now`.
    private func liveLease(_ id: Int64, _ token: Int64, _ now: Timestamp) throws(JobQueueError) -> Job {
        guard let job = jobs[id] else { throw JobQueueError(.unknownJob, job: id, "no such job") }
        switch job.state {
        case .leased(let lease) where lease.token == token && now < lease.expires:
            return job
        case .leased(let lease) where lease.token == token:
            throw JobQueueError(.leaseLost, job: id, "lease \(token) expired at \(lease.expires)")
        case .completed:
            throw JobQueueError(.alreadyCompleted, job: id, "the job is already completed")
        default:
            throw JobQueueError(
                .leaseLost, job: id, "lease \(token) is not the job's lease (the job is \(job.state))")
        }
    }
}

/// One job of a ``JobQueue``.
public struct Job: Sendable, Hashable {
    public var id: Int64
    /// The queue (kind of work) it belongs to.
    public var queue: String
    /// What the worker needs (JSON text, by convention).
    public var payload: String
    /// Higher runs first.
    public var priority: Int
    /// Not leased before this time (its retry time after a failure).
    public var notBefore: Timestamp
    /// Leases granted so far (since enqueue or the last requeue).
    public var attempts = 0
    public var state = JobState.ready
    /// The last failure's message.
    public var lastError: String?
    public var enqueuedAt: Timestamp

    public init(
        id: Int64, queue: String, payload: String, priority: Int, notBefore: Timestamp, enqueuedAt: Timestamp
    ) {
        self.id = id
        self.queue = queue
        self.payload = payload
        self.priority = priority
        self.notBefore = notBefore
        self.enqueuedAt = enqueuedAt
    }

    fileprivate var readyKey: ReadyKey { ReadyKey(priority: priority, notBefore: notBefore.nanoseconds, id: id) }
}

/// Where a job is in its life.
public enum JobState: Sendable, Hashable, CustomStringConvertible {
    /// Waiting for a worker (from its `notBefore`).
    case ready
    /// Held by a worker until the lease expires.
    case leased(Lease)
    /// Done; never runs again.
    case completed(at: Timestamp)
    /// Out of attempts: waits for an operator's requeue.
    case dead(at: Timestamp, reason: String)

    public var description: String {
        switch self {
        case .ready: "ready"
        case .leased(let lease): "leased to \(lease.worker) until \(lease.expires)"
        case .completed(let at): "completed at \(at)"
        case .dead(let at, let reason): "dead since \(at) (\(reason))"
        }
    }
}

/// A worker's hold on a job.
public struct Lease: Sendable, Hashable {
    public var worker: String
    /// Unique for the life of the queue: what the worker presents to heartbeat, complete or fail.
    public var token: Int64
    public var expires: Timestamp

    public init(worker: String, token: Int64, expires: Timestamp) {
        self.worker = worker
        self.token = token
        self.expires = expires
    }
}

/// How failed and expired attempts are retried: after `baseDelay × 2^(attempt - 1)`, at most
/// `maximumDelay`, until `maxAttempts` attempts have been made.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Int64
    public var maximumDelay: Int64

    public init(
        maxAttempts: Int = 5, baseDelay: Int64 = Timestamp.nanosecondsPerSecond,
        maximumDelay: Int64 = 3_600 * Timestamp.nanosecondsPerSecond
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maximumDelay = max(0, maximumDelay)
    }

    /// The wait before the next attempt after attempt `n` (1-based) failed.
    public func delay(afterAttempt n: Int) -> Int64 {
        let shift = min(max(n - 1, 0), 62)
        let (scaled, overflow) = baseDelay.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? maximumDelay : min(scaled, maximumDelay)
    }
}

/// What happened to a job: what a store logs, and replays on open.
public enum JobEvent: Sendable, Hashable {
    case enqueued(Job)
    case leased(id: Int64, lease: Lease, at: Timestamp)
    case extended(id: Int64, token: Int64, expires: Timestamp, at: Timestamp)
    case completed(id: Int64, token: Int64, at: Timestamp)
    /// `retryAt` nil: the job became a dead letter.
    case failed(id: Int64, token: Int64, at: Timestamp, error: String, retryAt: Timestamp?)
    case expired(id: Int64, token: Int64, at: Timestamp, retryAt: Timestamp?)
    case requeued(id: Int64, at: Timestamp)

    /// The job the event is about.
    public var jobID: Int64? {
        switch self {
        case .enqueued(let job): job.id
        case .leased(let id, _, _), .extended(let id, _, _, _), .completed(let id, _, _), .failed(let id, _, _, _, _),
            .expired(let id, _, _, _), .requeued(let id, _):
            id
        }
    }

    /// Whether the event may return its job to the ready jobs.
    var makesReady: Bool {
        switch self {
        case .failed, .expired, .requeued: true
        default: false
        }
    }
}

/// A refused queue operation, naming the job.
public struct JobQueueError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case invalidJob, duplicateJob, unknownJob, leaseLost, alreadyCompleted, notDead
    }

    public var kind: Kind
    public var job: Int64
    public var message: String

    public init(_ kind: Kind, job: Int64, _ message: String) {
        self.kind = kind
        self.job = job
        self.message = message
    }

    public var description: String { "job \(job): \(kind.rawValue): \(message)" }
}

/// Ready jobs' order: highest priority, then earliest `notBefore`, then lowest id.
struct ReadyKey: Comparable, Sendable {
    var priority: Int
    var notBefore: Int64
    var id: Int64

    static func < (a: ReadyKey, b: ReadyKey) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.notBefore != b.notBefore { return a.notBefore < b.notBefore }
        return a.id < b.id
    }
}

/// Waiting jobs by the time they may run.
struct DelayKey: Comparable, Sendable {
    var notBefore: Int64
    var id: Int64

    static func < (a: DelayKey, b: DelayKey) -> Bool {
        a.notBefore != b.notBefore ? a.notBefore < b.notBefore : a.id < b.id
    }
}

/// Leases by expiry.
struct LeaseKey: Comparable, Sendable {
    var expires: Timestamp
    var id: Int64
    var token: Int64

    static func < (a: LeaseKey, b: LeaseKey) -> Bool {
        a.expires != b.expires ? a.expires < b.expires : a.token < b.token
    }
}

/// A binary min-heap (the smallest by `<` on top).
struct JobHeap<Element: Comparable & Sendable>: Sendable {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    func peek() -> Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { break }
            let right = left + 1
            let child = right < items.count && items[right] < items[left] ? right : left
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            parent = child
        }
        return top
    }
}
