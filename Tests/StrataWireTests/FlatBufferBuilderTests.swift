import Testing

@testable import StrataWire

/// The builder's output read back by the test's own reader (`FlatBufferTable`).
struct FlatBufferBuilderTests {
    /// Scalars of every width (defaults omitted), strings, vectors of strings, tables and
    /// structs, a nested table: everything round-trips, aligned, from a builder small enough to
    /// grow several times.
    @Test func tablesVectorsStringsAndStructsRoundTrip() {
        var builder = FlatBufferBuilder(capacity: 16)
        let name = builder.createString("héllo 🚀")
        let empty = builder.createString("")
        var names: [FlatBufferBuilder.Offset] = []
        for text in ["a", "bc", "def", ""] { names.append(builder.createString(text)) }
        let nameVector = builder.createVector(ofOffsets: names)
        var children: [FlatBufferBuilder.Offset] = []
        for value in [Int32(-7), 0, 1 << 30] {
            builder.startTable(fieldCount: 2)
            builder.add(slot: 0, value, default: 0)
            builder.add(slot: 1, value > 0, default: false)
            children.append(builder.endTable())
        }
        let childVector = builder.createVector(ofOffsets: children)
        let pairs = builder.createVector(ofStructs: 3, elementSize: 16, alignment: 8) { index, pair in
            pair.add(Int64(index) * -1_000_000_000_000)
            pair.add(Int64.max - Int64(index))
        }
        let emptyVector = builder.createVector(ofOffsets: [])
        builder.startTable(fieldCount: 1)
        builder.add(slot: 0, Int64.min, default: 0)
        let nested = builder.endTable()

        builder.startTable(fieldCount: 12)
        builder.add(slot: 0, Int8(-3), default: 0)
        builder.add(slot: 1, Int16(0x1234), default: 0)
        builder.add(slot: 2, Int32(5), default: 5)  // the default: not written
        builder.add(slot: 3, Int64.min + 1, default: 0)
        builder.add(slot: 4, name)
        builder.add(slot: 5, empty)
        builder.add(slot: 6, nameVector)
        builder.add(slot: 7, childVector)
        builder.add(slot: 8, pairs)
        builder.add(slot: 9, nested)
        builder.add(slot: 10, emptyVector)
        builder.add(slot: 11, UInt8(200), default: 0)
        let root = builder.endTable()
        let bytes = Array(builder.finish(root: root))

        #expect(bytes.count % 8 == 0)
        let table = FlatBufferTable(root: bytes)
        #expect(table.scalar(0) as Int8 == -3)
        #expect(table.scalar(1) as Int16 == 0x1234)
        #expect(!table.isPresent(2))
        #expect(table.scalar(2, default: 5) as Int32 == 5)
        #expect(table.scalar(3) as Int64 == Int64.min + 1)
        #expect(table.string(4) == "héllo 🚀")
        #expect(table.string(5) == "")
        #expect(table.strings(6) == ["a", "bc", "def", ""])
        let readChildren = table.tables(7) ?? []
        #expect(readChildren.map { $0.scalar(0) as Int32 } == [-7, 0, 1 << 30])
        #expect(readChildren.map { $0.bool(1) } == [false, false, true])
        #expect(readChildren.map { $0.isPresent(0) } == [true, false, true])
        let readPairs = table.longPairs(8) ?? []
        #expect(readPairs.map(\.0) == [0, -1_000_000_000_000, -2_000_000_000_000])
        #expect(readPairs.map(\.1) == [Int64.max, Int64.max - 1, Int64.max - 2])
        #expect(table.table(9)?.scalar(0) as Int64? == Int64.min)
        #expect(table.tables(10)?.count == 0)
        #expect(table.scalar(11) as UInt8 == 200)
        #expect(!table.isPresent(12))
    }

    /// After `reset`, the builder writes a new buffer from scratch, reusing its storage.
    @Test func resetStartsAFreshBuffer() {
        var builder = FlatBufferBuilder(capacity: 16)
        for round in 0..<3 {
            builder.reset()
            let text = builder.createString(String(repeating: "x", count: 100 * round))
            builder.startTable(fieldCount: 2)
            builder.add(slot: 0, text)
            builder.add(slot: 1, Int64(round), default: -1)
            let root = builder.endTable()
            let bytes = Array(builder.finish(root: root))
            let table = FlatBufferTable(root: bytes)
            #expect(table.string(0) == String(repeating: "x", count: 100 * round))
            #expect(table.scalar(1) as Int64 == Int64(round))
        }
    }

    /// A table with no fields: a vtable of 4 bytes, a table of only its vtable offset.
    @Test func emptyTable() {
        var builder = FlatBufferBuilder()
        builder.startTable(fieldCount: 3)
        let root = builder.endTable()
        let bytes = Array(builder.finish(root: root))
        let table = FlatBufferTable(root: bytes)
        #expect(table.tableSize == 4)
        #expect(!table.isPresent(0))
    }
}
