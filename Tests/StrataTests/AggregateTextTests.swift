import Foundation
import Strata
import StrataTestSupport
import Testing

/// The text forms the API's `fn`/`by`/`bucket` and the CLI's `--fn`/`--by`/`--bucket` share,
/// and column names resolved through the schema (API names and aliases).
@Suite struct AggregateTextTests {
    @Test func functionsReadAndPrintOneSpelling() throws {
        let list = try AggregateFunction.list(
            "count, sum(qty),min(price),max(price),first(price),last(price),vwap,vwap(p,q)")
        #expect(
            list == [
                .count, .sum("qty"), .min("price"), .max("price"), .first("price"), .last("price"),
                .vwap(price: "price", quantity: "qty"), .vwap(price: "p", quantity: "q"),
            ])
        #expect(
            list.map(\.description).joined(separator: ",")
                == "count,sum(qty),min(price),max(price),first(price),last(price),vwap(price,qty),vwap(p,q)")
        for bad in ["", "avg(qty)", "sum()", "sum(qty", "vwap(price)", "sum(a,b)", "count,"] {
            #expect(throws: StrataError.self, "\(bad)") { try AggregateFunction.list(bad) }
        }
        do {
            _ = try AggregateFunction.list("count,mean(qty)")
        } catch let error as StrataError {
            #expect(error.message.hasPrefix("fn: expected count") && error.message.hasSuffix("got 'mean(qty)'"))
        }
    }

    @Test func groupingsReadWithTheirWidths() throws {
        #expect(try AggregateGrouping(by: nil, bucket: nil) == .none)
        #expect(try AggregateGrouping(by: "symbol", bucket: nil) == .symbol)
        #expect(try AggregateGrouping(by: nil, bucket: "5m") == .bucket(width: 300_000_000_000))
        #expect(try AggregateGrouping(by: "bucket", bucket: "30s") == .bucket(width: 30_000_000_000))
        #expect(try AggregateGrouping(by: "symbol,bucket", bucket: "1d") == .symbolAndBucket(width: 86_400_000_000_000))
        for (by, bucket) in [("bucket", nil), ("venue", nil), (nil, "5x"), (nil, "0m"), ("symbol", "1h"), (nil, "-1h")]
            as [(String?, String?)]
        {
            #expect(throws: StrataError.self, "\(String(describing: by)) \(String(describing: bucket))") {
                try AggregateGrouping(by: by, bucket: bucket)
            }
        }
    }

    /// `qty` is the one name of aggregated trades' quantity (stored as `quantity`); both work.
    @Test func columnsAreNamedAsTheAPINamesThem() async throws {
        let directory = makeTemporaryDirectory("strata-agg-text")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory,
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                maintenanceInterval: nil))
        defer { try? store.close() }
        let trades = (1...3).map { i in
            AggregatedTrade(
                symbol: "BTCUSDT", aggregateID: Int64(i), price: Price(mantissa: 100 * Price.unit),
                quantity: Quantity(mantissa: Int64(i) * Quantity.unit / 2), firstTradeID: Int64(i),
                lastTradeID: Int64(i), timestamp: Timestamp(nanoseconds: 1_000 + Int64(i)), isBuyerMaker: false,
                isBestMatch: true)
        }
        try await store.aggregatedTrades.append(trades)
        for name in ["qty", "quantity"] {
            let rows = try await store.aggregatedTrades.aggregate(AggregateQuery([.sum(name), .count]))
            #expect(rows.first?.values.first?.decimal?.description == "3", "\(name)")
        }
        await #expect(throws: StrataError.self) {
            try await store.aggregatedTrades.aggregate(AggregateQuery([.sum("size")]))
        }
    }
}
