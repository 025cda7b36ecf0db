import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// Per-block statistics of sealed files (format version 2): they equal what the block's values
/// give, they answer whole blocks without decoding them, and version-1 files (no statistics)
/// still open and aggregate exactly.
@Suite struct BlockStatisticsTests {
    static let schema = AggregateTestRow.schema(partitionDuration: 10_000)

    /// A value of a random kind: small, Int64 extremes, or anywhere in the range.
    static func value(_ random: inout SeededRandom) -> Int64 {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: .max
        case 1: .min
        case 2: Int.random(in: 0..<2, using: &random) == 0 ? .max - Int64.random(in: 0...3, using: &random) : .min + 1
        case 3: Int64.random(in: .min ... .max, using: &random)
        default: Int64.random(in: -1_000...1_000, using: &random)
        }
    }

    /// Random columns for `rows` rows of one symbol, sorted by time.
    static func columns(rows: Int, constant: Bool, random: inout SeededRandom) -> [Lane] {
        var values: [[Int64]] = Array(repeating: [], count: schema.columns.count)
        var ts = Int64.random(in: 0..<1_000, using: &random)
        let fixed = value(&random)
        for i in 0..<rows {
            ts += Int64.random(in: 0...3, using: &random)
            values[0].append(ts)
            values[1].append(Int64(i))
            for c in 2..<schema.columns.count { values[c].append(constant ? fixed : value(&random)) }
        }
        return values.map(Lane.init)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func statisticsEqualTheDecodedBlocks(seed: UInt64) throws {
        let directory = TemporaryDirectory.inMemory("strata-block-statistics")
        defer { directory.cleanup() }
        var random = SeededRandom(seed: seed)
        var symbols: [(name: String, columns: [Lane])] = []
        for (s, rows) in [1, 1_023, 1_024, 1_025, 3_000, Int.random(in: 1...5_000, using: &random)].enumerated() {
            symbols.append(("S\(s)", Self.columns(rows: rows, constant: s == 2, random: &random)))
        }
        let path = directory.path + "/p0.g1.col"
        try PartitionFileWriter(schema: Self.schema).write(
            .init(partition: 0, includedThrough: 1, duplicatesSkipped: 0, symbols: symbols), to: path,
            fileSystem: SystemFileSystem())
        let file = try SealedPartition(path: path, generation: 1, schema: Self.schema)
        #expect(file.formatVersion == PartitionFileFormat.formatVersion)
        // id (int64), price and qty (decimal), level (int8); not ts, score (float64) or flag (bool).
        #expect(file.statisticsIndex == [nil, 0, 1, 2, nil, 3, nil])
        let all = Array(0..<Self.schema.columns.count)
        var checked = 0
        for entry in file.symbols.values {
            try file.forEachBlock(of: entry, from: .min, to: .max, columns: all) { block, lanes in
                for c in all {
                    let statistics = file.statistics(entry, block: block, column: c)
                    guard file.statisticsIndex[c] != nil else {
                        #expect(statistics == nil)
                        continue
                    }
                    let lane = lanes[c]
                    let expected = SealedPartition.ColumnStatistics(
                        sum: lane.reduce(Int128(0)) { $0 + Int128($1) }, min: lane.min()!, max: lane.max()!)
                    #expect(statistics == expected, "\(entry.name) block \(block) column \(c)")
                    checked += 1
                }
                return true
            }
        }
        #expect(checked >= 36)  // at least nine blocks, four columns with statistics
    }

    /// A table of random rows over two partitions, everything sealed.
    func sealedTable(_ directory: TemporaryDirectory) throws -> (EngineTable, [AggregateTestRow]) {
        let table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        var random = SeededRandom(seed: 77)
        var rows: [AggregateTestRow] = []
        for i in 0..<6_000 {
            let symbol = AggregateQueryTests.symbols[i % 3]
            rows.append(
                AggregateQueryTests.randomRow(symbol: symbol, ts: Int64(i) * 3, id: Int64(i), random: &random))
        }
        _ = try table.append(AggregateTestRow.batch(rows))
        #expect(table.compact(now: Timestamp(nanoseconds: .max)).errors.isEmpty)
        return (table, rows)
    }

    static let requests: [EngineTable.AggregateRequest] = [
        .init(functions: AggregateQueryTests.statisticsFunctions, from: .min, to: .max, groupBySymbol: true),
        .init(functions: AggregateQueryTests.statisticsFunctions, from: 1_000, to: 17_000, bucketWidth: 2_048),
        .init(functions: AggregateQueryTests.functions, from: .min, to: .max, groupBySymbol: true),
        .init(functions: AggregateQueryTests.functions, from: 500, to: 15_001, groupBySymbol: true, bucketWidth: 5_000),
    ]

    /// Files rewritten as version 1 (no statistics) open, and every aggregate answers as before,
    /// as the brute-force model does.
    @Test func versionOneFilesStillOpenAndAggregate() throws {
        let directory = TemporaryDirectory.inMemory("strata-block-statistics")
        defer { directory.cleanup() }
        var (table, rows) = try sealedTable(directory)
        var model = AggregateReference(partitionDuration: 10_000)
        _ = model.append(rows)
        let before = try Self.requests.map { try table.aggregate($0) }
        #expect(before == Self.requests.map { model.aggregate($0) })
        try table.close()

        let partitions = directory.path + "/partitions"
        let names = try FileManager.default.contentsOfDirectory(atPath: partitions).filter { $0.hasSuffix(".col") }
        #expect(names.count == 2)
        for name in names {
            let path = partitions + "/" + name
            let file = try SealedPartition(path: path, generation: 1, schema: Self.schema)
            #expect(file.formatVersion == PartitionFileFormat.formatVersion)
            var texts = TextHeap()
            let symbols = try file.symbols.keys.map { symbol in
                (name: symbol, columns: try file.allRows(symbol: symbol, texts: &texts).map(Lane.init))
            }
            var writer = PartitionFileWriter(schema: Self.schema)
            writer.formatVersion = 1
            let input = PartitionFileWriter.Input(
                partition: file.partition, includedThrough: file.includedThrough,
                duplicatesSkipped: UInt64(file.duplicatesSkipped), symbols: symbols)
            try writer.write(input, to: path, fileSystem: SystemFileSystem())
            let old = try SealedPartition(path: path, generation: 1, schema: Self.schema)
            #expect(old.formatVersion == 1 && old.statistics.isEmpty)
            #expect(old.statisticsIndex.allSatisfy { $0 == nil })
        }

        table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        defer { try? table.close() }
        #expect(!table.recovery.isDamaged)
        #expect(try Self.requests.map { try table.aggregate($0) } == before)
        let summaries = Dictionary(grouping: rows, by: \.symbol).map { symbol, rows in
            ColumnSummary(symbol: symbol, rows: rows.count, sum: rows.reduce(Int128(0)) { $0 + Int128($1.qty) })
        }
        #expect(try table.summarize(column: "qty") == summaries.sorted { $0.symbol < $1.symbol })
    }

    /// Statistics that are plausible but wrong (the footer checksum recomputed) cannot be told
    /// at open; `verify()` decodes every block and reports the disagreement.
    @Test func verifyComparesStatisticsWithTheValues() throws {
        let directory = TemporaryDirectory.inMemory("strata-block-statistics")
        defer { directory.cleanup() }
        var (table, _) = try sealedTable(directory)
        #expect(try table.verify().isIntact)
        try table.close()
        let path = directory.path + "/partitions/p1.g1.col"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let (fields, footerStart) = SealedFileDamageTests.fields(of: bytes)
        // Σ qty (column 3) of the first block, one more: still between rows × min and rows × max.
        let low = fields.first { $0.name == "symbol 0 block 0 column 3 sum low" }!
        #expect(bytes[low.offset] != 0xFF)
        bytes[low.offset] += 1
        SealedFileDamageTests.recomputeFooterCRC(&bytes, footerStart: footerStart)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        defer { try? table.close() }
        #expect(!table.recovery.isDamaged)
        let verification = try table.verify()
        #expect(verification.unreadablePartitions.isEmpty)
        #expect(verification.damagedBlocks.count == 1)
        #expect(verification.damagedBlocks.first?.path == path)
        #expect(verification.damagedBlocks.first?.message.contains("statistics of block 0") == true)
    }

    /// A whole block's Σ, min and max come from the index: with its data chunks damaged (the
    /// footer intact), they still answer, while a function that must decode the block throws.
    @Test func wholeBlocksAreAnsweredWithoutDecoding() throws {
        let directory = TemporaryDirectory.inMemory("strata-block-statistics")
        defer { directory.cleanup() }
        var (table, rows) = try sealedTable(directory)
        try table.close()
        let path = directory.path + "/partitions/p0.g1.col"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let (_, footerStart) = SealedFileDamageTests.fields(of: bytes)
        for i in stride(from: PartitionFileFormat.headerSize, to: footerStart, by: 1) { bytes[i] ^= 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        defer { try? table.close() }
        var model = AggregateReference(partitionDuration: 10_000)
        _ = model.append(rows)
        let sums = EngineTable.AggregateRequest(
            functions: [.count, .sum(column: "qty"), .min(column: "price"), .max(column: "id")], from: .min, to: .max,
            groupBySymbol: true)
        #expect(try table.aggregate(sums) == model.aggregate(sums))
        for decoded in [EngineTable.AggregateFunction.sum(column: "score"), .first(column: "qty")] {
            #expect(throws: StrataError.self) { try table.aggregate(.init(functions: [decoded], from: .min, to: .max)) }
        }
    }
}
