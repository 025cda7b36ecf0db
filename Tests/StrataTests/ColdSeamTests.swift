import Strata
import StrataTestSupport
import Synchronization
import Testing

/// The cold tier's seam in `Strata`, with a cold tier of the test's own that keeps moved rows in
/// memory: the hot table's conditional drop (kept when a late row arrived or the file changed,
/// recorded so a resumed move can tell it happened), and reads through ``ColdTieredTable``
/// merging both tiers by time, each row once, latest-N reaching into the cold tier.
@Suite struct ColdSeamTests {
    static let minute: Int64 = 60_000_000_000
    static let start: Int64 = 1_704_153_600_000_000_000

    /// Moved rows in memory, per symbol (a test's cold tier: what `LakeColdTier` keeps in Parquet).
    final class MemoryColdTable: ColdTable {
        let tableName = "trades"
        let hot: HotPartitions
        let state = Mutex<(rows: [String: RowSet], span: Range<Int64>?)>(([:], nil))
        let lock = Atomic<UInt64>(0)

        init(hot: HotPartitions) { self.hot = hot }

        var generation: UInt64 { lock.load(ordering: .acquiring) }
        var movedSpan: Range<Int64>? { state.withLock { $0.span } }
        func symbolSpans() -> [SymbolSpan] {
            state.withLock { state in
                state.rows.map { symbol, rows in
                    SymbolSpan(
                        symbol: symbol, rows: rows.count, first: rows.columns[0].first!, last: rows.columns[0].last!)
                }.sorted { $0.symbol < $1.symbol }
            }
        }

        func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
            state.withLock { state in
                guard let rows = state.rows[symbol] else { return RowSet(columnCount: hot.schema.storageColumns.count) }
                let keep = rows.columns[0].indices.filter { rows.columns[0][$0] >= from && rows.columns[0][$0] < to }
                return RowSet(columns: rows.columns.map { lane in keep.map { lane[$0] } })
            }
        }

        /// Moves every sealed partition ending by `now` (no copy to check: the rows are taken as read).
        func move(now: Timestamp) -> ColdMoveReport {
            var report = ColdMoveReport(table: tableName)
            for partition in hot.partitions() where partition.end <= now.nanoseconds {
                var taken: [String: RowSet] = [:]
                for symbol in partition.symbols {
                    taken[symbol] = try? hot.rows(symbol: symbol, from: partition.start, to: partition.end)
                }
                lock.add(1, ordering: .acquiringAndReleasing)
                defer { lock.add(1, ordering: .acquiringAndReleasing) }
                guard case .dropped = try? hot.drop(partition) else { continue }
                state.withLock { state in
                    for (symbol, rows) in taken {
                        var merged = state.rows[symbol] ?? RowSet(columnCount: rows.columns.count)
                        for lane in merged.columns.indices { merged.columns[lane] += rows.columns[lane] }
                        state.rows[symbol] = merged
                    }
                    let low = min(state.span?.lowerBound ?? partition.start, partition.start)
                    state.span = low..<max(state.span?.upperBound ?? partition.end, partition.end)
                }
                report.moved.append(Timestamp(nanoseconds: partition.start))
            }
            return report
        }
    }

    final class MemoryColdTier: ColdTier {
        let janitorEnabled = false
        let opened = Mutex<[MemoryColdTable]>([])
        func openTable(_ schema: RecordSchema, hot: HotPartitions) throws -> (any ColdTable)? {
            guard schema == .trades else { return nil }
            let table = MemoryColdTable(hot: hot)
            opened.withLock { $0.append(table) }
            return table
        }
    }

    func trades(minutes: Range<Int>, firstID: Int64 = 1) -> [Trade] {
        minutes.flatMap { minute in
            (0..<10).map { i in
                Trade(
                    symbol: "BTCUSDT",
                    timestamp: Timestamp(
                        nanoseconds: Self.start + Int64(minute) * Self.minute + Int64(i) * 1_000_000_000),
                    tradeID: firstID + Int64(minute * 10 + i), price: Price(mantissa: 100_000_000 + Int64(i)),
                    quantity: Quantity(mantissa: 1_000), isBuyerMaker: i % 2 == 0)
            }
        }
    }

    func open(_ directory: String, _ tier: MemoryColdTier) throws -> StrataStore {
        try StrataStore.open(
            directory: directory,
            configuration: StrataStore.Configuration(
                durability: .osBuffered, partitionDuration: Self.minute, aggregates: false, maintenanceInterval: nil,
                cold: tier))
    }

    @Test func theHotDropIsConditionalAndRecorded() throws {
        let directory = makeTemporaryDirectory("strata-cold-seam")
        defer { removeTree(directory) }
        let tier = MemoryColdTier()
        let store = try open(directory, tier)
        defer { try? store.close() }
        try store.trades.appendNow(trades(minutes: 0..<5))
        store.compact(now: Timestamp(nanoseconds: Self.start + 86_400 * 1_000_000_000))
        let hot = try #require(tier.opened.withLock { $0.first }).hot
        let listed = hot.partitions()
        #expect(listed.count == 5 && listed.allSatisfy { $0.rows == 10 && $0.lateRows == 0 })
        // A late row into the first minute: the listed partition is no longer what it was.
        try store.trades.appendNow([
            Trade(
                symbol: "BTCUSDT", timestamp: Timestamp(nanoseconds: Self.start + 30_500_000_000), tradeID: 999,
                price: Price(mantissa: 1), quantity: Quantity(mantissa: 1), isBuyerMaker: true)
        ])
        #expect(hot.partitions().first?.lateRows == 1)
        #expect(try hot.drop(listed[0]) == .changed)
        // Compaction merges it into a new file: the old listing is still refused, the new one drops.
        store.compact(now: Timestamp(nanoseconds: Self.start + 86_400 * 1_000_000_000))
        let relisted = try #require(hot.partitions().first)
        #expect(relisted.version != listed[0].version && relisted.rows == 11 && relisted.lateRows == 0)
        #expect(try hot.drop(listed[0]) == .changed)
        #expect(hot.droppedSequence(index: relisted.index) == nil)
        #expect(try hot.drop(relisted) == .dropped(rows: 11))
        #expect((hot.droppedSequence(index: relisted.index) ?? 0) >= relisted.tableSequence)
        #expect(try hot.drop(relisted) == .absent)
        #expect(hot.partitions().count == 4)
    }

    @Test func readsMergeBothTiersOnce() async throws {
        let directory = makeTemporaryDirectory("strata-cold-seam")
        defer { removeTree(directory) }
        let tier = MemoryColdTier()
        let store = try open(directory, tier)
        defer { try? store.close() }
        let all = trades(minutes: 0..<6)
        try store.trades.appendNow(all)
        store.compact(now: Timestamp(nanoseconds: Self.start + 86_400 * 1_000_000_000))
        let cold = try #require(tier.opened.withLock { $0.first })
        let report = cold.move(now: Timestamp(nanoseconds: Self.start + 3 * Self.minute))
        #expect(report.moved.count == 3)
        #expect(cold.movedSpan == Self.start..<(Self.start + 3 * Self.minute))
        #expect(store.trades.stats().rows == 30)
        #expect(try await store.trades.range(symbol: "BTCUSDT", from: .min, to: .max) == all)
        let spanning = try await store.trades.range(
            symbol: "BTCUSDT", from: Timestamp(nanoseconds: Self.start + 2 * Self.minute + 5_000_000_000),
            to: Timestamp(nanoseconds: Self.start + 4 * Self.minute))
        #expect(spanning == Array(all[25..<40]))
        #expect(try await store.trades.latest(symbol: "BTCUSDT", limit: 45) == Array(all.suffix(45).reversed()))
        #expect(try await store.trades.latest(symbol: "BTCUSDT", limit: 100) == Array(all.reversed()))
        #expect(try await store.trades.lastTimestamp(symbol: "BTCUSDT") == all.last?.timestamp)
        // Paged through the boundary.
        var page = try await store.trades.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 7)
        var paged = page.rows
        while let next = page.next {
            page = try await store.trades.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 7, after: next)
            paged += page.rows
        }
        #expect(paged == all)
        // A late row into a moved minute: answered once, in time order.
        let late = Trade(
            symbol: "BTCUSDT", timestamp: Timestamp(nanoseconds: Self.start + 1 * Self.minute + 4_500_000_000),
            tradeID: 5_000, price: Price(mantissa: 7), quantity: Quantity(mantissa: 7), isBuyerMaker: true)
        try store.trades.appendNow([late])
        var expected = all
        expected.insert(late, at: 15)
        #expect(try await store.trades.range(symbol: "BTCUSDT", from: .min, to: .max) == expected)
        #expect(try await store.trades.symbolListing().first?.rows == 61)
    }

    @Test func mergingKeepsTimeOrderAndTexts() {
        var a = RowSet(columns: [[1, 3, 5], [-1, 0, -1]])
        let first = a.texts.append("x")
        a.columns[1][1] = first
        var b = RowSet(columns: [[2, 3, 6], [0, -1, -1]])
        b.columns[1][0] = b.texts.append("y")
        let merged = RowSet.merging([a, b], timestampLane: 0, textLanes: [1])
        #expect(merged.columns[0] == [1, 2, 3, 3, 5, 6])
        #expect(merged.columns[1][0] == -1 && merged.columns[1][4] == -1 && merged.columns[1][5] == -1)
        #expect(merged.texts.string(merged.columns[1][1]) == "y")
        #expect(merged.texts.string(merged.columns[1][2]) == "x")
        #expect(merged.columns[1][3] == -1)
    }
}

/// The configuration's `lake` block: the file's keys, the `STRATA_LAKE_…` variables over them,
/// and errors naming the key.
@Suite struct LakeSettingsTests {
    @Test func theLakeBlockAndItsVariables() throws {
        let directory = makeTemporaryDirectory("strata-lake-settings")
        defer { removeTree(directory) }
        let path = directory + "/strata.json"
        writeText(
            path,
            #"{"lake": {"directory": "/data/lake", "hotRetention": "trades=7d,quotes=12h,*=30d", "janitor": false}}"#)
        let settings = try StoreSettings.load(file: path, environment: [:])
        #expect(settings.lake.directory == "/data/lake")
        #expect(settings.lake.hotRetention == ["trades": 7 * 86_400_000_000_000, "quotes": 12 * 3_600_000_000_000])
        #expect(settings.lake.defaultHotRetention == Int64(30) * 86_400_000_000_000)
        #expect(settings.lake.janitor == false)
        let overridden = try StoreSettings.load(
            file: path,
            environment: [
                "STRATA_LAKE_DIRECTORY": "/other", "STRATA_LAKE_HOT_RETENTION": "trades=1d",
                "STRATA_LAKE_JANITOR": "true",
            ])
        #expect(overridden.lake.directory == "/other" && overridden.lake.janitor)
        #expect(overridden.lake.hotRetention == ["trades": 86_400_000_000_000])
        #expect(overridden.lake.defaultHotRetention == nil)
        #expect(throws: ConfigurationError.self) {
            try StoreSettings.load(file: nil, environment: ["STRATA_LAKE_HOT_RETENTION": "nosuchtable=1d"])
        }
        do {
            writeText(path, #"{"lake": {"directory": "/x", "hotRetention": "trades=soon"}}"#)
            _ = try StoreSettings.load(file: path, environment: [:])
            Issue.record("a bad age was accepted")
        } catch {
            #expect(error.key == "lake.hotRetention" && error.message.contains("soon"))
        }
        writeText(path, #"{"lake": {"dir": "/x"}}"#)
        #expect(throws: ConfigurationError.self) { try StoreSettings.load(file: path, environment: [:]) }
    }
}
