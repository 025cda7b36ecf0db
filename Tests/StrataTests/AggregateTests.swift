import Foundation
import Strata
import StrataTestSupport
import Testing

@Suite struct AggregateTests {
    static let t0 = Timestamp(nanoseconds: 1_767_571_200_000_000_000)  // 2026-01-05
    static let minute: Int64 = 60_000_000_000

    func withStore(_ body: (StrataStore) async throws -> Void) async throws {
        let directory = makeTemporaryDirectory("strata-aggregate")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory)
        defer { try? store.close() }
        try await body(store)
    }

    /// Trades of three symbols over three hours, one every 7 seconds, prices and sizes varying.
    func trades() -> [Trade] {
        let symbols: [Symbol] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
        return (0..<1_500).map { i in
            let n = Int64(i)
            return Trade(
                symbol: symbols[i % 3], timestamp: Self.t0.advanced(by: n * 7_000_000_000), tradeID: n,
                price: Price(mantissa: 6_400_000_000_000 + (n * 7_919) % 100_000_000),
                quantity: Quantity(mantissa: 1 + (n * 104_729) % 500_000_000), isBuyerMaker: i % 2 == 0)
        }
    }

    /// Every function, grouped every way, equals the same computed from `range` reads; VWAP
    /// equals the bars' VWAP over the same bucket.
    @Test func matchesRangeReadsAndBars() async throws {
        try await withStore { store in
            let trades = trades()
            try await store.trades.append(trades)
            let from = Self.t0.advanced(by: 5 * Self.minute + 3)
            let to = Self.t0.advanced(by: 150 * Self.minute)
            let query = AggregateQuery(
                [
                    .count, .sum("qty"), .min("price"), .max("price"), .first("price"), .last("qty"),
                    .vwap(price: "price", quantity: "qty"),
                ], symbols: ["BTCUSDT", "SOLUSDT"], from: from, to: to,
                grouping: .symbolAndBucket(width: 15 * Self.minute))
            let rows = try await store.trades.aggregate(query)
            var expected: [AggregateRow] = []
            for symbol in query.symbols! {
                let read = try await store.trades.range(symbol: symbol, from: from, to: to)
                let buckets = Dictionary(grouping: read) { $0.timestamp.floor(toMultipleOf: 15 * Self.minute) }
                for (start, members) in buckets.sorted(by: { $0.key < $1.key }) {
                    let volume = members.reduce(Int128(0)) { $0 + Int128($1.quantity.mantissa) }
                    let notional = members.reduce(Int128(0)) {
                        $0 + Int128($1.price.mantissa) * Int128($1.quantity.mantissa)
                    }
                    let bar = Bar(
                        symbol: symbol, timeframe: .fifteenMinutes, start: start, open: members.first!.price,
                        high: members.map(\.price).max()!, low: members.map(\.price).min()!,
                        close: members.last!.price, volume: Volume(mantissa: volume),
                        notional: Notional(mantissa: notional), tradeCount: members.count)
                    func price(_ p: Price) -> AggregateValue {
                        .decimal(ExactAmount(mantissa: Int128(p.mantissa), scale: 8))
                    }
                    expected.append(
                        AggregateRow(
                            symbol: symbol, bucketStart: start,
                            values: [
                                .integer(Int128(members.count)), .decimal(ExactAmount(mantissa: volume, scale: 8)),
                                price(bar.low), price(bar.high), price(bar.open),
                                .decimal(ExactAmount(mantissa: Int128(members.last!.quantity.mantissa), scale: 8)),
                                price(bar.vwap!),
                            ]))
                }
            }
            #expect(!rows.isEmpty)
            #expect(rows == expected)
            // The typed accessors.
            #expect(rows[0].values[1].decimal?.as(Volume.self)?.mantissa == expected[0].values[1].decimal?.mantissa)
            #expect(rows[0].values[2].decimal?.as(Price.self) != nil)
            #expect(rows[0].values[0].integer == Int128(rows[0].values[0].description))
        }
    }

    /// Per-symbol count and Σ qty over everything (the W5 query) is what `summarize` answers,
    /// before and after sealing.
    @Test func perSymbolTotalsMatchSummarize() async throws {
        try await withStore { store in
            try await store.trades.append(trades())
            for _ in 0..<2 {
                let rows = try await store.trades.aggregate(AggregateQuery([.count, .sum("qty")], grouping: .symbol))
                let summaries = try store.trades.summarize(column: "qty")
                #expect(rows.count == 3)
                #expect(
                    rows
                        == summaries.map {
                            AggregateRow(
                                symbol: $0.symbol, bucketStart: nil,
                                values: [.integer(Int128($0.rows)), .decimal(ExactAmount(mantissa: $0.sum, scale: 8))])
                        })
                _ = store.compact(now: Timestamp(nanoseconds: Int64.max))
            }
            let total = try await store.trades.aggregate(AggregateQuery([.count]))
            #expect(total == [AggregateRow(symbol: nil, bucketStart: nil, values: [.integer(1_500)])])
        }
    }

    /// Bad queries throw `StrataError` naming the column or the argument.
    @Test func badQueriesAreTypedErrors() async throws {
        try await withStore { store in
            func failure(_ query: AggregateQuery) async -> StrataError? {
                do {
                    _ = try await store.trades.aggregate(query)
                    return nil
                } catch {
                    return error as? StrataError
                }
            }
            // `quantity` is an alias of trades' `qty` (the schema's); `size` is no column at all.
            let unknown = await failure(AggregateQuery([.sum("size")]))
            #expect(unknown?.code == .invalidArgument && unknown?.message.contains("size") == true)
            let nonNumeric = await failure(AggregateQuery([.max("is_buyer_maker")]))
            #expect(nonNumeric?.code == .invalidArgument && nonNumeric?.message.contains("is_buyer_maker") == true)
            let width = await failure(AggregateQuery([.count], grouping: .bucket(width: 0)))
            #expect(width?.code == .invalidArgument && width?.message.contains("bucket width") == true)
            let inverted = await failure(AggregateQuery([.count], from: Self.t0, to: Self.t0.advanced(by: -1)))
            #expect(inverted?.code == .invalidArgument && inverted?.message.contains("from") == true)
        }
    }

    /// Nothing matches: one row of count 0 and absent values, or no rows when grouped.
    @Test func emptyAnswers() async throws {
        try await withStore { store in
            let query = AggregateQuery([.count, .sum("qty"), .min("price"), .vwap(price: "price", quantity: "qty")])
            let rows = try await store.trades.aggregate(query)
            #expect(
                rows == [AggregateRow(symbol: nil, bucketStart: nil, values: [.integer(0), .absent, .absent, .absent])])
            var grouped = query
            grouped.grouping = .symbolAndBucket(width: Self.minute)
            let groupedRows = try await store.trades.aggregate(grouped)
            #expect(groupedRows.isEmpty)
        }
    }

    @Test func exactAmountText() {
        #expect(ExactAmount(mantissa: 123_450_000, scale: 8).description == "1.2345")
        #expect(ExactAmount(mantissa: -5, scale: 4).description == "-0.0005")
        let big = Int128(Int64.max) * 1_000
        #expect(ExactAmount(mantissa: big, scale: 8).as(Quantity.self) == nil)
        #expect(ExactAmount(mantissa: big, scale: 8).as(Volume.self) == Volume(mantissa: big))
        #expect(ExactAmount(mantissa: 5, scale: 4).as(Price.self) == nil)
    }
}
