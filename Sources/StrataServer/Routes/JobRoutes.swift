import Hummingbird
import Strata

/// The durable job queue (``StrataStore/jobs``); times are the server's clock:
/// - `POST /api/v1/jobs`: enqueue (201 with the job).
/// - `POST /api/v1/jobs/dequeue`: lease up to `limit` ready jobs (of `queue`: one name or
///   several) to `worker` for `lease_ms`; each job answered with its lease (the `token` every
///   later operation presents). Expired leases return to the queue first.
/// - `POST /api/v1/jobs/{id}/heartbeat` (extend by `extend_ms`), `complete`, `fail` (with
///   `error`: retried after the backoff, or a dead letter), `requeue` (a dead letter back in the
///   queue); each answers the job after it.
/// - `GET /api/v1/jobs/{id}`; `GET /api/v1/jobs` by `queue` and `state`; `GET /api/v1/jobs/dead`.
extension RecordRoutes {
    /// Longest lease or extension, in milliseconds (a day).
    static let maximumLeaseMilliseconds = 86_400_000
    /// A lease's length when the request does not say.
    static let defaultLeaseMilliseconds = 30_000
    /// Most jobs one dequeue leases.
    static let maximumDequeue = 1_000

    func registerJobs(on router: Router<StrataRequestContext>) {
        router.post("/api/v1/jobs") { request, context in
            await answer(context, status: .created) { () async throws -> JSON in
                let fields = try await object(request, known: ["id", "queue", "payload", "priority", "not_before"])
                let id = try fields.requiredInt64("id")
                let now = WallClock.now()
                let jobs = try store.jobs
                try jobs.enqueue(
                    id: id, queue: try fields.requiredString("queue"), payload: fields.jsonText("payload") ?? "",
                    priority: try fields.int("priority", default: 0, range: Int(Int32.min)...Int(Int32.max)),
                    notBefore: try fields.timestamp("not_before") ?? now, now: now)
                return try Self.job(id, in: jobs)
            }
        }
        router.post("/api/v1/jobs/dequeue") { request, context in
            await answer(context) { () async throws -> JSON in
                let fields = try await object(request, known: ["queue", "limit", "worker", "lease_ms"])
                let queues = try fields.strings("queue").map { Set($0) }
                let limit = try fields.int("limit", default: 1, range: 1...Self.maximumDequeue)
                let worker = try fields.requiredString("worker")
                let lease = try fields.int(
                    "lease_ms", default: Self.defaultLeaseMilliseconds, range: 1...Self.maximumLeaseMilliseconds)
                let leased = try store.jobs.dequeue(
                    limit: limit, worker: worker, now: WallClock.now(), leaseDuration: Int64(lease) * 1_000_000,
                    queues: queues)
                return .object([("count", .int(leased.count)), ("jobs", .array(leased.map { $0.job.json }))])
            }
        }
        router.post("/api/v1/jobs/{id}/heartbeat") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                let fields = try await object(request, known: ["token", "extend_ms"])
                let extend = try fields.int(
                    "extend_ms", default: Self.defaultLeaseMilliseconds, range: 1...Self.maximumLeaseMilliseconds)
                let jobs = try store.jobs
                try jobs.heartbeat(
                    id: id, token: try fields.requiredInt64("token"), now: WallClock.now(),
                    extendBy: Int64(extend) * 1_000_000)
                return try Self.job(id, in: jobs)
            }
        }
        router.post("/api/v1/jobs/{id}/complete") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                let fields = try await object(request, known: ["token"])
                let jobs = try store.jobs
                try jobs.complete(id: id, token: try fields.requiredInt64("token"), now: WallClock.now())
                return try Self.job(id, in: jobs)
            }
        }
        router.post("/api/v1/jobs/{id}/fail") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                let fields = try await object(request, known: ["token", "error"])
                let jobs = try store.jobs
                try jobs.fail(
                    id: id, token: try fields.requiredInt64("token"), now: WallClock.now(),
                    error: try fields.string("error") ?? "")
                return try Self.job(id, in: jobs)
            }
        }
        router.post("/api/v1/jobs/{id}/requeue") { request, context in
            await answer(context) { () async throws -> JSON in
                let id = try id(context)
                _ = try await object(request, known: [])
                let jobs = try store.jobs
                try jobs.requeue(id: id, now: WallClock.now())
                return try Self.job(id, in: jobs)
            }
        }
        router.get("/api/v1/jobs/{id}") { _, context in
            await answer(context) { () async throws -> JSON in try Self.job(try id(context), in: try store.jobs) }
        }
        router.get("/api/v1/jobs/dead") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let limit = try Self.limit(query)
                let queue = query.optional("queue")
                let dead = try store.jobs.deadLetters.filter { queue == nil || $0.queue == queue }
                return Self.list("jobs", dead.map(\.json), limit: limit)
            }
        }
        router.get("/api/v1/jobs") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let limit = try Self.limit(query)
                let queue = query.optional("queue")
                let state = query.optional("state")
                guard state == nil || Job.stateNames.contains(state!) else {
                    throw ParameterError(
                        parameter: "state",
                        message: "state: expected one of \(Job.stateNames.joined(separator: ", ")), got '\(state!)'")
                }
                let jobs = try store.jobs
                let counts = try jobs.counts
                let found = try jobs.jobs.values
                    .filter { (queue == nil || $0.queue == queue) && (state == nil || $0.stateName == state) }
                    .sorted { $0.id < $1.id }
                let totals: JSON = .object([
                    ("ready", .int(counts.ready)), ("leased", .int(counts.leased)), ("dead", .int(counts.dead)),
                    ("completed", .int(counts.completed)),
                ])
                return Self.list("jobs", found.map(\.json), limit: limit, extra: [("totals", totals)])
            }
        }
    }

    /// Job `id` as the API answers it.
    /// - Throws: ``JobQueueError`` `.unknownJob` (404); ``StrataError`` when the backend cannot answer.
    static func job(_ id: Int64, in jobs: JobStore) throws -> JSON {
        guard let job = try jobs.job(id: id) else { throw JobQueueError(.unknownJob, job: id, "no such job") }
        return job.json
    }
}

extension Job {
    /// The values of `state`.
    static let stateNames = ["ready", "leased", "completed", "dead"]

    /// `ready`, `leased`, `completed` or `dead`.
    var stateName: String {
        switch state {
        case .ready: "ready"
        case .leased: "leased"
        case .completed: "completed"
        case .dead: "dead"
        }
    }

    /// The job as the API answers it: its `payload` as the JSON it is (or a string), `state`, the
    /// live `lease` (`worker`, `token`, `expires`; null unless leased), when it completed or died
    /// and why (null otherwise), its attempts and last error.
    var json: JSON {
        var lease: JSON = .null
        var completed: Timestamp?
        var dead: (at: Timestamp, reason: String)?
        switch state {
        case .ready: break
        case .leased(let held):
            var members: [(String, JSON)] = [("worker", .string(held.worker)), ("token", .int(held.token))]
            members += RecordFields.time("expires", held.expires)
            lease = .object(members)
        case .completed(let at): completed = at
        case .dead(let at, let reason): dead = (at, reason)
        }
        var members: [(String, JSON)] = [
            ("id", .int(id)), ("queue", .string(queue)), ("payload", RecordFields.embedded(payload)),
            ("priority", .int(priority)), ("state", .string(stateName)), ("attempts", .int(attempts)),
            ("lease", lease), ("last_error", lastError.map { .string($0) } ?? .null),
        ]
        members += RecordFields.time("enqueued_at", enqueuedAt)
        members += RecordFields.time("not_before", notBefore)
        members += RecordFields.time("completed_at", completed)
        members += RecordFields.time("dead_at", dead?.at)
        members.append(("dead_reason", dead.map { .string($0.reason) } ?? .null))
        return .object(members)
    }
}
