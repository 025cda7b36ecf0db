/// One operation of a group given to `JobStore.perform(_:)` (and ``JobStateBackend/perform(_:)``).
public enum JobOperation: Sendable, Hashable {
    case enqueue(id: Int64, queue: String, payload: String, priority: Int, notBefore: Timestamp, now: Timestamp)
    case dequeue(limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>?)
    case heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64)
    case complete(id: Int64, token: Int64, now: Timestamp)
    case fail(id: Int64, token: Int64, now: Timestamp, error: String)
    case requeue(id: Int64, now: Timestamp)
    case expireLeases(now: Timestamp)
}

/// What one operation of a group did.
public enum JobOutcome: Sendable, Hashable {
    /// Applied (an enqueue, heartbeat, complete, fail, requeue, expiry).
    case done
    /// A dequeue: the jobs it leased, each with its lease.
    case leased([LeasedJob])
    /// Refused: nothing changed.
    case refused(JobQueueError)
}

/// A job handed out by a dequeue, with its lease.
public struct LeasedJob: Sendable, Hashable {
    public var job: Job
    public var lease: Lease

    public init(job: Job, lease: Lease) {
        self.job = job
        self.lease = lease
    }
}
