import Foundation
import StrataCore
import StrataEngine
import StrataPostgres
import Testing

/// The append's fast path (`PostgresDirectAppend`: COPY straight into the table when no row can
/// be refused) and its fallback (the staging table's dedup) give the engine's answers: fresh
/// growing trade ids, a retried batch, re-sent ids mixed with new ones, an old id in a new day
/// (a new row: keep-first is per partition), an id twice in one batch, and a table without key.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct DirectAppendTests {
    static let day: Int64 = 86_400_000_000_000
    static let base: Int64 = 1_719_792_000_000_000_000  // 2024-07-01

    /// Trades of ids `ids` (day `day`), symbol by id, each at a time of its own.
    static func batch(_ ids: [Int64], day: Int64, shift: Int64 = 0) -> ColumnBatch {
        var batch = ColumnBatch(columnCount: RecordSchema.trades.storageColumns.count)
        batch.symbols = ["AAPL", "BTCUSDT", "ETH-USD"]
        for id in ids {
            batch.symbolIndex.append(UInt32(id % 3))
            let lanes: [Int64] = [
                base + day * Self.day + id * 1_000_000_000 + shift, id, 640_000_000_000 + id, 100_000_000 + id, id % 2,
            ]
            for (c, lane) in lanes.enumerated() { batch.columns[c].append(lane) }
        }
        return batch
    }

    static var batches: [ColumnBatch] {
        [
            batch(Array(1...300), day: 0),  // fresh: straight in
            batch(Array(1...300), day: 0),  // a retry: all duplicates
            batch(Array(301...600), day: 0),  // fresh again
            batch(Array(100...150) + Array(601...650), day: 0),  // re-sent ids and new ones
            batch(Array(5...10), day: 2),  // old ids in a day without rows: stored
            batch(Array(700...710), day: 1),
            batch(Array(20...30), day: 1),  // old ids in a day with larger ones: stored
            batch([711, 712, 711], day: 1, shift: 7),  // an id twice in one batch (another time)
            batch(Array(720...729), day: 1),
        ]
    }

    static func answers(_ table: any BackendTable) throws -> (reports: [AppendReport], rows: [[[String]]]) {
        let reports = try batches.map { try table.append($0) }
        let rows = try ["AAPL", "BTCUSDT", "ETH-USD"].map { symbol in
            BackendContractTests.rows(try table.range(symbol: symbol, from: .min, to: .max, limit: .max), .trades)
        }
        return (reports, rows)
    }

    @Test func directAndStagedAppendsGiveTheEnginesAnswers() async throws {
        let directory = NSTemporaryDirectory() + "strata-direct-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let embedded = EmbeddedBackend(directory: directory, durability: .osBuffered, sealGrace: 1_000_000_000)
        let options = TableOptions(absentValues: false)
        let engineTable = try embedded.openTable(.trades, options: options)
        let expected = try Self.answers(engineTable)
        try engineTable.close()
        #expect(expected.reports.map(\.duplicates) == [0, 300, 0, 51, 0, 0, 0, 1, 0])

        try await PostgresTestServer.withSchema("direct") { configuration in
            let backend = try PostgresBackend(configuration: configuration)
            let table = try backend.openTable(.trades, options: options)
            let actual = try Self.answers(table)
            #expect(actual.reports == expected.reports)
            #expect(actual.rows == expected.rows)
            #expect(table.stats().duplicatesSkipped == 352)
            try table.close()
            try backend.close()
        }
    }

    /// A table without key always takes the fast path: every row stored, in arrival order.
    @Test func aTableWithoutKeyStoresEveryRow() async throws {
        let schema = try RecordSchema(
            name: "ticks_nokey",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("price", .decimal(scale: 4)), SchemaColumn("note", .text),
            ],
            timestamp: "ts")
        var batch = ColumnBatch(columnCount: 4)
        batch.symbols = ["X", "Y"]
        for i in 0..<50 {
            batch.symbolIndex.append(UInt32(i % 2))
            batch.columns[0].append(Self.base + Int64(i / 3) * 1_000)  // equal times
            batch.columns[1].append(Int64(i % 7))
            batch.columns[2].append(Int64(i) * 12_345 - 100_000)
            batch.columns[3].append(batch.texts.append("tab\there \\ №\(i)\nline"))
        }
        try await PostgresTestServer.withSchema("nokey") { configuration in
            let backend = try PostgresBackend(configuration: configuration)
            let table = try backend.openTable(schema, options: TableOptions())
            #expect(try table.append(batch).stored == 50)
            #expect(try table.append(batch).stored == 50)
            let rows = try table.range(symbol: "X", from: .min, to: .max, limit: .max)
            #expect(rows.count == 50)
            let prices = batch.columns[2].enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            #expect(rows.columns[2].sorted() == (prices + prices).sorted())
            #expect(rows.texts.string(rows.columns[3][1]) == "tab\there \\ №2\nline")
            try table.close()
            try backend.close()
        }
    }
}
