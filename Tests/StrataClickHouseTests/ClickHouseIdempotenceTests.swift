import StrataClickHouse
import StrataCore
import StrataTestSupport
import StrataTiers
import Testing

/// Batches sent again (after a timeout, a restart, a lost reply), batches half inserted (a month
/// of two stored, the table's part stored and a view's not) and a ClickHouse that lost rows.
@Suite(TestClickHouse.sharedServer) struct ClickHouseIdempotenceTests {
    static let minute: Int64 = 60_000_000_000
    /// 2024-01-31T23:58:00Z: batches cross into February.
    static let base: Int64 = 1_706_745_480_000_000_000

    /// `count` trades of `symbol` from id `first`, 7 s apart, prices moving both ways.
    static func trades(_ symbol: Symbol, first: Int64, count: Int) -> [Trade] {
        (0..<Int64(count)).map { i in
            let id = first + i
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: base + id * 7_000_000_000), tradeID: id,
                price: Price(mantissa: 4_200_000_000_000 + (id * 7_919 % 1_000) * 1_000_000 - 500_000_000),
                quantity: Quantity(mantissa: 1_000 + id * 37 % 100_000_000), isBuyerMaker: id % 2 == 0)
        }
    }

    static func entry(_ position: UInt64, _ trades: [Trade]) -> LogEntry {
        let symbols = Array(Set(trades.map(\.symbol.name))).sorted()
        var batch = ColumnBatch(columnCount: 5)
        batch.symbols = symbols
        for trade in trades {
            batch.symbolIndex.append(UInt32(symbols.firstIndex(of: trade.symbol.name)!))
            batch.columns[0].append(trade.timestamp.nanoseconds)
            batch.columns[1].append(trade.tradeID)
            batch.columns[2].append(trade.price.mantissa)
            batch.columns[3].append(trade.quantity.mantissa)
            batch.columns[4].append(trade.isBuyerMaker ? 1 : 0)
        }
        return LogEntry(position: position, committedAt: 0, batch: batch)
    }

    /// Strata's bar rule, computed here: open and close by (time, id), exact sums.
    static func referenceBars(_ trades: [Trade], symbol: Symbol, timeframe: Timeframe) -> [Bar] {
        let width = timeframe.nanoseconds
        var buckets: [Int64: [Trade]] = [:]
        for trade in trades where trade.symbol == symbol {
            buckets[trade.timestamp.floor(toMultipleOf: width).nanoseconds, default: []].append(trade)
        }
        return buckets.keys.sorted().map { start in
            let group = buckets[start]!.sorted {
                ($0.timestamp.nanoseconds, $0.tradeID) < ($1.timestamp.nanoseconds, $1.tradeID)
            }
            return Bar(
                symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: start), open: group.first!.price,
                high: group.map(\.price).max()!, low: group.map(\.price).min()!, close: group.last!.price,
                volume: Volume(mantissa: group.reduce(Int128(0)) { $0 + Int128($1.quantity.mantissa) }),
                notional: Notional(
                    mantissa: group.reduce(Int128(0)) { $0 + Int128($1.price.mantissa) * Int128($1.quantity.mantissa) }),
                tradeCount: group.count)
        }
    }

    static func expectBars(_ tier: ClickHouseTier, _ trades: [Trade], symbols: [Symbol]) async throws {
        for symbol in symbols {
            for timeframe in Timeframe.standard {
                let bars = try await tier.bars(
                    symbol: symbol, timeframe: timeframe, from: Timestamp(nanoseconds: base - 86_400_000_000_000),
                    to: Timestamp(nanoseconds: base + 30 * 86_400_000_000_000))
                #expect(bars == referenceBars(trades, symbol: symbol, timeframe: timeframe), "\(symbol) \(timeframe)")
            }
        }
    }

    @Test func retriedAndOverlappingBatchesAreStoredAndCountedOnce() async throws {
        let client = try await TestClickHouse.client("retry")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        var all: [Trade] = []
        var entries: [LogEntry] = []
        for position in UInt64(1)...10 {
            let trades = Self.trades(position % 2 == 0 ? "AAA" : "BBB", first: Int64(position) * 10, count: 10)
            all += trades
            entries.append(Self.entry(position, trades))
        }
        try await tier.apply(table: "trades", entries: Array(entries[0..<6]))
        try await tier.apply(table: "trades", entries: Array(entries[3..<10]))  // overlapping
        try await tier.apply(table: "trades", entries: Array(entries[0..<3]))  // all held already
        // Another process (a restart) sends again what the cursor had not recorded.
        let again = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        try await again.apply(table: "trades", entries: Array(entries[7..<10]))
        #expect(try await storedTrades(client) == expectedRows(all))
        #expect(try await tier.appliedPosition(table: "trades") == 10)
        try await Self.expectBars(tier, all, symbols: ["AAA", "BBB"])
        #expect(await tier.health().skippedEntries == 6)
        #expect(await again.health().skippedEntries == 3)
        await TestClickHouse.dispose(client)
    }

    @Test func aHalfInsertedBatchIsCompletedAndNeverCountedTwice() async throws {
        let client = try await TestClickHouse.client("half")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        try await tier.prepare()
        let database = client.configuration.database
        let layout = ClickHouseTableLayout(schema: .trades, version: try await client.version())
        let encoder = RowBinaryEncoder(schema: .trades)
        let insert =
            "INSERT INTO \(layout.qualifiedName(database: database)) (\(layout.insertColumns)) FORMAT RowBinary"
        // Entry 1 spans January and February; only January's insert went through (the server
        // died before February's).
        let first = Self.trades("AAA", first: 0, count: 40)
        let entry1 = Self.entry(1, first)
        let months = encoder.rowsByMonth(entry1)
        #expect(months.keys.sorted() == [202_401, 202_402])
        var bytes: [UInt8] = []
        encoder.append(entry1, rows: months[202_401]!, into: &bytes)
        try await client.insert(insert, body: bytes)
        try await tier.apply(table: "trades", entries: [entry1])
        try await Self.expectBars(tier, first, symbols: ["AAA"])
        // Entry 2: the table's part was stored, the 1m view's was not (killed between the two).
        let second = Self.trades("AAA", first: 40, count: 25)
        let entry2 = Self.entry(2, second)
        try await client.execute("DETACH TABLE `\(database)`.trades_bars_1m_mv")
        bytes = []
        encoder.append(entry2, rows: 0..<entry2.batch.count, into: &bytes)
        try await client.insert(insert, body: bytes)
        try await client.execute("ATTACH TABLE `\(database)`.trades_bars_1m_mv")
        // A fresh process (the one that inserted is gone) gets the batch again.
        let restarted = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        try await restarted.apply(table: "trades", entries: [entry1, entry2])
        #expect(try await storedTrades(client) == expectedRows(first + second))
        try await Self.expectBars(restarted, first + second, symbols: ["AAA"])
        #expect(await restarted.health().repairedViewUnits == 1)
        await TestClickHouse.dispose(client)
    }

    /// A write of the tier still running in ClickHouse (its client timed out, the server goes on)
    /// is waited for before recovery counts what is stored, so its rows are not inserted again.
    @Test func recoveryWaitsForAnEarlierWriteStillRunning() async throws {
        let client = try await TestClickHouse.client("running")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        try await tier.prepare()
        let database = client.configuration.database
        // Stands for the earlier insert: a statement under the tier's query_id for the table.
        let queryID = "strata_\(database)_trades_earlier"
        let sleeper = Task { try await client.execute("SELECT sleep(3)", queryID: queryID) }
        let running = "SELECT count() FROM system.processes WHERE query_id = '\(queryID)'"
        var started = false
        for _ in 0..<200 where !started {
            started = try await client.rows(running).first?.first == "1"
            if !started { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(started)
        try await tier.apply(table: "trades", entries: [Self.entry(1, Self.trades("AAA", first: 0, count: 3))])
        // apply returned only once the earlier statement had ended in the server.
        #expect(try await client.rows(running).first?.first == "0")
        try await sleeper.value
        await TestClickHouse.dispose(client)
    }

    /// Entries that do not fit the table are refused naming the entry and the problem, not a crash.
    @Test func malformedEntriesAreRefused() async throws {
        let client = try await TestClickHouse.client("malformed")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        let good = Self.entry(1, Self.trades("AAA", first: 0, count: 3))
        var shortLane = good
        shortLane.batch.columns[2].removeLast()
        var badSymbol = good
        badSymbol.batch.symbolIndex[1] = 7
        var fewerLanes = good
        fewerLanes.batch.columns.removeLast()
        let zero = LogEntry(position: 0, committedAt: 0, batch: good.batch)
        for (entries, problem) in [
            ([shortLane], "unequal length"), ([badSymbol], "symbol index"), ([fewerLanes], "4 lanes"),
            ([zero], "consecutive"), ([good, Self.entry(3, Self.trades("AAA", first: 3, count: 1))], "consecutive"),
        ] {
            await #expect {
                try await tier.apply(table: "trades", entries: entries)
            } throws: { error in
                guard let error = error as? TierError else { return false }
                return error.code == .invalidConfiguration && error.message.contains(problem)
            }
        }
        await #expect(throws: TierError.self) {
            try await tier.apply(table: "no_such_table", entries: [good])
        }
        try await tier.apply(table: "trades", entries: [good])
        #expect(try await storedTrades(client).count == 3)
        await TestClickHouse.dispose(client)
    }

    @Test func lostOrPartlyStoredRowsAreRefusedForARebuild() async throws {
        let client = try await TestClickHouse.client("lost")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        let entries = (UInt64(1)...4).map { Self.entry($0, Self.trades("AAA", first: Int64($0) * 100, count: 5)) }
        try await tier.apply(table: "trades", entries: Array(entries[0..<3]))
        let database = client.configuration.database
        // ClickHouse forgets what it confirmed.
        try await client.execute("TRUNCATE TABLE `\(database)`.\(ClickHouseTier.ledgerTable)")
        try await client.execute("TRUNCATE TABLE `\(database)`.trades")
        let restarted = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        await #expect {
            try await restarted.apply(table: "trades", entries: [entries[3]])
        } throws: { error in
            guard let error = error as? TierError else { return false }
            return error.code == .rebuildNeeded && error.message.contains("lost entries")
        }
        // Part of a batch's rows in one month (no insert of the tier does that): refused.
        let layout = ClickHouseTableLayout(schema: .trades, version: try await client.version())
        var bytes: [UInt8] = []
        RowBinaryEncoder(schema: .trades).append(entries[0], rows: 0..<2, into: &bytes)
        try await client.insert(
            "INSERT INTO \(layout.qualifiedName(database: database)) (\(layout.insertColumns)) FORMAT RowBinary",
            body: bytes)
        await #expect {
            try await restarted.apply(table: "trades", entries: [entries[0]])
        } throws: { error in
            guard let error = error as? TierError else { return false }
            return error.code == .rebuildNeeded && error.message.contains("partly")
        }
        #expect(await restarted.health().lastError?.contains("partly") == true)
        await TestClickHouse.dispose(client)
    }
}
