import Strata
import StrataTestSupport
import Testing

/// A built-in table written by column name (``StrataStore/table(named:)``): checked by its schema
/// and by its record's own rules, stored exactly as its typed records are, and read back as both.
@Suite struct BuiltInRowsTests {
    static let time: Int64 = 1_719_878_281_500_000_000

    static func open(_ directory: String) throws -> StrataStore {
        try StrataStore.open(
            directory: directory,
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                maintenanceInterval: nil))
    }

    @Test func rowsOfABuiltInTableAreItsRecords() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try Self.open(directory)
        let aggregated = try #require(store.table(named: "agg_trades"))
        #expect(aggregated.schema == .aggregatedTrades)
        func row(_ id: Int64, first: Int64, last: Int64) -> Row {
            Row(
                symbol: "BTCUSDT",
                [
                    "ts_ns": .timestamp(Timestamp(nanoseconds: Self.time + id)), "agg_trade_id": .integer(id),
                    "price": FieldValue.decimal("42289.98")!, "quantity": FieldValue.decimal("0.5")!,
                    "first_trade_id": .integer(first), "last_trade_id": .integer(last),
                    "is_buyer_maker": .bool(true), "is_best_match": .bool(false),
                ])
        }
        let report = try await aggregated.append([row(1, first: 10, last: 12), row(2, first: 13, last: 13)])
        #expect(report.stored == 2)
        // The record's own rule across columns, with the row's index; nothing of the batch stored.
        await #expect {
            try await aggregated.append([row(3, first: 14, last: 14), row(4, first: 20, last: 19)])
        } throws: { error in
            (error as? ValidationError).map { $0.field == "first_trade_id" && $0.index == 1 } == true
        }
        let typed = try await store.aggregatedTrades.range(symbol: "BTCUSDT", from: .min, to: .max)
        #expect(typed.map(\.aggregateID) == [1, 2])
        #expect(typed.first?.lastTradeID == 12 && typed.first?.isBestMatch == false)
        #expect(typed.first?.quantity == (try Quantity("0.5")))

        // Quotes by name: the book's levels as columns, its depth bounded by the schema.
        let quotes = try #require(store.table(named: "quotes"))
        let quote = Row(
            symbol: "IBM",
            [
                "ts_ns": .timestamp(Timestamp(nanoseconds: Self.time)), "bid_levels": .integer(1),
                "ask_levels": .integer(0), "bid_px_0": FieldValue.decimal("180.01")!,
                "bid_sz_0": FieldValue.decimal("300")!,
            ])
        #expect(try await quotes.append([quote]).stored == 1)
        var deep = quote
        deep.values["bid_levels"] = .integer(6)
        await #expect(throws: ValidationError.self) { try await quotes.append([deep]) }
        var empty = quote
        empty.values["bid_levels"] = .integer(0)
        // No bid and no ask: the quote's own rule.
        await #expect {
            try await quotes.append([empty])
        } throws: { error in
            (error as? ValidationError)?.rule == .malformed
        }
        let book = try await store.quotes.latest(symbol: "IBM", limit: 10)
        let best = try Price("180.01")
        #expect(book.count == 1 && book[0].bids.map(\.price) == [best] && book[0].asks.isEmpty)
        let back = try await quotes.latest(symbol: "IBM", limit: 10)
        #expect(back.count == 1 && back.first?["bid_levels"] == .integer(1))
        try store.close()
    }
}
