import Logging
import PostgresNIO
import StrataCore

/// The job queue kept by PostgreSQL (`strata_jobs`, `strata_job_events`), shared by workers on
/// every node.
///
/// Each operation locks the jobs it is about — by id (`FOR UPDATE`), or, for a dequeue, the
/// expired leases and the best ready jobs that no other transaction holds (`FOR UPDATE SKIP
/// LOCKED`) — and hands each to a ``JobQueue`` holding that job alone: the value state machine
/// decides (lease, expiry, retry with backoff, dead letter, refusals) and returns the events; the
/// job's new row and its events are written before the next operation. Lease tokens come from a
/// sequence, so they are unique across nodes. A job is held by one worker at a time because its
/// row is leased only inside a transaction holding its lock, and a completed job is never leased
/// again because its row says so.
final class PostgresJobs: JobStateBackend {
    let runner: KeyedRunner
    let policy: RetryPolicy
    let tables: JobTables

    init(runner: KeyedRunner, policy: RetryPolicy) {
        self.runner = runner
        self.policy = policy
        tables = JobTables(
            jobs: runner.table("strata_jobs"), events: runner.table("strata_job_events"),
            tokens: runner.table("strata_job_tokens"), logger: runner.logger)
    }

    // MARK: - Operations

    func enqueue(id: Int64, queue: String, payload: String, priority: Int, notBefore: Timestamp, now: Timestamp)
        throws
    {
        try run(.enqueue(id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now))
    }

    func dequeue(limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>?) throws
        -> [LeasedJob]
    {
        let outcome = try run(
            .dequeue(limit: limit, worker: worker, now: now, leaseDuration: leaseDuration, queues: queues))
        if case .leased(let leased) = outcome { return leased }
        return []
    }

    func heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64) throws {
        try run(.heartbeat(id: id, token: token, now: now, extendBy: extendBy))
    }

    func complete(id: Int64, token: Int64, now: Timestamp) throws { try run(.complete(id: id, token: token, now: now)) }

    func fail(id: Int64, token: Int64, now: Timestamp, error: String) throws {
        try run(.fail(id: id, token: token, now: now, error: error))
    }

    func expireLeases(now: Timestamp) throws { try run(.expireLeases(now: now)) }

    func requeue(id: Int64, now: Timestamp) throws { try run(.requeue(id: id, now: now)) }

    /// One operation in its own transaction; a refusal thrown as it is.
    @discardableResult
    private func run(_ operation: JobOperation) throws -> JobOutcome {
        let (tables, policy) = (self.tables, self.policy)
        return try runner.transaction("a job queue operation") { connection in
            try await tables.apply(operation, policy: policy, connection)
        }
    }

    func perform(_ operations: [JobOperation]) throws -> [JobOutcome] {
        let (tables, policy) = (self.tables, self.policy)
        return try runner.transaction("a group of \(operations.count) job operations") { connection in
            var outcomes: [JobOutcome] = []
            for operation in operations {
                do {
                    outcomes.append(try await tables.apply(operation, policy: policy, connection))
                } catch let refusal as JobQueueError {
                    outcomes.append(.refused(refusal))
                }
            }
            return outcomes
        }
    }

    // MARK: - Queries

    func job(id: Int64) throws -> Job? {
        var binds = PostgresBindings()
        binds.append(id)
        return try select("WHERE id = $1", binds, "reading job \(id)").first
    }

    func allJobs() throws -> [Int64: Job] {
        Dictionary(uniqueKeysWithValues: try select("", PostgresBindings(), "reading every job").map { ($0.id, $0) })
    }

    func deadLetters() throws -> [Job] {
        try select("WHERE state = 'dead' ORDER BY id", PostgresBindings(), "reading the dead letters")
    }

    func counts() throws -> JobCounts {
        let sql = "SELECT state, count(*) FROM \(tables.jobs) GROUP BY state"
        let logger = runner.logger
        return try runner.read("counting jobs") { connection in
            var counts = JobCounts()
            for row in try await connection.rows(sql, logger: logger) {
                let (state, count) = try row.decode((String, Int64).self)
                switch state {
                case "ready": counts.ready = Int(count)
                case "leased": counts.leased = Int(count)
                case "dead": counts.dead = Int(count)
                default: counts.completed += Int(count)
                }
            }
            return counts
        }
    }

    func oldestWaiting() throws -> Timestamp? {
        let sql = "SELECT min(enqueued_at) FROM \(tables.jobs) WHERE state = 'ready'"
        let logger = runner.logger
        return try runner.read("reading the oldest waiting job") { connection in
            try await connection.rows(sql, logger: logger).first?.decode(Int64?.self).map(Timestamp.init(nanoseconds:))
        }
    }

    private func select(_ clause: String, _ binds: PostgresBindings, _ what: @autoclosure () -> String) throws -> [Job]
    {
        let sql = "SELECT \(JobTables.columns) FROM \(tables.jobs) \(clause)"
        let logger = runner.logger
        return try runner.read(what()) { connection in
            try await connection.rows(sql, binds, logger: logger).map(JobTables.job(from:))
        }
    }
}

/// The job tables of one schema, and each operation as statements on a connection inside a
/// transaction.
struct JobTables: Sendable {
    let jobs: String
    let events: String
    let tokens: String
    let logger: Logger

    static let columns = """
        id, queue, payload, priority, not_before, attempts, state, lease_worker, lease_token, lease_expires,
        finished_at, dead_reason, last_error, enqueued_at
        """

    /// Checks and applies `operation` (``JobQueue`` on the jobs it locks) and writes the result.
    /// - Throws: ``JobQueueError`` for a refusal (nothing written); ``KeyedRetry`` when another
    ///   node enqueued the same id meanwhile.
    func apply(_ operation: JobOperation, policy: RetryPolicy, _ connection: PostgresConnection) async throws
        -> JobOutcome
    {
        switch operation {
        case .enqueue(let id, let queue, let payload, let priority, let notBefore, let now):
            var state = JobQueue(policy: policy, restoring: try await locked(id, connection), lastToken: 0)
            let event = try state.enqueue(
                id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now)
            try await write(state.jobs[id]!, new: true, [event], connection)
            return .done
        case .dequeue(let limit, let worker, let now, let leaseDuration, let queues):
            try await expire(now: now, policy: policy, connection)
            var filter = ""
            var binds = PostgresBindings()
            binds.append(now.nanoseconds)
            binds.append(Int64(max(0, limit)))
            if let queues {
                filter = "AND queue = ANY($3)"
                binds.append(queues.sorted())
            }
            let ready = try await connection.rows(
                """
                SELECT \(Self.columns) FROM \(jobs) WHERE state = 'ready' AND not_before <= $1 \(filter)
                ORDER BY priority DESC, not_before, id LIMIT $2 FOR UPDATE SKIP LOCKED
                """, binds, logger: logger
            ).map(Self.job(from:))
            var leased: [LeasedJob] = []
            for job in ready {
                let token = try await nextToken(connection)
                var state = JobQueue(policy: policy, restoring: [job], lastToken: token - 1)
                let events = state.dequeue(limit: 1, worker: worker, now: now, leaseDuration: leaseDuration)
                guard let after = state.jobs[job.id], case .leased(let lease) = after.state else { continue }
                try await write(after, new: false, events, connection)
                leased.append(LeasedJob(job: after, lease: lease))
            }
            return .leased(leased)
        case .heartbeat(let id, let token, let now, let extendBy):
            try await change(id, policy, connection) {
                try $0.heartbeat(id: id, token: token, now: now, extendBy: extendBy)
            }
        case .complete(let id, let token, let now):
            try await change(id, policy, connection) { try $0.complete(id: id, token: token, now: now) }
        case .fail(let id, let token, let now, let error):
            try await change(id, policy, connection) { try $0.fail(id: id, token: token, now: now, error: error) }
        case .requeue(let id, let now):
            try await change(id, policy, connection) { try $0.requeue(id: id, now: now) }
        case .expireLeases(let now):
            try await expire(now: now, policy: policy, connection)
        }
        return .done
    }

    /// Job `id` locked, as a one-element array (empty when there is none).
    private func locked(_ id: Int64, _ connection: PostgresConnection) async throws -> [Job] {
        var binds = PostgresBindings()
        binds.append(id)
        return try await connection.rows(
            "SELECT \(Self.columns) FROM \(jobs) WHERE id = $1 FOR UPDATE", binds, logger: logger
        ).map(Self.job(from:))
    }

    /// Locks job `id`, applies `operation` to a queue holding it alone, writes the outcome.
    private func change(
        _ id: Int64, _ policy: RetryPolicy, _ connection: PostgresConnection,
        _ operation: (inout JobQueue) throws -> JobEvent
    ) async throws {
        var state = JobQueue(policy: policy, restoring: try await locked(id, connection), lastToken: 0)
        let event = try operation(&state)
        try await write(state.jobs[id]!, new: false, [event], connection)
    }

    /// Returns the leases that expired by `now` (and that no other transaction holds) to the
    /// queue, or to the dead letters.
    private func expire(now: Timestamp, policy: RetryPolicy, _ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(now.nanoseconds)
        let expired = try await connection.rows(
            """
            SELECT \(Self.columns) FROM \(jobs) WHERE state = 'leased' AND lease_expires <= $1
            ORDER BY lease_expires, lease_token FOR UPDATE SKIP LOCKED
            """, binds, logger: logger
        ).map(Self.job(from:))
        guard !expired.isEmpty else { return }
        var state = JobQueue(policy: policy, restoring: expired, lastToken: 0)
        for event in state.expireLeases(now: now) {
            guard let id = event.jobID, let job = state.jobs[id] else { continue }
            try await write(job, new: false, [event], connection)
        }
    }

    private func nextToken(_ connection: PostgresConnection) async throws -> Int64 {
        guard let row = try await connection.rows("SELECT nextval('\(tokens)')", logger: logger).first else {
            throw StrataError(.io, "the lease token sequence answered nothing")
        }
        return try row.decode(Int64.self)
    }

    /// Writes `job`'s row (inserted when `new`) and `events`.
    private func write(_ job: Job, new: Bool, _ logged: [JobEvent], _ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(job.id)
        binds.append(job.queue)
        binds.append(job.payload)
        binds.append(Int64(job.priority))
        binds.append(job.notBefore.nanoseconds)
        binds.append(Int32(clamping: job.attempts))
        var lease: Lease?
        var finished: Timestamp?
        var reason: String?
        let state: String
        switch job.state {
        case .ready: state = "ready"
        case .leased(let held):
            state = "leased"
            lease = held
        case .completed(let at):
            state = "completed"
            finished = at
        case .dead(let at, let why):
            state = "dead"
            finished = at
            reason = why
        }
        binds.append(state)
        binds.append(lease?.worker)
        binds.append(lease?.token)
        binds.append(lease?.expires.nanoseconds)
        binds.append(finished?.nanoseconds)
        binds.append(reason)
        binds.append(job.lastError)
        binds.append(job.enqueuedAt.nanoseconds)
        if new {
            let inserted = try await connection.rows(
                """
                INSERT INTO \(jobs) (\(Self.columns))
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, binds, logger: logger)
            if inserted.isEmpty { throw KeyedRetry() }
        } else {
            try await connection.execute(
                """
                UPDATE \(jobs) SET queue = $2, payload = $3, priority = $4, not_before = $5, attempts = $6,
                    state = $7, lease_worker = $8, lease_token = $9, lease_expires = $10, finished_at = $11,
                    dead_reason = $12, last_error = $13, enqueued_at = $14
                WHERE id = $1
                """, binds, logger: logger)
        }
        for event in logged {
            try await connection.execute(
                """
                INSERT INTO \(events) (job_id, queue, ts, event, payload, priority, not_before, worker, token,
                    expires, error, retry_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """, Self.eventBinds(event, queue: job.queue), logger: logger)
        }
    }

    /// A job event as a row of `strata_job_events` (the columns of the engine's `job_events`).
    static func eventBinds(_ event: JobEvent, queue: String) -> PostgresBindings {
        var (time, kind) = (Timestamp(nanoseconds: 0), "")
        var (payload, worker, error): (String?, String?, String?) = (nil, nil, nil)
        var (priority, token): (Int64?, Int64?) = (nil, nil)
        var (notBefore, expires, retryAt): (Timestamp?, Timestamp?, Timestamp?) = (nil, nil, nil)
        switch event {
        case .enqueued(let job):
            (time, kind, payload, priority, notBefore) =
                (job.enqueuedAt, "enqueued", job.payload, Int64(job.priority), job.notBefore)
        case .leased(_, let lease, let at):
            (time, kind, worker, token, expires) = (at, "leased", lease.worker, lease.token, lease.expires)
        case .extended(_, let held, let until, let at): (time, kind, token, expires) = (at, "extended", held, until)
        case .completed(_, let held, let at): (time, kind, token) = (at, "completed", held)
        case .failed(_, let held, let at, let message, let retry):
            (time, kind, token, error, retryAt) = (at, "failed", held, message, retry)
        case .expired(_, let held, let at, let retry): (time, kind, token, retryAt) = (at, "expired", held, retry)
        case .requeued(_, let at): (time, kind) = (at, "requeued")
        }
        var binds = PostgresBindings()
        binds.append(event.jobID ?? 0)
        binds.append(queue)
        binds.append(time.nanoseconds)
        binds.append(kind)
        binds.append(payload)
        binds.append(priority)
        binds.append(notBefore?.nanoseconds)
        binds.append(worker)
        binds.append(token)
        binds.append(expires?.nanoseconds)
        binds.append(error)
        binds.append(retryAt?.nanoseconds)
        return binds
    }

    /// The job a row of `strata_jobs` holds.
    static func job(from row: PostgresRow) throws -> Job {
        let cells = PostgresRandomAccessRow(row)
        let id: Int64 = try cells.value("id")
        var job = Job(
            id: id, queue: try cells.value("queue"), payload: try cells.value("payload"),
            priority: Int(clamping: try cells.value("priority", as: Int64.self)),
            notBefore: Timestamp(nanoseconds: try cells.value("not_before")),
            enqueuedAt: Timestamp(nanoseconds: try cells.value("enqueued_at")))
        job.attempts = Int(try cells.value("attempts", as: Int32.self))
        job.lastError = try cells.value("last_error")
        let finished = try cells.value("finished_at", as: Int64?.self).map(Timestamp.init(nanoseconds:))
        let state: String = try cells.value("state")
        switch state {
        case "ready": job.state = .ready
        case "leased":
            guard let worker = try cells.value("lease_worker", as: String?.self),
                let token = try cells.value("lease_token", as: Int64?.self),
                let expires = try cells.value("lease_expires", as: Int64?.self)
            else { throw StrataError(.corruptFile, "strata_jobs: job \(id) is leased without a lease") }
            job.state = .leased(Lease(worker: worker, token: token, expires: Timestamp(nanoseconds: expires)))
        case "completed" where finished != nil: job.state = .completed(at: finished!)
        case "dead" where finished != nil:
            job.state = .dead(at: finished!, reason: try cells.value("dead_reason", as: String?.self) ?? "")
        default: throw StrataError(.corruptFile, "strata_jobs: job \(id) is in state '\(state)'")
        }
        return job
    }
}
