import Foundation
import Strata
import StrataTestSupport
import Testing

/// Range reads with a limit pushed into the engine and a cursor to page on: the pages of any
/// size, laid end to end, are exactly the full range — across partitions in memory, sealed
/// files, late rows merged in, and many rows sharing a nanosecond (where a time alone as the
/// next page's start would repeat or lose rows).
@Suite struct RangePagingTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func pagesLaidEndToEndAreTheRange(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let directory = makeTemporaryDirectory("strata-paging")
        defer { removeTree(directory) }
        let hour: Int64 = 3_600_000_000_000
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
            aggregates: false, maintenanceInterval: nil)
        configuration.partitionDuration = hour
        let base: Int64 = 1_719_792_000_000_000_000
        let symbol: Symbol = "BTCUSDT"
        var id: Int64 = 0
        func batch(_ count: Int, span: Int64) -> [Trade] {
            (0..<count).map { _ in
                id += 1
                // Few distinct times (90 over the span): runs of ~50 rows share a nanosecond.
                let time = base + Int64(random.next() % 90) * (span / 90)
                return Trade(
                    symbol: symbol, timestamp: Timestamp(nanoseconds: time), tradeID: id,
                    price: Price(mantissa: Int64(random.next() % 1_000) + 1), quantity: Quantity(mantissa: 1),
                    isBuyerMaker: id % 2 == 0)
            }
        }
        var store = try StrataStore.open(directory: directory, configuration: configuration)
        try await store.trades.append(batch(3_000, span: 3 * hour))
        _ = store.compact(now: .max)  // sealed files
        try await store.trades.append(batch(1_500, span: 4 * hour))  // late rows and a new open partition
        for phase in ["mixed", "reopened"] {
            let from = Timestamp(nanoseconds: base + Int64(random.next() % UInt64(hour)))
            let to = Timestamp(nanoseconds: base + 3 * hour + Int64(random.next() % UInt64(hour)))
            let all = try await store.trades.range(symbol: symbol, from: from, to: to)
            #expect(all.count > 1_000, "\(phase)")
            for limit in [1, 7, 100, 999, all.count, all.count + 5] {
                var pages: [[Trade]] = []
                var page = try await store.trades.range(symbol: symbol, from: from, to: to, limit: limit)
                pages.append(page.rows)
                while let next = page.next {
                    #expect(page.rows.count == limit, "\(phase): a page before the last is full")
                    page = try await store.trades.range(symbol: symbol, from: from, to: to, limit: limit, after: next)
                    pages.append(page.rows)
                    if pages.count > all.count + 2 { break }
                }
                let paged = pages.flatMap { $0 }
                let same = paged == all  // compared apart: a failure prints counts, not thousands of rows
                #expect(same, "\(phase): limit \(limit): \(pages.count) pages, \(paged.count) rows of \(all.count)")
            }
            // The symbol listing (from indexes, no decoding) agrees with reading every row.
            let everything = try await store.trades.range(symbol: symbol, from: .min, to: .max)
            let listing = try await store.trades.symbolListing()
            #expect(listing.map(\.symbol) == [symbol])
            #expect(listing.first?.rows == everything.count, "\(phase)")
            #expect(listing.first?.first == everything.first?.timestamp)
            #expect(listing.first?.last == everything.last?.timestamp)
            try store.close()
            store = try StrataStore.open(directory: directory, configuration: configuration)
        }
        try store.close()
    }

    @Test func argumentsOutsideTheRangeAreRefused() async throws {
        let directory = makeTemporaryDirectory("strata-paging")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory)
        defer { try? store.close() }
        let from = Timestamp(nanoseconds: 1_000)
        let to = Timestamp(nanoseconds: 2_000)
        await #expect(throws: StrataError.self) {
            try await store.trades.range(symbol: "X", from: from, to: to, limit: 0)
        }
        await #expect(throws: StrataError.self) {
            try await store.trades.range(
                symbol: "X", from: from, to: to, limit: 5, after: RangeCursor(timestamp: to, skip: 0))
        }
        #expect(
            RangeCursor("1719878281500000000:2")
                == RangeCursor(timestamp: Timestamp(nanoseconds: 1_719_878_281_500_000_000), skip: 2))
        #expect(RangeCursor("-5:0")?.timestamp.nanoseconds == -5)
        #expect(RangeCursor("12") == nil && RangeCursor("12:-1") == nil && RangeCursor("a:1") == nil)
    }
}
