import StrataCore
import Testing

@Suite struct JobQueueTests {
    static let t0 = Timestamp(nanoseconds: 1_700_000_000_000_000_000)
    static let second = Timestamp.nanosecondsPerSecond

    static func at(_ seconds: Int64) -> Timestamp { t0.advanced(by: seconds * second) }

    @Test func jobsAreServedByPriorityThenTimeThenIDAndNotBeforeTheirTime() throws {
        var queue = JobQueue()
        _ = try queue.enqueue(id: 3, queue: "mail", payload: "{}", notBefore: Self.at(0), now: Self.at(0))
        _ = try queue.enqueue(id: 1, queue: "mail", payload: "{}", notBefore: Self.at(0), now: Self.at(0))
        _ = try queue.enqueue(id: 2, queue: "mail", payload: "{}", priority: 5, notBefore: Self.at(0), now: Self.at(0))
        _ = try queue.enqueue(id: 4, queue: "mail", payload: "{}", priority: 9, notBefore: Self.at(60), now: Self.at(0))
        _ = try queue.enqueue(id: 5, queue: "fills", payload: "{}", priority: 9, notBefore: Self.at(0), now: Self.at(0))
        let hour = 3_600 * Self.second
        let mail = queue.dequeue(limit: 10, worker: "w", now: Self.at(1), leaseDuration: hour, queues: ["mail"])
        #expect(mail.compactMap(\.jobID) == [2, 1, 3])
        #expect(queue.dequeue(limit: 10, worker: "w", now: Self.at(2), leaseDuration: hour).compactMap(\.jobID) == [5])
        #expect(queue.dequeue(limit: 10, worker: "w", now: Self.at(59), leaseDuration: hour).isEmpty)
        #expect(queue.dequeue(limit: 1, worker: "w", now: Self.at(60), leaseDuration: hour).compactMap(\.jobID) == [4])
        #expect {
            try queue.enqueue(id: 4, queue: "mail", payload: "{}", notBefore: Self.at(0), now: Self.at(0))
        } throws: { ($0 as? JobQueueError)?.kind == .duplicateJob }
    }

    @Test func onlyTheLiveLeaseMayFinishAJobAndACompletedJobNeverRunsAgain() throws {
        var queue = JobQueue()
        _ = try queue.enqueue(id: 7, queue: "q", payload: "x", notBefore: Self.at(0), now: Self.at(0))
        guard
            case .leased(_, let first, _) = queue.dequeue(
                limit: 1, worker: "a", now: Self.at(0), leaseDuration: 10 * Self.second
            ).first
        else { Issue.record("no lease"); return }
        // A heartbeat keeps it; an unknown token and a late one are refused.
        _ = try queue.heartbeat(id: 7, token: first.token, now: Self.at(9), extendBy: 10 * Self.second)
        #expect(queue.expireLeases(now: Self.at(15)).isEmpty)
        #expect { try queue.complete(id: 7, token: first.token + 1, now: Self.at(16)) } throws: {
            ($0 as? JobQueueError)?.kind == .leaseLost
        }
        #expect { try queue.complete(id: 7, token: first.token, now: Self.at(19)) } throws: {
            ($0 as? JobQueueError)?.kind == .leaseLost
        }
        // Expired: back in the queue; the old holder cannot complete it, the new one can.
        let expired = queue.dequeue(limit: 1, worker: "b", now: Self.at(20), leaseDuration: 10 * Self.second)
        #expect(expired.count == 1, "the expired lease is not ready before its backoff")
        guard case .expired(7, first.token, _, let retryAt?) = expired.first else {
            Issue.record("expected an expiry, got \(expired)")
            return
        }
        #expect(retryAt == Self.at(21))
        guard
            case .leased(_, let second, _) = queue.dequeue(
                limit: 1, worker: "b", now: Self.at(21), leaseDuration: 10 * Self.second
            ).first
        else { Issue.record("no second lease"); return }
        #expect(second.token > first.token && second.worker == "b")
        #expect { try queue.complete(id: 7, token: first.token, now: Self.at(22)) } throws: {
            ($0 as? JobQueueError)?.kind == .leaseLost
        }
        _ = try queue.complete(id: 7, token: second.token, now: Self.at(22))
        #expect { try queue.complete(id: 7, token: second.token, now: Self.at(23)) } throws: {
            ($0 as? JobQueueError)?.kind == .alreadyCompleted
        }
        #expect(queue.dequeue(limit: 5, worker: "c", now: Self.at(10_000), leaseDuration: Self.second).isEmpty)
        #expect(queue.jobs[7]?.attempts == 2)
    }

    @Test func failuresBackOffExponentiallyThenDeadLetterUntilRequeued() throws {
        var queue = JobQueue(policy: RetryPolicy(maxAttempts: 4, baseDelay: Self.second, maximumDelay: 3 * Self.second))
        _ = try queue.enqueue(id: 1, queue: "q", payload: "x", notBefore: Self.at(0), now: Self.at(0))
        var now = Self.at(0)
        var retries: [Timestamp?] = []
        for _ in 0..<4 {
            guard
                case .leased(_, let lease, _) = queue.dequeue(
                    limit: 1, worker: "w", now: now, leaseDuration: 60 * Self.second
                ).first
            else { Issue.record("no lease at \(now)"); return }
            guard
                case .failed(_, _, _, _, let retryAt) = try queue.fail(
                    id: 1, token: lease.token, now: now, error: "boom")
            else { Issue.record("not a failure event"); return }
            retries.append(retryAt)
            now = retryAt ?? now
        }
        #expect(retries == [Self.at(1), Self.at(3), Self.at(6), nil])
        #expect(queue.deadLetters.map(\.id) == [1])
        #expect(queue.jobs[1]?.lastError == "boom")
        #expect(queue.dequeue(limit: 1, worker: "w", now: Self.at(1_000), leaseDuration: Self.second).isEmpty)
        #expect { try queue.requeue(id: 2, now: now) } throws: { ($0 as? JobQueueError)?.kind == .unknownJob }
        _ = try queue.requeue(id: 1, now: Self.at(1_000))
        #expect(queue.deadLetters.isEmpty && queue.jobs[1]?.attempts == 0)
        #expect(queue.dequeue(limit: 1, worker: "w", now: Self.at(1_000), leaseDuration: Self.second).count == 1)
        #expect { try queue.requeue(id: 1, now: Self.at(1_000)) } throws: { ($0 as? JobQueueError)?.kind == .notDead }
    }

    /// Random workloads with workers that crash (their leases expire), fail or finish, and
    /// replays of the event log at random points: the replayed queue equals the live one; no job
    /// is ever held by two live leases at once; every job completes exactly once, by the holder of
    /// its live lease; none is lost.
    @Test(arguments: 1...30) func crashingWorkersLoseNoJobAndRunNoCompletedJobTwice(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var queue = JobQueue(
            policy: RetryPolicy(maxAttempts: 3, baseDelay: Self.second / 10, maximumDelay: Self.second))
        var log: [JobEvent] = []
        var now = Self.at(0)
        var nextID: Int64 = 1
        var held: [Int64: Lease] = [:]  // what workers believe they hold
        var completions: [Int64: Int] = [:]
        let lease = 2 * Self.second

        func record(_ events: [JobEvent]) {
            for event in events {
                if case .leased(let id, let granted, let at) = event {
                    // Never two live leases: the job's previous lease (if any) ended.
                    if let previous = held[id] { #expect(previous.expires <= at, "job \(id) leased twice") }
                    held[id] = granted
                }
                log.append(event)
            }
        }

        for _ in 0..<400 {
            now = now.advanced(by: Int64(roll(500)) * 1_000_000)
            switch roll(10) {
            case 0, 1, 2:
                for _ in 0..<(1 + roll(4)) {
                    record([
                        try queue.enqueue(
                            id: nextID, queue: roll(2) == 0 ? "a" : "b", payload: "\(nextID)", priority: roll(3),
                            notBefore: now.advanced(by: Int64(roll(3)) * Self.second / 2), now: now)
                    ])
                    nextID += 1
                }
            case 3, 4, 5:
                record(queue.dequeue(limit: 1 + roll(3), worker: "w\(roll(4))", now: now, leaseDuration: lease))
            case 6, 7:
                // A worker finishes (or fails) one job it holds — possibly after its lease ran out.
                guard let (id, granted) = held.randomElement(using: &random) else { continue }
                held[id] = nil
                do {
                    if roll(4) == 0 {
                        record([try queue.fail(id: id, token: granted.token, now: now, error: "transient")])
                    } else {
                        record([try queue.complete(id: id, token: granted.token, now: now)])
                        completions[id, default: 0] += 1
                    }
                    #expect(now < granted.expires, "a late worker finished job \(id)")
                } catch let error {
                    #expect(error.kind == .leaseLost || error.kind == .alreadyCompleted)
                    #expect(now >= granted.expires || queue.jobs[id]?.state != .leased(granted))
                }
            case 8:
                // A worker crashes: it forgets its jobs; their leases expire.
                let worker = "w\(roll(4))"
                held = held.filter { $0.value.worker != worker }
            default:
                // Restart: the state is rebuilt from the log.
                var replayed = JobQueue(policy: queue.policy)
                for event in log { replayed.apply(event) }
                #expect(replayed.jobs == queue.jobs)
                #expect(replayed.lastToken == queue.lastToken)
                queue = replayed
            }
        }
        // Drain: everything left (dead letters requeued) completes exactly once.
        held = [:]
        for _ in 0..<10_000 {
            now = now.advanced(by: Self.second)
            for letter in queue.deadLetters { record([try queue.requeue(id: letter.id, now: now)]) }
            let events = queue.dequeue(limit: 100, worker: "drain", now: now, leaseDuration: lease)
            record(events)
            for case .leased(let id, let granted, _) in events {
                record([try queue.complete(id: id, token: granted.token, now: now)])
                completions[id, default: 0] += 1
            }
            if queue.counts.completed == queue.jobs.count { break }
        }
        #expect(queue.jobs.count == Int(nextID - 1), "no job lost")
        #expect(completions.count == queue.jobs.count && completions.values.allSatisfy { $0 == 1 })
        var replayed = JobQueue(policy: queue.policy)
        for event in log { replayed.apply(event) }
        #expect(replayed.jobs == queue.jobs)
    }
}
