import Foundation
import Strata
import StrataCore
import StrataRedis
import StrataRedisTier
import StrataTiers
import StrataWorkload
import Synchronization

/// TIERS (issue 11): the tiers in front of the engine, on the standard workload's trades, against
/// `redis-benchmark` on the same Redis in the same run. Only with `--only TIERS`.
///
/// 1. Write-through: `--tiers-rows` trades appended to the engine (group commit, as W1) in
///    10,000-row batches with the memory and Redis tiers fed from the table's replication log,
///    timed from the first append until both tiers hold the last row (the replicator caught
///    up); against `redis-benchmark -t zadd -c 1 -P 1000` (pipelined ZADDs, one connection, as
///    the replicator has). The engine alone, without tiers, is shown beside it.
/// 2. Latest-100 of the top symbol from Redis (`RedisTier.answerLatest`, as the composite reads:
///    one ZRANGE, the members decoded into rows), p50.
/// 3. Latest-100 from the memory tier (`MemoryTier.latest`), p50.
/// 4. Catch-up: trades appended at `--tiers-rate` rows/s while Redis is unreachable for
///    `--tiers-outage` seconds (the tier refuses every call, as a Redis down does: the breaker
///    opens, the backlog grows in the log); then Redis answers again while the ingest goes on at
///    the same rate, and the time until its backlog is drained is measured.
struct TiersWorkload {
    let report: Report
    let directory: String

    static let keyPrefix = "strata-bench:"
    static let redisLatestTarget: Int64 = 200_000
    static let memoryLatestTarget: Int64 = 5_000
    static let writeThroughTarget = 1_000_000.0

    func run(options: Options) async throws {
        report.section(
            "TIERS: engine + memory + Redis write-through of \(formatCount(options.tiersRows)) trades; latest-100; catch-up after a \(options.tiersOutageSeconds) s outage (\(options.redisURL))"
        )
        try await withRedisClient(url: options.redisURL, poolSize: 2) { client, configuration in
            try await measure(client: client, redis: configuration, options: options)
        }
    }

    private func clear(_ client: RedisClient) async throws {
        _ = try await client.send([
            "EVAL",
            "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end return 0",
            "0", .string(Self.keyPrefix + "*"),
        ])
    }

    private func measure(client: RedisClient, redis: RedisConfiguration, options: Options) async throws {
        let dataset = Dataset(configuration: .init(rows: options.tiersRows, seed: options.seed))
        let schema = RecordSchema.trades

        // The engine alone, for scale.
        let alone = try await ingest(dataset, into: directory + "/alone", tiers: nil)
        report.add(
            "TIERS engine alone (no tiers)", formatRate(Double(dataset.rows) / (Double(alone.nanoseconds) / 1e9)))

        // 1. Write-through.
        try await clear(client)
        let redisTier = try RedisTier(
            client: client, configuration: .init(tables: [(schema, 1_000)], keyPrefix: Self.keyPrefix))
        let memory = try MemoryTier(tables: [.init(schema: schema, capacity: 1_000)])
        let through = try await ingest(
            dataset, into: directory + "/through", tiers: [memory, redisTier], maxRowsPerBatch: options.tiersBatch)
        let ours = Double(dataset.rows) / (Double(through.nanoseconds) / 1e9)
        let applied = try await redisTier.appliedPosition(table: schema.name)
        if applied != through.lastPosition {
            report.fail("TIERS: Redis holds through position \(applied), the log ends at \(through.lastPosition)")
        }
        let peer = try redisBenchmark(url: redis, test: "zadd", requests: dataset.rows, pipeline: 1000).rps
        report.add(
            "TIERS write-through engine + memory + Redis", formatRate(ours), target: "≥ 1 M rows/s",
            pass: ours >= Self.writeThroughTarget)
        report.line(
            "appends took \(formatDuration(through.appendNanoseconds)), the tiers held the last row \(formatDuration(through.nanoseconds - through.appendNanoseconds)) later"
        )
        report.add("TIERS redis-benchmark ZADD -c 1 -P 1000", formatRate(peer, unit: "ZADD/s"))
        report.add("TIERS write-through ÷ redis-benchmark ZADD", fixed(ours / peer, 2) + "×")

        // 2 and 3. Latest-100.
        let symbol = dataset.w2Symbol.name
        var redisSamples: [Int64] = []
        for index in 0..<10_500 {
            let start = monotonicNanoseconds()
            let rows = try await redisTier.answerLatest(table: schema.name, symbol: symbol, limit: 100)
            let elapsed = monotonicNanoseconds() - start
            guard rows?.count == 100 else {
                report.fail("TIERS: Redis answered \(rows?.count ?? -1) rows for latest-100")
                return
            }
            if index >= 500 { redisSamples.append(elapsed) }
        }
        let redisLatest = Samples(nanoseconds: redisSamples)
        report.add(
            "TIERS latest-100 from Redis p50", formatDuration(redisLatest.median), target: "≤ 200 µs",
            pass: redisLatest.median <= Self.redisLatestTarget)
        report.line("Redis latest-100: \(redisLatest.summary)")
        var memorySamples: [Int64] = []
        var held = 0
        for index in 0..<101_000 {
            let start = monotonicNanoseconds()
            let rows = memory.latest(table: schema.name, symbol: symbol, limit: 100)
            let elapsed = monotonicNanoseconds() - start
            held &+= rows?.count ?? 0
            if index >= 1_000 { memorySamples.append(elapsed) }
        }
        if held != 101_000 * 100 { report.fail("TIERS: the memory tier did not answer every latest-100") }
        let memoryLatest = Samples(nanoseconds: memorySamples)
        report.add(
            "TIERS latest-100 from the memory tier p50", formatDuration(memoryLatest.median), target: "≤ 5 µs",
            pass: memoryLatest.median <= Self.memoryLatestTarget)
        report.line("memory latest-100: \(memoryLatest.summary)")

        // 4. Catch-up after an outage.
        try await clear(client)
        try await catchUp(client: client, options: options)
        try await clear(client)
    }

    struct Ingest {
        var nanoseconds: Int64
        var appendNanoseconds: Int64
        var lastPosition: UInt64
    }

    /// Appends the dataset (group commit, 10,000-row batches) with `tiers` fed from the log, and
    /// returns the time until the last append returned and until the tiers held everything.
    private func ingest(
        _ dataset: Dataset, into path: String, tiers: [any ReplicaTier]?, maxRowsPerBatch: Int = 10_000
    ) async throws -> Ingest {
        try makeEmptyDirectory(path)
        let store = try StrataStore.open(
            directory: path + "/data",
            configuration: .init(durability: .groupCommit(milliseconds: 10), validation: .standard))
        defer { try? store.close() }
        var replicator: Replicator?
        var running: Task<Void, Never>?
        if let tiers {
            let log = try CommitLog(
                configuration: .init(
                    directory: path + "/log", textLanes: Replicator.textLanes(of: .trades), syncEachAppend: false))
            let made = try Replicator(
                configuration: .init(
                    table: "trades", cursorDirectory: path + "/cursors", maxRowsPerBatch: maxRowsPerBatch),
                log: log, tiers: tiers)
            guard let table = store.table(named: "trades") else {
                throw StrataError(.invalidArgument, "no trades table")
            }
            try made.attach(to: table)
            replicator = made
            running = made.start()
        }
        let start = monotonicNanoseconds()
        for batch in dataset.batches { _ = try await store.trades.append(batch) }
        let appended = monotonicNanoseconds() - start
        var last: UInt64 = 0
        if let replicator {
            guard await replicator.waitUntilCaughtUp(timeout: .seconds(600)) else {
                throw StrataError(.io, "the tiers did not catch up in 10 minutes: \(replicator.status)")
            }
            last = replicator.status.first?.replication.accepted ?? 0
        }
        let elapsed = monotonicNanoseconds() - start
        running?.cancel()
        await running?.value
        return Ingest(nanoseconds: elapsed, appendNanoseconds: appended, lastPosition: last)
    }

    /// Redis refusing every call while `down` (a Redis that cannot be reached).
    final class Outage: ReplicaTier {
        let tier: RedisTier
        let down = Atomic<Bool>(false)
        var name: String { tier.name }
        init(_ tier: RedisTier) { self.tier = tier }
        func apply(table: String, entries: [LogEntry]) async throws {
            if down.load(ordering: .acquiring) {
                throw TierError(.unavailable, "redis tier: Redis is down (benchmark)")
            }
            try await tier.apply(table: table, entries: entries)
        }
    }

    private func catchUp(client: RedisClient, options: Options) async throws {
        let path = directory + "/outage"
        try makeEmptyDirectory(path)
        let store = try StrataStore.open(
            directory: path + "/data",
            configuration: .init(durability: .groupCommit(milliseconds: 10), validation: .standard))
        defer { try? store.close() }
        let outage = Outage(
            try RedisTier(client: client, configuration: .init(tables: [(.trades, 1_000)], keyPrefix: Self.keyPrefix)))
        let log = try CommitLog(
            configuration: .init(
                directory: path + "/log", textLanes: Replicator.textLanes(of: .trades), syncEachAppend: false))
        let replicator = try Replicator(
            configuration: .init(
                table: "trades", cursorDirectory: path + "/cursors", maxRowsPerBatch: options.tiersBatch,
                breaker: .init(baseBackoff: 100_000_000, maximumBackoff: 1_000_000_000)),
            log: log, tiers: [outage])
        guard let table = store.table(named: "trades") else { throw StrataError(.invalidArgument, "no trades table") }
        try replicator.attach(to: table)
        let running = replicator.start()
        defer { running.cancel() }

        // Paced ingest: a batch every 10 ms, as a live feed at `--tiers-rate` rows/s.
        let rate = options.tiersRate
        let perTick = max(1, rate / 100)
        let outageNanoseconds = Int64(options.tiersOutageSeconds) * 1_000_000_000
        let workload = SyntheticTradesSource(rows: rate * (options.tiersOutageSeconds + 600), seed: options.seed)
        let begin = monotonicNanoseconds()
        var tick: Int64 = 0
        func pace() async throws {
            tick += 1
            let due = begin + tick * 10_000_000
            let now = monotonicNanoseconds()
            if due > now { try await Task.sleep(for: .nanoseconds(due - now)) }
            _ = try await store.trades.append(workload.next(perTick))
        }
        // Warm: Redis up.
        outage.down.store(false, ordering: .releasing)
        while monotonicNanoseconds() - begin < 2_000_000_000 { try await pace() }
        // The outage.
        outage.down.store(true, ordering: .releasing)
        let outageStart = monotonicNanoseconds()
        var opened = false
        while monotonicNanoseconds() - outageStart < outageNanoseconds {
            try await pace()
            if !opened, replicator.status[0].breaker.state != .closed { opened = true }
        }
        let backlog = replicator.status[0].replication
        outage.down.store(false, ordering: .releasing)
        let restored = monotonicNanoseconds()
        var drained: Int64?
        while drained == nil {
            try await pace()
            let now = replicator.status[0].replication
            // Caught up: no more behind than what the feed adds in 20 ms.
            if now.backlogRows <= perTick * 2 { drained = monotonicNanoseconds() - restored }
            if monotonicNanoseconds() - restored > 600_000_000_000 {
                throw StrataError(.io, "Redis did not catch up in 10 minutes: \(replicator.status)")
            }
        }
        if !opened { report.fail("TIERS: the breaker never opened during the outage") }
        let seconds = Double(drained ?? 0) / 1e9
        report.add(
            "TIERS catch-up after \(options.tiersOutageSeconds) s of Redis down at \(formatCount(rate)) rows/s",
            formatDuration(drained ?? 0))
        report.line(
            "backlog when Redis came back: \(formatCount(backlog.backlogRows)) rows, \(formatBytes(Int64(backlog.backlogBytes))) (oldest \(formatDuration(backlog.oldestUnappliedAge ?? 0))); drained at \(formatRate(Double(backlog.backlogRows) / max(seconds, 1e-9) + Double(rate))) while the feed went on"
        )
        // Everything committed reaches Redis, once.
        guard await replicator.waitUntilCaughtUp(timeout: .seconds(120)) else {
            report.fail("TIERS: Redis did not reach the log's end after the outage")
            return
        }
        let applied = try await outage.tier.appliedPosition(table: "trades")
        let accepted = replicator.status[0].replication.accepted
        if applied != accepted { report.fail("TIERS: Redis holds through \(applied), the log ends at \(accepted)") }
    }
}

/// The standard workload's trades, handed out in slices as a live feed would send them.
final class SyntheticTradesSource {
    private var iterator: SyntheticTrades.Iterator

    init(rows: Int, seed: UInt64) {
        iterator = SyntheticTrades(configuration: .init(rows: rows, seed: seed)).makeIterator()
    }

    func next(_ count: Int) -> [Trade] {
        var out: [Trade] = []
        out.reserveCapacity(count)
        while out.count < count, let trade = iterator.next() { out.append(trade) }
        return out
    }
}
