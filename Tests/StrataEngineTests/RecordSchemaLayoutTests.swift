import StrataCore
import Testing

@testable import StrataEngine

/// The built-in schemas derive exactly the storage layouts the engine wrote before the catalog
/// (names, types, order, dedup key): stores written then open and read unchanged. The literals
/// here are the old hand-written column lists.
@Suite struct RecordSchemaLayoutTests {
    @Test func tradesLayoutIsUnchanged() throws {
        let schema = try TableSchema(record: .trades)
        #expect(
            schema.columns == [
                ColumnSpec("ts_ns", .timestamp), ColumnSpec("trade_id", .int64),
                ColumnSpec("price", .decimal(scale: 8)),
                ColumnSpec("qty", .decimal(scale: 8)), ColumnSpec("is_buyer_maker", .bool),
            ])
        #expect(schema.dedupKeyIndex == 1)
        #expect(schema.timestampIndex == 0)
        #expect(schema.partitionDuration == 86_400_000_000_000)
        #expect(schema.writeMode == .append)
    }

    @Test func aggregatedTradesLayoutIsUnchanged() throws {
        let schema = try TableSchema(record: .aggregatedTrades)
        #expect(schema.name == "aggtrades")
        #expect(
            schema.columns == [
                ColumnSpec("agg_trade_id", .int64), ColumnSpec("price", .decimal(scale: 8)),
                ColumnSpec("quantity", .decimal(scale: 8)), ColumnSpec("first_trade_id", .int64),
                ColumnSpec("last_trade_id", .int64), ColumnSpec("transact_time", .timestamp),
                ColumnSpec("is_buyer_maker", .bool), ColumnSpec("is_best_match", .bool),
            ])
        #expect(schema.dedupKeyIndex == 0)
        #expect(schema.timestampIndex == 5)
    }

    @Test func quotesLayoutIsUnchanged() throws {
        let schema = try TableSchema(record: .quotes, partitionDuration: 3_600_000_000_000, absentValues: false)
        var expected = [
            ColumnSpec("ts_ns", .timestamp), ColumnSpec("bid_levels", .int8), ColumnSpec("ask_levels", .int8),
        ]
        for level in 0..<5 {
            expected += [
                ColumnSpec("bid_px_\(level)", .decimal(scale: 8)), ColumnSpec("bid_sz_\(level)", .decimal(scale: 8)),
                ColumnSpec("ask_px_\(level)", .decimal(scale: 8)), ColumnSpec("ask_sz_\(level)", .decimal(scale: 8)),
            ]
        }
        #expect(schema.columns == expected)
        #expect(schema.dedupKeyIndex == nil)
        #expect(schema.partitionDuration == 3_600_000_000_000)
    }

    /// What the engine cannot store yet is refused naming the table and the column, not trapped.
    /// Text columns, optional columns and both last-wins forms map onto the engine.
    @Test func declaredLayoutsMapOntoTheEngine() throws {
        let news = try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("headline", .text),
                SchemaColumn("sentiment", .float64, rules: ColumnRules(required: false)),
            ],
            timestamp: "ts")
        let layout = try TableSchema(record: news)
        #expect(layout.columns.map(\.type) == [.timestamp, .text, .float64] && layout.textColumns == [1])
        #expect(layout.columns.map(\.optional) == [false, false, true])
        #expect(try TableSchema(record: news, absentValues: false).columns.allSatisfy { !$0.optional })
        let upsert = try RecordSchema(
            name: "corporate_actions",
            columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64)],
            timestamp: "ts", key: RecordKey("id", policy: .lastWins))
        let upserts = try TableSchema(record: upsert)
        #expect(upserts.writeMode == .replaceByKey && upserts.upsertKeyIndex == 1 && upserts.versionIndex == 2)
        let byTime = try RecordSchema(
            name: "latest_marks",
            columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("mark", .float64)],
            timestamp: "ts", key: RecordKey("ts", policy: .lastWins))
        #expect(try TableSchema(record: byTime).writeMode == .replaceByTimestamp)
        // A text key is refused where the table is declared (rows are keyed by integer ids).
        #expect(throws: SchemaError.self) {
            try RecordSchema(
                name: "ratings",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("firm", .text),
                ],
                timestamp: "ts", key: RecordKey("firm", policy: .lastWins))
        }
    }
}
