import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// Text columns: values round-trip through the WAL, memory, sealed files (dictionary and plain
/// blocks) and compaction; a damaged text block is a `.corruptFile` error, never wrong text.
@Suite struct TextColumnTests {
    static let schema = testSchema(partitionDuration: 1_000, text: true)

    static func rows(symbol: String, count: Int, from: Int64, id: Int64, note: (Int) -> String) -> [TestRow] {
        (0..<count).map { i in
            TestRow(
                symbol: symbol, ts: from + Int64(i), id: id + Int64(i), value: Int64(i), flag: i % 2 == 0,
                note: note(i))
        }
    }

    func readAll(_ table: EngineTable, _ symbol: String) throws -> [TestRow] {
        StrataEngineTests.rows(try table.range(symbol: symbol, from: .min, to: .max), symbol: symbol)
    }

    @Test func valuesSurviveReplaySealingCompactionAndReopening() throws {
        let directory = TemporaryDirectory("strata-text")
        defer { directory.cleanup() }
        // Repeated values (a dictionary block), distinct ones (a plain block), the empty string,
        // multi-byte UTF-8 and one value longer than a heap chunk.
        let sources = ["Reuters", "Bloomberg", "Dow Jones"]
        let repeated = Self.rows(symbol: "SRC", count: 1_500, from: 0, id: 0) { sources[$0 % 3] }
        let distinct = Self.rows(symbol: "HEAD", count: 1_200, from: 0, id: 10_000) {
            "Headline \($0): Ünïcödé, commas \"quotes\" and 📈 " + String(repeating: "x", count: $0 % 90)
        }
        let edge = [
            TestRow(symbol: "EDGE", ts: 5, id: 90_000, value: 1, flag: true, note: ""),
            TestRow(
                symbol: "EDGE", ts: 6, id: 90_001, value: 2, flag: false, note: String(repeating: "ж", count: 70_000)),
        ]
        var table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        try table.append(makeBatch(repeated + distinct, text: true))
        try table.append(makeBatch(edge, text: true))
        #expect(try readAll(table, "SRC") == repeated)
        #expect(try readAll(table, "HEAD") == distinct)
        #expect(try readAll(table, "EDGE") == edge)
        let newest = StrataEngineTests.rows(try table.latest(symbol: "HEAD", limit: 3), symbol: "HEAD")
        #expect(newest == Array(distinct.suffix(3).reversed()))

        // From the WAL alone.
        try table.close()
        table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        #expect(table.recovery.rowsReplayed == repeated.count + distinct.count + edge.count)
        #expect(try readAll(table, "HEAD") == distinct)
        #expect(try readAll(table, "EDGE") == edge)

        // Sealed, then late rows merged by compaction.
        let sealed = table.compact(now: Timestamp(nanoseconds: 1_000_000))
        #expect(sealed.errors.isEmpty && sealed.sealed.count == 2)
        let file = try SealedPartition(
            path: directory.path + "/partitions/p0.g1.col", generation: 1, schema: Self.schema)
        #expect(file.formatVersion == PartitionFileFormat.textVersion)
        #expect(try readAll(table, "SRC") == repeated)
        #expect(try readAll(table, "HEAD") == distinct)
        let late = Self.rows(symbol: "HEAD", count: 10, from: 100, id: 50_000) { "late \($0)" }
        try table.append(makeBatch(late, text: true))
        let merged = (distinct + late).sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
        #expect(try readAll(table, "HEAD") == merged)
        let compacted = table.compact(now: Timestamp(nanoseconds: 1_000_000))
        #expect(compacted.errors.isEmpty && compacted.compacted.count == 1, "\(compacted)")
        try table.close()
        table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        #expect(table.recovery.rowsReplayed == 0)
        #expect(try readAll(table, "SRC") == repeated)
        #expect(try readAll(table, "HEAD") == merged)
        #expect(try readAll(table, "EDGE") == edge)
        #expect(
            StrataEngineTests.rows(try table.range(symbol: "HEAD", from: 400, to: 403), symbol: "HEAD")
                == merged.filter { $0.ts >= 400 && $0.ts < 403 })
        #expect(try table.verify().problems.isEmpty)
        try table.close()
    }

    @Test func aDamagedTextBlockIsReportedNotMisread() throws {
        let directory = TemporaryDirectory("strata-text-damage")
        defer { directory.cleanup() }
        let table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        let rows = Self.rows(symbol: "HEAD", count: 300, from: 0, id: 0) { "headline number \($0)" }
        let other = Self.rows(symbol: "SRC", count: 300, from: 0, id: 1_000) { $0 % 2 == 0 ? "a" : "b" }
        try table.append(makeBatch(rows + other, text: true))
        #expect(table.compact(now: Timestamp(nanoseconds: 1_000_000)).sealed.count == 1)
        try table.close()
        let path = directory.path + "/partitions/p0.g1.col"
        let file = try SealedPartition(path: path, generation: 1, schema: Self.schema)
        let block = file.symbols["HEAD"]!.blocks[0]
        let chunk = file.chunks[block.firstChunk + 4]  // the `note` column
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[chunk.offset + chunk.length / 2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let reopened = try EngineTable(directory: directory.path, schema: Self.schema, durability: .osBuffered)
        defer { try? reopened.close() }
        #expect {
            try reopened.range(symbol: "HEAD", from: .min, to: .max)
        } throws: { error in
            guard let error = error as? StrataError else { return false }
            return error.code == .corruptFile && error.path == path && error.message.contains("column 4")
        }
        // The other symbol's blocks are intact and still read.
        #expect(try readAll(reopened, "SRC") == other)
        #expect(try reopened.verify().problems.contains { $0.path == path && $0.code == .corruptFile })
    }

    /// Every one-byte change of an encoded text block (its checksum aside): the decoder either
    /// refuses it or yields references to whole UTF-8 values, never traps.
    @Test(arguments: [false, true]) func mutatedTextBlocksNeverTrap(dictionary: Bool) throws {
        var heap = TextHeap()
        let values = (0..<40).map { i in dictionary ? ["x", "yy", "ζζζ"][i % 3] : "value \(i) é" }
        let references = values.map { heap.append($0) }
        var writer = ByteWriter()
        references.withUnsafeBufferPointer { TextBlockCodec.encode($0, heap: heap, into: &writer) }
        let encoded = writer.bytes
        #expect(encoded[0] == (dictionary ? TextBlockCodec.dictionary : TextBlockCodec.plain))
        let out = UnsafeMutablePointer<Int64>.allocate(capacity: BlockCodec.blockRows)
        defer { out.deallocate() }
        var decoded = TextHeap()
        let count = try encoded.withUnsafeBytes {
            try TextBlockCodec.decode($0, into: out, capacity: BlockCodec.blockRows, heap: &decoded)
        }
        #expect((0..<count).map { decoded.string(out[$0]) } == values)
        var random = SeededRandom(seed: dictionary ? 7 : 8)
        for position in encoded.indices {
            for flip in [UInt8(0x01), 0x80, UInt8.random(in: 1...255, using: &random)] {
                var damaged = encoded
                damaged[position] ^= flip
                var target = TextHeap()
                let rows = try? damaged.withUnsafeBytes {
                    try TextBlockCodec.decode($0, into: out, capacity: BlockCodec.blockRows, heap: &target)
                }
                if let rows {
                    for row in 0..<rows { #expect(out[row] == ColumnType.text.absent || target.isValid(out[row])) }
                }
            }
            // Cut short at every length.
            var target = TextHeap()
            let short = Array(encoded.prefix(position))
            let rows = try? short.withUnsafeBytes {
                try TextBlockCodec.decode($0, into: out, capacity: BlockCodec.blockRows, heap: &target)
            }
            #expect(rows == nil, "a block cut at \(position) bytes decoded")
        }
    }
}
