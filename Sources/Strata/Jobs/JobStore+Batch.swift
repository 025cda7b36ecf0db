public import StrataCore

extension JobStore {
    /// Applies a group of operations in order, each checked against the state the ones before it
    /// left, and logs the events of those accepted as one append (one WAL frame: after a crash
    /// the whole group is there or none of it): a worker's completions and its next dequeue, or
    /// a burst of enqueues, for one write.
    /// - Returns: per operation, what it did, or the ``JobQueueError`` that refused it (a refused
    ///   operation changes nothing; the others stand).
    /// - Throws: ``StrataError`` if the events cannot be stored: then none of the group is applied.
    @discardableResult
    public func perform(_ operations: [JobOperation]) throws -> [JobOutcome] { try state.perform(operations) }
}

extension EventSourcedTable where State == JobQueue {
    /// The engine's group of operations: checked one after the other, logged as one append.
    func perform(_ operations: [JobOperation]) throws -> [JobOutcome] {
        try record { state, log in
            var outcomes: [JobOutcome] = []
            outcomes.reserveCapacity(operations.count)
            var columns = JobEventColumns(capacity: operations.count)
            /// Records `event`, applied to `state`, as a row of `columns`.
            func record(_ log: inout EventLog<JobQueue>, _ event: JobEvent, after state: JobQueue) {
                let queue = event.jobID.flatMap { state.jobs[$0]?.queue } ?? "unknown"
                columns.append(event, queue: Symbol(unchecked: queue))
                log.append(columnar: event)
            }
            for operation in operations {
                do throws(JobQueueError) {
                    switch operation {
                    case .enqueue(let id, let queue, let payload, let priority, let notBefore, let now):
                        guard Symbol.isValid(queue) else {
                            throw JobQueueError(
                                .invalidJob, job: id, "queue \(queue): letters, digits and . _ - / : @ # only")
                        }
                        record(
                            &log,
                            try state.enqueue(
                                id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore,
                                now: now), after: state)
                        outcomes.append(.done)
                    case .dequeue(let limit, let worker, let now, let leaseDuration, let queues):
                        let logged = state.dequeue(
                            limit: limit, worker: worker, now: now, leaseDuration: leaseDuration, queues: queues)
                        for event in logged { record(&log, event, after: state) }
                        outcomes.append(
                            .leased(state.leases(in: logged).map { LeasedJob(job: $0.job, lease: $0.lease) }))
                    case .heartbeat(let id, let token, let now, let extendBy):
                        record(
                            &log,
                            try state.heartbeat(id: id, token: token, now: now, extendBy: extendBy), after: state)
                        outcomes.append(.done)
                    case .complete(let id, let token, let now):
                        record(&log, try state.complete(id: id, token: token, now: now), after: state)
                        outcomes.append(.done)
                    case .fail(let id, let token, let now, let error):
                        record(&log, try state.fail(id: id, token: token, now: now, error: error), after: state)
                        outcomes.append(.done)
                    case .requeue(let id, let now):
                        record(&log, try state.requeue(id: id, now: now), after: state)
                        outcomes.append(.done)
                    case .expireLeases(let now):
                        for event in state.expireLeases(now: now) { record(&log, event, after: state) }
                        outcomes.append(.done)
                    }
                } catch {
                    outcomes.append(.refused(error))
                }
            }
            if columns.count > 0 { log.columns = columns.batch }
            return outcomes
        }
    }
}

extension JobQueue {
    /// The jobs the `.leased` events among `events` handed out, as they are now, with their leases.
    func leases(in events: [JobEvent]) -> [(job: Job, lease: Lease)] {
        events.compactMap { event in
            guard case .leased(let id, let lease, _) = event, let job = jobs[id] else { return nil }
            return (job, lease)
        }
    }
}

/// A group's job events as the columns of ``JobQueue/eventSchema`` (what
/// ``JobQueue/row(for:previous:)`` gives per event, without a dictionary per row).
struct JobEventColumns {
    private var symbols: [Symbol] = []
    private var times: [Timestamp] = []
    private var ids: [Int64] = []
    private var kinds: [String] = []
    /// payload, worker, error.
    private var texts = OptionalColumns<String>(names: ["payload", "worker", "error"])
    /// priority, token.
    private var integers = OptionalColumns<Int64>(names: ["priority", "token"])
    /// not_before, expires, retry_at.
    private var stamps = OptionalColumns<Timestamp>(names: ["not_before", "expires", "retry_at"])

    init(capacity: Int) {
        symbols.reserveCapacity(capacity)
        times.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
        texts.reserve(capacity)
        integers.reserve(capacity)
        stamps.reserve(capacity)
    }

    var count: Int { symbols.count }

    mutating func append(_ event: JobEvent, queue: Symbol) {
        symbols.append(queue)
        ids.append(event.jobID ?? 0)
        switch event {
        case .enqueued(let job):
            kinds.append("enqueued")
            times.append(job.enqueuedAt)
            texts[0] = job.payload
            integers[0] = Int64(job.priority)
            stamps[0] = job.notBefore
        case .leased(_, let lease, let at):
            kinds.append("leased")
            times.append(at)
            texts[1] = lease.worker
            integers[1] = lease.token
            stamps[1] = lease.expires
        case .extended(_, let token, let expires, let at):
            kinds.append("extended")
            times.append(at)
            integers[1] = token
            stamps[1] = expires
        case .completed(_, let token, let at):
            kinds.append("completed")
            times.append(at)
            integers[1] = token
        case .failed(_, let token, let at, let error, let retryAt):
            kinds.append("failed")
            times.append(at)
            integers[1] = token
            texts[2] = error
            stamps[2] = retryAt
        case .expired(_, let token, let at, let retryAt):
            kinds.append("expired")
            times.append(at)
            integers[1] = token
            stamps[2] = retryAt
        case .requeued(_, let at):
            kinds.append("requeued")
            times.append(at)
        }
        texts.endRow(placeholder: "")
        integers.endRow(placeholder: 0)
        stamps.endRow(placeholder: Timestamp(nanoseconds: 0))
    }

    var batch: TableColumns {
        var batch = TableColumns(symbols: symbols)
        batch["ts"] = .timestamps(times)
        batch["job_id"] = .integers(ids)
        batch["event"] = .texts(kinds)
        texts.set(in: &batch) { .texts($0) }
        integers.set(in: &batch) { .integers($0) }
        stamps.set(in: &batch) { .timestamps($0) }
        return batch
    }
}
