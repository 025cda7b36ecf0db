import StrataCore
import StrataRedis
import StrataRedisTier
import StrataTestSupport
import StrataTiers
import Testing

/// The Redis tier as a read tier (real Redis): members decoded back into the exact lanes, and
/// answers only when it holds them fully.
@Suite struct RedisTierReadTests {
    /// Every column kind written and read back lane for lane, text with quotes and newlines,
    /// absent values, negative decimals.
    @Test func membersDecodeToTheLanesTheyWereWrittenFrom() throws {
        let batch = TierTicks.batch(symbol: "BTCUSDT", first: 0, count: 12)
        let encoding = RedisRowEncoding(schema: TierTicks.schema)
        let members = (0..<batch.count).map { encoding.member(row: $0, of: batch, position: 7) }
        let rows = try RedisRowDecoding(schema: TierTicks.schema).rows(members)
        #expect(rows.count == 12)
        for lane in 0..<3 { #expect(rows.columns[lane] == batch.columns[lane], "lane \(lane)") }
        let texts = rows.columns[3].map { $0 < 0 ? nil : rows.texts.string($0) }
        let expected = batch.columns[3].map { $0 < 0 ? nil : batch.texts.string($0) }
        #expect(texts == expected)
        #expect(members.map(RedisRowDecoding.time(ofMember:)) == batch.columns[0].map { Optional($0) })
        #expect(throws: TierError.self) { try RedisRowDecoding(schema: TierTicks.schema).rows(["1|2|3|{\"x\":1}"]) }
    }

    @Test(TierRedis.sharedServer) func answersOnlyWhatItHoldsFully() async throws {
        let client = try await RedisClient.connect(configuration: try RedisConfiguration(url: TierRedis.url))
        let tier = try RedisTier(
            client: client,
            configuration: .init(tables: [(TierTicks.schema, 10)], keyPrefix: TierRedis.prefix("read")))
        let batch = TierTicks.batch(symbol: "BTCUSDT", first: 0, count: 15)
        try await tier.apply(table: "ticks", entries: [LogEntry(position: 1, committedAt: 0, batch: batch)])
        // Holds the newest 10 (ids 5…14).
        let latest = try #require(try await tier.answerLatest(table: "ticks", symbol: "BTCUSDT", limit: 4))
        #expect(latest.columns[1] == [14, 13, 12, 11])
        #expect(try await tier.answerLatest(table: "ticks", symbol: "BTCUSDT", limit: 11) == nil)
        #expect(try await tier.answerLatest(table: "ticks", symbol: "ETHUSDT", limit: 1) == nil)
        let time = { (id: Int64) in TierTicks.base + id * 1_000_000 }
        let range = try #require(
            try await tier.answerRange(table: "ticks", symbol: "BTCUSDT", from: time(7), to: time(12), limit: 100))
        #expect(range.columns[1] == [7, 8, 9, 10, 11])
        let capped = try #require(
            try await tier.answerRange(table: "ticks", symbol: "BTCUSDT", from: time(7), to: time(12), limit: 2))
        #expect(capped.columns[1] == [7, 8])
        // From the oldest held row on, older rows may exist elsewhere: not answered.
        #expect(
            try await tier.answerRange(table: "ticks", symbol: "BTCUSDT", from: time(5), to: time(9), limit: 9) == nil)
        #expect(try await tier.heldSymbols(table: "ticks") == ["BTCUSDT"])
        #expect(try await tier.heldRows(table: "ticks", symbol: "BTCUSDT").columns[1] == Array(5...14))
        await client.close()
    }
}
