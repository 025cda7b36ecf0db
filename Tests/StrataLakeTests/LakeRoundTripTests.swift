import Strata
import StrataCore
import StrataLake
import StrataTestSupport
import Testing

/// Every schema of the catalog written to Parquet and read back by Strata's own reader: the
/// same rows, decimals exact, absent values absent, book sides at their depth.
@Suite struct LakeRoundTripTests {
    @Test(arguments: LakeFixtures.allSchemas.map(\.name))
    func everySchemaReadsBackExactly(table: String) throws {
        let schema = try #require(LakeFixtures.allSchemas.first { $0.name == table })
        let lake = makeTemporaryDirectory("strata-lake")
        defer { removeTree(lake) }
        let day: Int64 = 19_724 * 86_400 * 1_000_000_000  // 2024-01-02
        // Two symbols, one with more rows than a page (several pages per column chunk).
        let btc = LakeFixtures.batch(schema, symbol: "BTCUSDT", rows: 40_000, start: day, step: 1_000_000, seed: 1)
        let eth = LakeFixtures.batch(schema, symbol: "ETHUSDT", rows: 300, start: day + 5, seed: 2)
        let writer = try LakeTableWriter(root: lake, schema: schema)
        let file = try writer.startFile(date: "2024-01-02")
        try file.write(btc)
        try file.write(eth)
        let entry = try file.publish()
        #expect(entry.rows == 40_300)
        #expect(entry.symbols == ["BTCUSDT", "ETHUSDT"])
        #expect(entry.path == "date=2024-01-02/part-0.parquet")

        let layout = LakeTableLayout(schema: schema)
        let all = try LakeReader.readFile(lake + "/table=\(table)/" + entry.path, layout: layout)
        #expect(all.count == 2)
        #expect(LakeFixtures.rows(all) == LakeFixtures.rows([btc, eth]))

        // A symbol and a time range: only its rows in the range.
        let reader = LakeReader(root: lake)
        let from = Timestamp(nanoseconds: day + 10_000 * 1_000_000)
        let to = Timestamp(nanoseconds: day + 20_000 * 1_000_000)
        let part = try reader.read(schema: schema, symbol: Symbol(unchecked: "BTCUSDT"), from: from, to: to)
        let expected = LakeFixtures.rows([btc])[10_000..<20_000]
        #expect(LakeFixtures.rows(part) == Array(expected))
        let none = try reader.read(schema: schema, symbol: Symbol(unchecked: "SOLUSDT"), from: .min, to: .max)
        #expect(none.isEmpty)
        let eths = try reader.read(schema: schema, symbol: Symbol(unchecked: "ETHUSDT"), from: .min, to: .max)
        #expect(LakeFixtures.rows(eths) == LakeFixtures.rows([eth]))
    }

    @Test func uncompressedPagesReadBackToo() throws {
        let lake = makeTemporaryDirectory("strata-lake")
        defer { removeTree(lake) }
        let batch = LakeFixtures.batch(.quotes, symbol: "BTCUSDT", rows: 1_000, start: 0, seed: 3)
        let writer = try LakeTableWriter(root: lake, schema: .quotes)
        writer.configuration.compress = false
        writer.configuration.pageRows = 100
        let file = try writer.startFile(date: "1970-01-01")
        try file.write(batch)
        let entry = try file.publish()
        let read = try LakeReader.readFile(
            lake + "/table=quotes/" + entry.path, layout: LakeTableLayout(schema: .quotes))
        #expect(LakeFixtures.rows(read) == LakeFixtures.rows([batch]))
    }

    @Test func aMantissaPastEighteenDigitsIsRefusedNamingTheColumn() throws {
        var batch = LakeFixtures.batch(.trades, symbol: "BTCUSDT", rows: 3, start: 0, seed: 4)
        let price = try #require(batch.columns.firstIndex { $0.name == "price" })
        guard case .decimals(var values, let scale) = batch.columns[price].values else {
            Issue.record("price is not decimals")
            return
        }
        values[1] = .max
        batch.columns[price].values = .decimals(values, scale: scale)
        var writer = ParquetWriter(layout: LakeTableLayout(schema: .trades))
        #expect {
            try writer.write(batch)
        } throws: { error in
            guard let error = error as? LakeError else { return false }
            return error.code == .unsupported && error.message.contains("price")
        }
    }
}

/// Damaged files: every truncation and random flipped bytes are a ``LakeError`` or (a flip in
/// a value) other rows — never a crash.
@Suite struct LakeDamageTests {
    @Test func damagedFilesAreErrorsNotCrashes() throws {
        let lake = makeTemporaryDirectory("strata-lake-damage")
        defer { removeTree(lake) }
        let writer = try LakeTableWriter(root: lake, schema: .quotes)
        writer.configuration.pageRows = 50
        let file = try writer.startFile(date: "1970-01-01")
        try file.write(LakeFixtures.batch(.quotes, symbol: "BTCUSDT", rows: 200, start: 0, seed: 5))
        try file.write(LakeFixtures.batch(.quotes, symbol: "ETHUSDT", rows: 100, start: 0, seed: 6))
        let entry = try file.publish()
        let path = lake + "/table=quotes/" + entry.path
        let layout = LakeTableLayout(schema: .quotes)
        let original = try LakeReader.readFile(path, layout: layout)
        #expect(original.reduce(0) { $0 + $1.count } == 300)
        let bytes = try #require(readBytes(path))
        let damaged = lake + "/damaged.parquet"
        var errors = 0
        for cut in stride(from: 0, to: bytes.count, by: 13) {
            writeBytes(damaged, Array(bytes[..<cut]))
            #expect(throws: LakeError.self) { try LakeReader.readFile(damaged, layout: layout) }
        }
        var random = SplitMix64(seed: 11)
        for _ in 0..<400 {
            var copy = bytes
            // Half the flips in the footer, where every offset and length is.
            let footer = bytes.count - 200
            let index =
                random.next() % 2 == 0 ? footer + Int(random.next() % 192) : Int(random.next() % UInt64(bytes.count))
            copy[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            writeBytes(damaged, copy)
            do {
                _ = try LakeReader.readFile(damaged, layout: layout)
            } catch {
                errors += 1
            }
        }
        #expect(errors > 0)
    }
}
