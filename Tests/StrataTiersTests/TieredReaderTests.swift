import StrataCore
import StrataTiers
import Testing

@Suite struct TieredReaderTests {
    @Test func theFirstTierThatCanAnswerFullyAnswers() async throws {
        let base: Int64 = 1_700_000_000_000_000_000
        let front = try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 10)])
        // Stands for the system of record: it saw every row and keeps them all.
        let whole = try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 1_000, complete: true)])
        for tier in [front, whole] {
            tier.apply(
                table: "ticks", position: 1, batch: TickTable.batch(symbol: "A", first: 0, count: 100, base: base))
        }
        let reader = TieredReader(tiers: [front], systemOfRecord: NamedTier(name: "record", inner: whole))
        let recent = try await reader.latest(table: "ticks", symbol: "A", limit: 5)
        #expect(recent.tier == "memory" && recent.rows.columns[1] == [99, 98, 97, 96, 95])
        let deep = try await reader.latest(table: "ticks", symbol: "A", limit: 50)
        #expect(deep.tier == "record" && deep.rows.count == 50)
        let old = try await reader.range(table: "ticks", symbol: "A", from: base, to: base + 5_000_000_000, limit: 100)
        #expect(old.tier == "record" && old.rows.columns[1] == [0, 1, 2, 3, 4])
        #expect(reader.counts["memory"] == TierReadCounts(hits: 1, misses: 2, errors: 0))
        #expect(reader.counts["record"]?.hits == 2)
    }
}

/// A tier under another name (the test's stand-in for the system of record).
struct NamedTier: ReadableTier {
    let name: String
    let inner: MemoryTier

    func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet? {
        inner.latest(table: table, symbol: symbol, limit: limit)
    }

    func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet? {
        inner.range(table: table, symbol: symbol, from: from, to: to, limit: limit)
    }
}
