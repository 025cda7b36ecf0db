import Foundation
import Strata
import StrataTestSupport
import Testing

@Suite struct RetentionTests {
    static let day = Timestamp.nanosecondsPerDay

    func trades(days: Range<Int>, from start: Timestamp, perDay: Int = 10, firstID: Int64 = 0) -> [Trade] {
        var id = firstID
        return days.flatMap { day in
            (0..<perDay).map { i -> Trade in
                id += 1
                return Trade(
                    symbol: "BTCUSDT", timestamp: start.advanced(by: Int64(day) * Self.day + Int64(i) * 60_000_000_000),
                    tradeID: id, price: Price(mantissa: 100_000_000), quantity: Quantity(mantissa: 100_000_000),
                    isBuyerMaker: false)
            }
        }
    }

    /// Ten sealed days, a 3-day retention, and one trade dated far in the future: only the
    /// partitions older than 3 days before *now* go, never the young ones.
    @Test func futureDatedRowNeverWipesTheTable() async throws {
        let directory = temporaryStoreDirectory("strata-retention")
        defer { removeTree(directory) }
        let now = try Timestamp(iso8601: "2026-03-11T12:00:00Z")
        let start = try Timestamp(iso8601: "2026-03-01T00:00:00Z")
        var configuration = testConfiguration()
        configuration.retention = try RetentionPolicy(parsing: "trades=3d,bars_1m=5d")
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        try await store.trades.append(trades(days: 0..<10, from: start))
        store.compact(now: now)
        // A stray print from 2030: by the data alone, every partition would be "older than 3 days".
        try await store.trades.append(
            trades(days: 0..<1, from: try Timestamp(iso8601: "2030-01-01T00:00:00Z"), perDay: 1, firstID: 1_000))
        let report = store.applyRetention(now: now)
        #expect(report.errors.isEmpty)
        let remaining = try await store.trades.range(symbol: "BTCUSDT", from: .min, to: now).map(\.timestamp)
        // Cutoff: now − 3 days = 2026-03-08T12:00; partitions ending at or before it (days 1…7) go.
        let cutoff = now.advanced(by: -3 * Self.day)
        #expect(remaining.allSatisfy { $0 >= cutoff.floor(toMultipleOf: Self.day) }, "a young partition was dropped")
        #expect(remaining.count == 3 * 10, "days 8, 9, 10 stay: \(remaining.count) rows")
        let entry = report.entries.first { $0.table == "trades" }!
        #expect(entry.dropped.partitions.count == 7)
        #expect(try await store.trades.lastTimestamp(symbol: "BTCUSDT")! > now, "the future row itself stays")
        // The 1m bars keep 5 days: their partitions of days 1…5 go, the trades of those days are gone anyway.
        let bars = try await store.bars(symbol: "BTCUSDT", timeframe: .oneMinute, from: start, to: now)
        #expect(bars.allSatisfy { $0.start >= cutoff.floor(toMultipleOf: Self.day) })
        try store.close()

        // After a restart nothing comes back from the WAL.
        let reopened = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? reopened.close() }
        let after = try await reopened.trades.range(symbol: "BTCUSDT", from: .min, to: now)
        #expect(after.count == 30)
        // Running it again drops nothing more.
        let again = reopened.applyRetention(now: now)
        #expect(again.entries.allSatisfy { $0.dropped.partitions.isEmpty })
    }

    @Test func retentionNeverDropsYoungerThanPolicyEvenByDataTime() async throws {
        let directory = temporaryStoreDirectory("strata-retention")
        defer { removeTree(directory) }
        let start = try Timestamp(iso8601: "2026-03-01T00:00:00Z")
        var configuration = testConfiguration()
        configuration.retention = try RetentionPolicy(parsing: "trades=30d")
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        try await store.trades.append(trades(days: 0..<10, from: start))
        store.compact(now: start.advanced(by: 10 * Self.day))
        // The wall clock is years later, but the data is only 10 days old: nothing is older than 30 days.
        let report = store.applyRetention(now: try Timestamp(iso8601: "2029-01-01T00:00:00Z"))
        #expect(report.entries.allSatisfy { $0.dropped.partitions.isEmpty })
        #expect(store.trades.stats().rows == 100)
    }

    @Test func purgeDropsOnDemandButNeverPastNow() async throws {
        let directory = temporaryStoreDirectory("strata-retention")
        defer { removeTree(directory) }
        let start = try Timestamp(iso8601: "2026-03-01T00:00:00Z")
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await store.trades.append(trades(days: 0..<5, from: start))
        let now = start.advanced(by: 5 * Self.day)
        store.compact(now: now)
        let report = store.purge(olderThan: start.advanced(by: 2 * Self.day), tables: ["trades"], now: now)
        #expect(report.entries.first?.dropped.partitions.count == 2)
        #expect(store.trades.stats().rows == 30)
        // A cutoff in the future is clamped to now: the open partition and today's data stay.
        try await store.trades.append(trades(days: 5..<6, from: start, firstID: 500))
        _ = store.purge(olderThan: .max, tables: ["trades"], now: now)
        #expect(try await store.trades.range(symbol: "BTCUSDT", from: now, to: .max).count == 10)
    }

    @Test func policyTextRoundTripsAndRejectsUnknownTables() throws {
        let policy = try RetentionPolicy(parsing: "trades=30d, bars_1m=90d\nbars_1d=2555d")
        #expect(policy.maximumAge["trades"] == 30 * Self.day)
        #expect(try RetentionPolicy(parsing: policy.description) == policy)
        #expect(throws: ValidationError.self) { try RetentionPolicy(parsing: "candles=3d") }
        // A user-defined table is named by the store's catalog.
        #expect(
            try RetentionPolicy(parsing: "news=90d", tables: ["news"]).maximumAge["news"] == 90 * 86_400_000_000_000)
        #expect(throws: ValidationError.self) { try RetentionPolicy(parsing: "news=90d") }
        #expect(RetentionPolicy.tableNames.contains("aggtrades") && RetentionPolicy.tableNames.contains("bars_1d"))
        #expect(throws: ValidationError.self) { try RetentionPolicy(parsing: "trades=soon") }
    }

    @Test func schedulerRunsAndRecordsEachRun() async throws {
        let directory = temporaryStoreDirectory("strata-scheduler")
        defer { removeTree(directory) }
        var configuration = testConfiguration()
        configuration.maintenanceInterval = .milliseconds(50)
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        try await store.trades.append(trades(days: 0..<2, from: try Timestamp(iso8601: "2026-03-01T00:00:00Z")))
        func sealedByScheduler() -> Bool {
            store.maintenanceHistory.contains { $0.compaction.tables.contains { !$0.sealed.isEmpty } }
        }
        for _ in 0..<500 where !sealedByScheduler() || store.trades.stats().sealedPartitions < 2 {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(!store.maintenanceHistory.isEmpty)
        #expect(store.trades.stats().sealedPartitions == 2, "past days sealed by the wall clock")
        #expect(sealedByScheduler())
        #expect(store.latestMaintenance.count >= store.maintenanceHistory.count)
        #expect(store.maintenanceHistory.allSatisfy { $0.didWork || !$0.errors.isEmpty }, "idle runs are not kept")
    }
}
