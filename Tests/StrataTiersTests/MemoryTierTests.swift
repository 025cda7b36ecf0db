import StrataCore
import StrataTiers
import Testing

@Suite struct MemoryTierTests {
    static let base: Int64 = 1_700_000_000_000_000_000

    func tier(capacity: Int, complete: Bool = false, standalone: Bool = false) throws -> MemoryTier {
        try MemoryTier(
            tables: [.init(schema: TickTable.schema, capacity: capacity, complete: complete)], standalone: standalone)
    }

    @Test func latestAnswersWhenItHoldsEnoughRowsNewestFirst() throws {
        let memory = try tier(capacity: 5)
        #expect(
            memory.apply(
                table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 0, count: 8, base: Self.base)))
        let rows = try #require(memory.latest(table: "ticks", symbol: "A", limit: 3))
        #expect(rows.columns[1] == [7, 6, 5])
        #expect(rows.columns[2] == [10_007, 10_006, 10_005])
        #expect(rows.columns[3].map { rows.texts.string($0) } == ["n7", "n6", "n5"])
        #expect(memory.latest(table: "ticks", symbol: "A", limit: 6) == nil)  // holds only 5
        #expect(memory.latest(table: "ticks", symbol: "B", limit: 1) == nil)
        #expect(memory.health.hits == 1 && memory.health.misses == 2)
    }

    @Test func rangesAnswerOnlyAfterTheNewestEvictedTime() throws {
        let memory = try tier(capacity: 4)
        memory.apply(
            table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 0, count: 10, base: Self.base))
        // Held: ids 6...9; evicted through id 5's time.
        let second: Int64 = 1_000_000_000
        #expect(memory.range(table: "ticks", symbol: "A", from: Self.base + 5 * second, to: .max, limit: 100) == nil)
        let rows = try #require(
            memory.range(
                table: "ticks", symbol: "A", from: Self.base + 5 * second + 1, to: Self.base + 9 * second, limit: 100))
        #expect(rows.columns[1] == [6, 7, 8])
        let limited = try #require(
            memory.range(table: "ticks", symbol: "A", from: Self.base + 6 * second, to: .max, limit: 2))
        #expect(limited.columns[1] == [6, 7])
    }

    @Test func aTierThatDidNotSeeTheBeginningCountsItsFirstRowAsEvicted() throws {
        let memory = try tier(capacity: 100)
        memory.apply(
            table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 10, count: 5, base: Self.base))
        let second: Int64 = 1_000_000_000
        #expect(memory.range(table: "ticks", symbol: "A", from: Self.base, to: .max, limit: 100) == nil)
        #expect(memory.latest(table: "ticks", symbol: "A", limit: 10) == nil)
        #expect(
            memory.range(table: "ticks", symbol: "A", from: Self.base + 11 * second, to: .max, limit: 9)?.count == 4)
        // A complete tier (development mode) answers everything it never evicted.
        let whole = try tier(capacity: 100, complete: true, standalone: true)
        whole.apply(
            table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 10, count: 5, base: Self.base))
        #expect(whole.latest(table: "ticks", symbol: "A", limit: 10)?.count == 5)
        #expect(whole.range(table: "ticks", symbol: "A", from: 0, to: .max, limit: 100)?.count == 5)
        #expect(whole.range(table: "ticks", symbol: "Z", from: 0, to: .max, limit: 100)?.count == 0)
        #expect(whole.health.durable == false)
        #expect(whole.health.note?.contains("nothing is durable") == true)
        #expect(memory.health.durable)
    }

    @Test func lateRowsAreInsertedInTimeOrderAndRepeatsIgnored() throws {
        let memory = try tier(capacity: 3)
        memory.apply(
            table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 5, count: 3, base: Self.base))
        #expect(
            !memory.apply(
                table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 9, count: 1, base: Self.base)))
        // Id 6's time again (a late row between held ones), then an older row than all: evicted at once.
        memory.apply(
            table: "ticks", position: 2,
            batch: TickTable.batch(symbol: "A", first: 6, count: 1, base: Self.base, note: nil))
        memory.apply(
            table: "ticks", position: 3, batch: TickTable.batch(symbol: "A", first: 1, count: 1, base: Self.base))
        let rows = try #require(memory.latest(table: "ticks", symbol: "A", limit: 3))
        #expect(rows.columns[1] == [7, 6, 6])
        #expect(rows.columns[3][1] == -1 || rows.columns[3][2] == -1)  // the late row has no note
        #expect(memory.health.tables.first?.appliedPosition == 3)
    }

    @Test func badConfigurationIsATypedError() {
        #expect(throws: TierError.self) { try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 0)]) }
    }
}
