import Strata
import StrataTestSupport
import Testing

/// The durable job queue: workers that crash (their leases expire) and stores closed and reopened
/// in the middle lose no job and run no completed job again; the reopened queue equals the one
/// closed.
@Suite struct JobStoreTests {
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil, tables: [JobStore.eventSchema])
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)
    static let policy = RetryPolicy(maxAttempts: 3, baseDelay: 100_000_000, maximumDelay: 1_000_000_000)

    static func open(_ directory: String) throws -> (StrataStore, JobStore) {
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        return (store, try JobStore(table: try #require(store.table(named: "job_events")), policy: policy))
    }

    @Test(arguments: 1...3) func reopenedQueuesLoseNoJobAndRunNoneTwice(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-jobs")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var (store, jobs) = try Self.open(directory)
        var now = Self.t0
        var nextID: Int64 = 1
        var held: [Int64: Lease] = [:]
        var completions: [Int64: Int] = [:]
        let lease: Int64 = 2_000_000_000
        for step in 0..<300 {
            now = now.advanced(by: Int64(roll(400)) * 1_000_000)
            if step % 60 == 59 {
                let before = try jobs.jobs
                try store.close()
                (store, jobs) = try Self.open(directory)
                #expect(try jobs.jobs == before, "reopened at step \(step)")
                held = [:]  // the workers died with the process
            }
            switch roll(8) {
            case 0, 1, 2:
                try jobs.enqueue(
                    id: nextID, queue: roll(2) == 0 ? "settle" : "report", payload: #"{"n":\#(nextID)}"#,
                    priority: roll(3), notBefore: now, now: now)
                nextID += 1
            case 3, 4:
                for (job, granted) in try jobs.dequeue(
                    limit: 1 + roll(3), worker: "w\(roll(3))", now: now, leaseDuration: lease)
                {
                    #expect(held[job.id].map { $0.expires <= now } ?? true, "job \(job.id) leased twice")
                    held[job.id] = granted
                }
            case 5, 6:
                guard let (id, granted) = held.randomElement(using: &random) else { continue }
                held[id] = nil
                do {
                    if roll(4) == 0 {
                        try jobs.fail(id: id, token: granted.token, now: now, error: "transient")
                    } else {
                        try jobs.complete(id: id, token: granted.token, now: now)
                        completions[id, default: 0] += 1
                    }
                } catch let error as JobQueueError {
                    #expect(error.kind == .leaseLost || error.kind == .alreadyCompleted)
                }
            default:
                let worker = "w\(roll(3))"
                held = held.filter { $0.value.worker != worker }
            }
        }
        try store.close()
        (store, jobs) = try Self.open(directory)
        for _ in 0..<1_000 {
            now = now.advanced(by: 1_000_000_000)
            for letter in try jobs.deadLetters { try jobs.requeue(id: letter.id, now: now) }
            for (job, granted) in try jobs.dequeue(limit: 50, worker: "drain", now: now, leaseDuration: lease) {
                try jobs.complete(id: job.id, token: granted.token, now: now)
                completions[job.id, default: 0] += 1
            }
            if try jobs.counts.completed == jobs.jobs.count { break }
        }
        #expect(try jobs.jobs.count == Int(nextID - 1), "no job lost")
        #expect(try completions.count == jobs.jobs.count && completions.values.allSatisfy { $0 == 1 })
        try store.close()
    }
}
