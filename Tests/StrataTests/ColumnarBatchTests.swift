import Foundation
import Strata
import StrataTestSupport
import Testing

/// Rows as columns (`ColumnarBatch`, issue 16): the batches of a range laid end to end are the
/// range's rows — every value, absent values absent, across sealed files and the open partition,
/// for any page size — for a user-defined table of every column kind, for the quotes' book
/// levels, and for bars and aggregates.
@Suite struct ColumnarBatchTests {
    static let fills: RecordSchema = {
        do {
            return try RecordSchema(
                name: "fills",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol),
                    SchemaColumn("venue", .text, rules: ColumnRules(maximumLength: 16)),
                    SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                    SchemaColumn("id", .int64), SchemaColumn("level", .int8), SchemaColumn("maker", .bool),
                    SchemaColumn("score", .float64, rules: ColumnRules(required: false)),
                    SchemaColumn("px", .decimal(scale: 4), rules: ColumnRules(required: false)),
                ],
                timestamp: "ts", partitioning: .every(nanoseconds: 3_600_000_000_000))
        } catch {
            preconditionFailure("test schema: \(error)")
        }
    }()

    static let base: Int64 = 1_719_792_000_000_000_000
    static let symbol: Symbol = "AAPL"

    static func configuration() -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
            maintenanceInterval: nil)
        configuration.tables = [fills]
        return configuration
    }

    static func row(_ id: Int64, random: inout SplitMix64) -> Row {
        var values: [String: FieldValue] = [
            "ts": .timestamp(Timestamp(nanoseconds: base + Int64(random.next() % 7_200) * 1_000_000_000)),
            "id": .integer(id), "venue": .text("V\(random.next() % 4)"),
            "level": .integer(Int64(random.next() % 256) - 128), "maker": .bool(random.next() % 2 == 0),
        ]
        if random.next() % 3 != 0 { values["note"] = .text(random.next() % 5 == 0 ? "" : "note \(id), \"quoted\"") }
        if random.next() % 4 != 0 { values["score"] = .float(Double(Int64(random.next() % 2_001) - 1_000) / 1_000) }
        if random.next() % 2 != 0 {
            values["px"] = .decimal(
                ExactAmount(mantissa: Int128(Int64(random.next() % 20_000_000) - 10_000_000), scale: 4))
        }
        return Row(symbol: symbol, values)
    }

    /// Row `row` of `batch` by column name, absent values left out: what a `Row` read back holds.
    static func values(_ batch: ColumnarBatch, _ row: Int) -> [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        for column in batch.columns where column.name != "symbol" && column.isPresent(row) {
            switch column.values {
            case .timestamps(let lane): values[column.name] = .timestamp(Timestamp(nanoseconds: lane[row]))
            case .int64(let lane): values[column.name] = .integer(lane[row])
            case .int8(let lane): values[column.name] = .integer(Int64(lane[row]))
            case .decimals(let lane, let scale):
                values[column.name] = .decimal(ExactAmount(mantissa: Int128(lane[row]), scale: scale))
            case .wideDecimals(let lane, let scale):
                values[column.name] = .decimal(ExactAmount(mantissa: lane[row], scale: scale))
            case .float64(let lane): values[column.name] = .float(lane[row])
            case .bool(let lane): values[column.name] = .bool(lane[row])
            case .strings(let strings): values[column.name] = .text(strings[row])
            case .dictionary(let indices, let strings): values[column.name] = .text(strings[Int(indices[row])])
            case .levels: break
            }
        }
        return values
    }

    @Test(arguments: [1, 2] as [UInt64])
    func batchesLaidEndToEndAreTheRangeRows(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let directory = makeTemporaryDirectory("strata-columnar")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let table = try #require(store.table(named: "fills"))
        try await table.append((1...2_000).map { Self.row(Int64($0), random: &random) })
        _ = store.compact(now: .max)  // sealed files
        // Late rows and an open partition.
        try await table.append((2_001...3_000).map { Self.row(Int64($0), random: &random) })
        let from = Timestamp(nanoseconds: Self.base + 600_000_000_000)
        let to = Timestamp(nanoseconds: Self.base + 6_000_000_000_000)
        let rows = try await table.range(symbol: Self.symbol, from: from, to: to, limit: 100_000).rows
        #expect(rows.count > 1_000)
        for batchRows in [7, 1_000, 100_000] {
            var pages = table.rangeBatches(symbol: Self.symbol, from: from, to: to, batchRows: batchRows)
            var columnar: [[String: FieldValue]] = []
            var batches = 0
            while let batch = try pages.next() {
                batches += 1
                #expect(batch.count <= batchRows && batch.count > 0)
                #expect(
                    batch.columns.map(\.name) == [
                        "ts", "symbol", "venue", "note", "id", "level", "maker", "score", "px",
                    ])
                guard case .dictionary(let symbols, let names) = batch["symbol"]?.values else {
                    Issue.record("the symbol is a dictionary")
                    continue
                }
                #expect(names.count == 1 && names[0] == "AAPL" && symbols.allSatisfy { $0 == 0 })
                if batch.count >= 64, case .strings = batch["venue"]?.values {
                    Issue.record("four venues in \(batch.count) rows are a dictionary")
                }
                columnar += (0..<batch.count).map { Self.values(batch, $0) }
                if batches > rows.count { break }
            }
            #expect(batches == (rows.count + batchRows - 1) / batchRows, "pages of \(batchRows)")
            let same = columnar == rows.map(\.values)
            #expect(same, "pages of \(batchRows): \(columnar.count) rows, \(rows.count) expected")
        }
        // Latest: newest first, as the rows.
        let latest = try await table.latest(symbol: Self.symbol, limit: 500)
        let batch = try table.latestBatch(symbol: Self.symbol, limit: 500)
        #expect((0..<batch.count).map { Self.values(batch, $0) } == latest.map(\.values))
        // A range past the data: no batch; the empty batch still names the columns.
        var none = table.rangeBatches(symbol: Self.symbol, from: to, to: to)
        #expect(try none.next() == nil)
        #expect(none.emptyBatch.count == 0 && none.emptyBatch.columns.count == 9)
    }

    @Test func quoteLevelsAreListsOfTheirDepth() async throws {
        var random = SplitMix64(seed: 9)
        let directory = makeTemporaryDirectory("strata-columnar-quotes")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        func levels(_ depth: Int, sign: Int64) -> [DepthLevel] {
            (0..<depth).map { level in
                DepthLevel(
                    price: Price(mantissa: 100_000_000_00 + sign * Int64(level + 1) * 1_000_000),
                    size: Quantity(mantissa: Int64(random.next() % 1_000_000) + 1))
            }
        }
        var quotes: [Quote] = []
        for index in 0..<300 {
            var bids = levels(Int(random.next() % 6), sign: -1)
            let asks = levels(Int(random.next() % 6), sign: 1)
            if bids.isEmpty && asks.isEmpty { bids = levels(1, sign: -1) }
            quotes.append(
                Quote(
                    symbol: Self.symbol, timestamp: Timestamp(nanoseconds: Self.base + Int64(index) * 1_000_000),
                    bids: bids, asks: asks))
        }
        try await store.quotes.append(quotes)
        var pages = store.quotes.rangeBatches(symbol: Self.symbol, from: .min, to: .max, batchRows: 128)
        var read: [Quote] = []
        while let batch = try pages.next() {
            #expect(batch.columns.map(\.name) == ["ts_ns", "symbol", "bids", "asks"])
            guard case .timestamps(let times) = batch["ts_ns"]?.values,
                case .levels(let bids) = batch["bids"]?.values, case .levels(let asks) = batch["asks"]?.values
            else {
                Issue.record("quotes as timestamps and levels: \(batch.columns.map(\.values))")
                return
            }
            #expect(bids.levelColumns.first?.price == "bid_px_0" && asks.levelColumns.count == Quote.maximumDepth)
            func side(_ levels: BookLevels, _ row: Int) -> [DepthLevel] {
                levels.levels(of: row).map {
                    DepthLevel(price: Price(mantissa: levels.prices[$0]), size: Quantity(mantissa: levels.sizes[$0]))
                }
            }
            for row in 0..<batch.count {
                read.append(
                    Quote(
                        symbol: Self.symbol, timestamp: Timestamp(nanoseconds: times[row]), bids: side(bids, row),
                        asks: side(asks, row)))
            }
        }
        #expect(read == quotes)
    }

    @Test func barsAndAggregatesAsColumns() async throws {
        let directory = makeTemporaryDirectory("strata-columnar-bars")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        var trades: [Trade] = []
        for index in 0..<600 {
            let symbol: Symbol = index % 2 == 0 ? "BTCUSDT" : "ETHUSDT"
            let time = Timestamp(nanoseconds: Self.base + Int64(index) * 1_000_000_000)
            let price = Price(mantissa: 6_400_000_000_000 + Int64(index) * 1_000_000)
            trades.append(
                Trade(
                    symbol: symbol, timestamp: time, tradeID: Int64(index + 1), price: price,
                    quantity: Quantity(mantissa: 92_233_720_368_547_758), isBuyerMaker: index % 3 == 0))
        }
        try await store.trades.append(trades)
        let bars = try await store.bars(
            symbol: "BTCUSDT", timeframe: try Timeframe("1m"), from: .min, to: Timestamp(nanoseconds: .max - 1))
        let batch = ColumnarBatch(bars: bars)
        #expect(batch.count == bars.count && bars.count == 10)
        #expect(
            batch.columns.map(\.name) == [
                "symbol", "timeframe", "ts_ns", "open", "high", "low", "close", "volume", "notional", "vwap", "trades",
            ])
        if case .wideDecimals(let notionals, let scale) = batch["notional"]?.values {
            #expect(notionals == bars.map(\.notional.mantissa) && scale == Notional.scale)
            #expect(notionals.contains { Int64(exactly: $0) == nil }, "notionals beyond Int64 stay exact")
        } else {
            Issue.record("notional as wide decimals")
        }
        if case .decimals(let vwaps, _) = batch["vwap"]?.values {
            #expect(vwaps == bars.map { $0.vwap?.mantissa ?? 0 })
        }
        let query = AggregateQuery([.count, .sum("qty"), .vwap(price: "price", quantity: "qty")], grouping: .symbol)
        let rows = try await store.trades.aggregate(query)
        let aggregate = ColumnarBatch(aggregate: rows, functions: query.functions, grouping: .symbol)
        #expect(aggregate.columns.map(\.name) == ["symbol", "count", "sum(qty)", "vwap(price,qty)"])
        guard case .int64(let counts) = aggregate["count"]?.values,
            case .wideDecimals(let sums, let scale) = aggregate["sum(qty)"]?.values
        else {
            Issue.record("count as int64, sums as wide decimals: \(aggregate.columns.map(\.values))")
            return
        }
        #expect(counts == [300, 300])
        #expect(sums == rows.map { $0.values[1].decimal!.mantissa } && scale == Quantity.scale)
        #expect(sums.allSatisfy { Int64(exactly: $0) == nil }, "a sum beyond Int64 stays exact")
    }
}
