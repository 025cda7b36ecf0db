import Foundation
import Strata
import StrataCrashSupport
import StrataTestSupport
import Testing

/// The records crash campaign (issue 9): a real writer process (`StrataCrashWriter … records`)
/// performs random order operations (saves, fills, cancels, amends, removes) and job-queue
/// operations (enqueue, dequeue with a lease, heartbeat, complete, fail, expiry, requeue), alone
/// or in groups (`perform(_:)`, one append), reporting each group before (`try`) and after
/// (`ack`) it runs; it is SIGKILLed after a random number of acknowledgements, mostly in the
/// middle of the next group. After every kill the store is reopened and must equal the
/// acknowledged operations replayed on the reference models (`OrderRegistry`, `JobQueue`) — or
/// those plus the group in flight, whole — in state and in event history (`seq` 1…n, nothing
/// missing, nothing more). Alternate cycles run under fsync and under group commit.
///
/// `STRATA_RECORDS_CRASH_KILLS` sets the kills (default 60).
@Suite(.heavy, .serialized) struct RecordsCrashTests {
    static let kills = ProcessInfo.processInfo.environment["STRATA_RECORDS_CRASH_KILLS"].flatMap(Int.init) ?? 60

    @Test func ordersAndJobsAfterSIGKILLAreTheAcknowledgedOperations() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: CrashTests.writerPath),
            "build the StrataCrashWriter product first")
        let figures = try await RecordsCrashCampaign(kills: Self.kills, writerPath: CrashTests.writerPath).run()
        print(figures)
        #expect(figures.problems.isEmpty, "\(figures)\n\(figures.problems.joined(separator: "\n"))")
        #expect(figures.kills == Self.kills)
        #expect(figures.acknowledgedGroups >= Self.kills, "the writer made too little progress: \(figures)")
        // Most kills land inside a group (the writer goes straight on after an ack), and the
        // campaign reaches the interesting paths: refusals, groups, expiries, dead letters.
        #expect(figures.killsInFlight >= Self.kills / 2, "\(figures)")
        #expect(figures.refused > 0 && figures.groups > 0 && figures.expired > 0, "\(figures)")
        #expect(figures.completed > 0 && figures.filled > 0, "\(figures)")
    }
}

/// The reference models, fed the acknowledged groups.
struct RecordsModel {
    var orders = OrderRegistry()
    var jobs = JobQueue(policy: RecordsCrashWorkload.policy)
    var orderEvents: [OrderEvent] = []
    var jobEvents: [JobEvent] = []

    /// Applies `group`; returns per operation `ok` or the error kind (as the writer reports them).
    mutating func apply(_ group: [RecordsOperation]) -> [String] {
        group.map { (operation) -> String in
            do {
                switch operation {
                case .order(.save(let order)): orderEvents.append(try orders.save(order))
                case .order(.update(let id, let change, let at)):
                    orderEvents.append(try orders.update(id: id, change, at: at))
                case .order(.remove(let id, let at)): orderEvents.append(try orders.remove(id: id, at: at))
                case .job(.enqueue(let id, let queue, let payload, let priority, let notBefore, let now)):
                    jobEvents.append(
                        try jobs.enqueue(
                            id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now))
                case .job(.dequeue(let limit, let worker, let now, let duration, let queues)):
                    jobEvents += jobs.dequeue(
                        limit: limit, worker: worker, now: now, leaseDuration: duration, queues: queues)
                case .job(.heartbeat(let id, let token, let now, let extendBy)):
                    jobEvents.append(try jobs.heartbeat(id: id, token: token, now: now, extendBy: extendBy))
                case .job(.complete(let id, let token, let now)):
                    jobEvents.append(try jobs.complete(id: id, token: token, now: now))
                case .job(.fail(let id, let token, let now, let error)):
                    jobEvents.append(try jobs.fail(id: id, token: token, now: now, error: error))
                case .job(.requeue(let id, let now)): jobEvents.append(try jobs.requeue(id: id, now: now))
                case .job(.expireLeases(let now)): jobEvents += jobs.expireLeases(now: now)
                }
                return "ok"
            } catch let error as OrderError {
                return error.kind.rawValue
            } catch let error as JobQueueError {
                return error.kind.rawValue
            } catch {
                return "\(error)"
            }
        }
    }
}

/// What the records campaign did and found.
struct RecordsCampaignFigures: CustomStringConvertible {
    var kills = 0
    /// Kills that came after a `try` with no `ack`: inside a group.
    var killsInFlight = 0
    /// In-flight groups found stored (whole) after the restart, and found absent.
    var inFlightStored = 0
    var inFlightAbsent = 0
    var acknowledgedGroups = 0
    /// Groups of several operations (one append each).
    var groups = 0
    var operations = 0
    var refused = 0
    var orderEvents = 0
    var jobEvents = 0
    var filled = 0
    var completed = 0
    var expired = 0
    var dead = 0
    var seconds = 0.0
    var problems: [String] = []

    var description: String {
        "records crash campaign: \(kills) kills (\(killsInFlight) inside a group: \(inFlightStored) found stored, \(inFlightAbsent) absent), "
            + "\(acknowledgedGroups) groups acknowledged (\(groups) of several operations), \(operations) operations "
            + "(\(refused) refused), \(orderEvents) order events, \(jobEvents) job events; orders filled \(filled); "
            + "jobs completed \(completed), lease expiries \(expired), dead letters \(dead); "
            + String(format: "%.1f s", seconds)
    }

    mutating func problem(_ text: String) { if problems.count < 12 { problems.append(text) } }
}

/// Runs the writer, kills it, and checks the reopened store against the models, `kills` times.
struct RecordsCrashCampaign {
    let kills: Int
    let writerPath: String

    func run() async throws -> RecordsCampaignFigures {
        let started = Date()
        var figures = RecordsCampaignFigures()
        let directory = NSTemporaryDirectory() + "strata-records-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var model = RecordsModel()
        var nextStep = 0
        var random = SystemRandomNumberGenerator()
        for cycle in 0..<kills {
            let durability = cycle % 2 == 0 ? "group" : "fsync"
            let writer = try WriterProcess(
                path: writerPath, arguments: [directory, "records", String(nextStep), durability])
            let target = Int.random(in: 1...25, using: &random)
            _ = try await writer.wait(seconds: 30) { lines in lines.lazy.filter { $0.hasPrefix("ack ") }.count >= target
            }
            if Bool.random(using: &random) {
                try await Task.sleep(nanoseconds: UInt64.random(in: 0...2_000_000, using: &random))
            }
            guard writer.kill() else {
                figures.problem("cycle \(cycle): the writer exited by itself: \(writer.errorText)")
                break
            }
            figures.kills += 1

            // Replay what the writer acknowledged; keep the group in flight aside.
            var pending: (step: Int, group: [RecordsOperation])?
            for line in writer.lines {
                if line.hasPrefix("try ") {
                    let rest = line.dropFirst(4)
                    guard let space = rest.firstIndex(of: " "), let step = Int(rest[..<space]),
                        let group = RecordsCrashWorkload.decodeGroup(rest[rest.index(after: space)...])
                    else {
                        figures.problem("cycle \(cycle): unreadable line \(line)")
                        continue
                    }
                    if pending != nil { figures.problem("cycle \(cycle): a try without its ack before \(line)") }
                    pending = (step, group)
                    nextStep = step + 1
                } else if line.hasPrefix("ack ") {
                    let words = line.split(separator: " ").dropFirst()
                    guard let current = pending, words.first.flatMap({ Int($0) }) == current.step else {
                        figures.problem("cycle \(cycle): an ack of no pending group: \(line)")
                        continue
                    }
                    let reported = words.dropFirst().map(String.init)
                    let outcomes = model.apply(current.group)
                    if outcomes != reported {
                        figures.problem(
                            "cycle \(cycle): step \(current.step) acknowledged \(reported), the models say \(outcomes)")
                    }
                    figures.acknowledgedGroups += 1
                    figures.operations += current.group.count
                    figures.refused += outcomes.filter { $0 != "ok" }.count
                    if current.group.count > 1 { figures.groups += 1 }
                    pending = nil
                }
            }
            if let pending {
                figures.killsInFlight += 1
                // The group in flight is stored whole or not at all.
                var withIt = model
                _ = withIt.apply(pending.group)
                let stored = try await compare(directory, model, cycle: cycle)
                if stored == nil {
                    figures.inFlightAbsent += 1
                } else if try await compare(directory, withIt, cycle: cycle) == nil {
                    figures.inFlightStored += 1
                    model = withIt
                } else {
                    figures.problem(
                        "cycle \(cycle): the store is neither the acknowledged operations nor those and step \(pending.step): \(stored!)"
                    )
                }
            } else if let difference = try await compare(directory, model, cycle: cycle) {
                figures.problem("cycle \(cycle): \(difference)")
            }
            if figures.problems.count >= 12 { break }
        }
        // A completed job never ran again.
        var completedJobs = Set<Int64>()
        for event in model.jobEvents {
            switch event {
            case .completed(let id, _, _): completedJobs.insert(id)
            case .leased(let id, _, _) where completedJobs.contains(id):
                figures.problem("job \(id) was leased after it completed")
            default: break
            }
        }
        figures.orderEvents = model.orderEvents.count
        figures.jobEvents = model.jobEvents.count
        figures.filled = model.orders.orders(status: .filled).count
        figures.completed = model.jobs.counts.completed
        figures.dead = model.jobs.counts.dead
        figures.expired = model.jobEvents.filter { if case .expired = $0 { true } else { false } }.count
        figures.seconds = Date().timeIntervalSince(started)
        return figures
    }

    /// Opens the store as a restart would and compares it with `model`.
    /// - Returns: nil if they agree, else the first difference.
    private func compare(_ directory: String, _ model: RecordsModel, cycle: Int) async throws -> String? {
        let store = try StrataStore.open(
            directory: directory, configuration: RecordsCrashWorkload.configuration(durability: "group"))
        defer { try? store.close() }
        if !store.recovery.damagedFiles.isEmpty { return "damaged files: \(store.recovery.damagedFiles)" }
        let orderTable = try #require(store.table(named: OrderStore.eventSchema.name))
        let jobTable = try #require(store.table(named: JobStore.eventSchema.name))
        let orders = try OrderStore(table: orderTable)
        let jobs = try JobStore(table: jobTable, policy: RecordsCrashWorkload.policy)
        if try orders.all != model.orders.all {
            let stored = try Dictionary(uniqueKeysWithValues: orders.all.map { ($0.id, $0) })
            let expected = Dictionary(uniqueKeysWithValues: model.orders.all.map { ($0.id, $0) })
            let id = Set(stored.keys).union(expected.keys).sorted().first { stored[$0] != expected[$0] }
            return
                "order \(id ?? -1): stored \(String(describing: id.flatMap { stored[$0] })), acknowledged \(String(describing: id.flatMap { expected[$0] }))"
        }
        if try jobs.jobs != model.jobs.jobs {
            let stored = try jobs.jobs
            let id = Set(stored.keys).union(model.jobs.jobs.keys).sorted().first { stored[$0] != model.jobs.jobs[$0] }
            return
                "job \(id ?? -1): stored \(String(describing: id.flatMap { stored[$0] })), acknowledged \(String(describing: id.flatMap { model.jobs.jobs[$0] }))"
        }
        let orderEvents = try await Self.events(orderTable)
        if let problem = Self.sequenceProblem(orderEvents, "order_events") { return problem }
        let storedOrderEvents = orderEvents.map { OrderRegistry.event(from: $0.row) }
        if storedOrderEvents != model.orderEvents.map(Optional.some) {
            return "order events differ: \(storedOrderEvents.count) stored, \(model.orderEvents.count) acknowledged"
        }
        let jobEvents = try await Self.events(jobTable)
        if let problem = Self.sequenceProblem(jobEvents, "job_events") { return problem }
        let storedJobEvents = jobEvents.map { JobQueue.event(from: $0.row) }
        if storedJobEvents != model.jobEvents.map(Optional.some) {
            return "job events differ: \(storedJobEvents.count) stored, \(model.jobEvents.count) acknowledged"
        }
        return nil
    }

    /// Every row of `table`, by `seq`.
    static func events(_ table: DynamicTable) async throws -> [(seq: Int64, row: Row)] {
        var rows: [(seq: Int64, row: Row)] = []
        for symbol in table.symbols() {
            var cursor: RangeCursor?
            repeat {
                let page = try await table.range(symbol: symbol, from: .min, to: .max, limit: 10_000, after: cursor)
                for row in page.rows {
                    guard case .integer(let seq)? = row["seq"] else { continue }
                    rows.append((seq, row))
                }
                cursor = page.next
            } while cursor != nil
        }
        return rows.sorted { $0.seq < $1.seq }
    }

    /// The event numbers must be 1…n: none missing, none twice.
    static func sequenceProblem(_ rows: [(seq: Int64, row: Row)], _ name: String) -> String? {
        for (index, row) in rows.enumerated() where row.seq != Int64(index + 1) {
            return "\(name): event \(index + 1) has seq \(row.seq)"
        }
        return nil
    }
}
