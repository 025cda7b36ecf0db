import StrataCore
import Testing

@testable import StrataLake

/// The codecs written here: Snappy, Thrift's compact protocol, the RLE / bit-packing hybrid.
@Suite struct CodecTests {
    static func sample(_ kind: Int, count: Int) -> [UInt8] {
        var random = SplitMix64(seed: UInt64(kind * 1_000 + count))
        switch kind {
        case 0: return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1: return (0..<count).map { UInt8($0 % 7) }
        case 2: return Array(repeating: 0x41, count: count)
        default:
            var bytes: [UInt8] = []
            while bytes.count < count {
                bytes += Array("price=64123.45 qty=0.0\(random.next() % 100);".utf8)
            }
            return Array(bytes.prefix(count))
        }
    }

    @Test(arguments: 0..<4, [0, 1, 5, 64, 65, 4_095, 70_000, 300_000])
    func snappyRoundTrips(kind: Int, count: Int) throws {
        let input = Self.sample(kind, count: count)
        let compressed = Snappy.compress(input)
        #expect(try Snappy.decompress(compressed[...], expected: input.count) == input)
        if kind == 2, count > 1_000 { #expect(compressed.count < count / 10) }
    }

    @Test func snappyRefusesDamagedInput() throws {
        let input = Self.sample(3, count: 10_000)
        let compressed = Snappy.compress(input)
        // Truncations and flipped bytes: an error or (rarely) other bytes, never a crash.
        for cut in stride(from: 1, to: compressed.count, by: 97) {
            #expect(throws: LakeError.self) { try Snappy.decompress(compressed[..<cut], expected: input.count) }
        }
        var random = SplitMix64(seed: 9)
        for _ in 0..<500 {
            var damaged = compressed
            damaged[Int(random.next() % UInt64(damaged.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            if let output = try? Snappy.decompress(damaged[...]) { #expect(output.count <= 1 << 31) }
        }
        #expect(throws: LakeError.self) { try Snappy.decompress([0x05, 0x01, 0x00][...]) }
    }

    @Test func thriftCompactRoundTrips() throws {
        var writer = ThriftCompactWriter()
        writer.i32(1, -5)
        writer.i64(3, 1 << 40)
        writer.bool(4, true)
        writer.bool(5, false)
        writer.string(20, "hello")
        writer.structure(21) { writer in
            writer.i32(1, 7)
            writer.structure(2) { _ in }
        }
        writer.list(22, .structure, count: 16) { writer in
            for index in 0..<16 { writer.structValue { $0.i64(1, Int64(index)) } }
        }
        writer.list(23, .i32, count: 2) { writer in
            writer.i32Value(8)
            writer.i32Value(-1)
        }
        writer.end()
        var reader = ThriftCompactReader(writer.bytes[...])
        let fields = try reader.readStruct()
        #expect(reader.consumed == writer.bytes.count)
        #expect(fields[1]?.int == -5)
        #expect(fields[3]?.int == 1 << 40)
        #expect(fields[4]?.bool == true)
        #expect(fields[5]?.bool == false)
        #expect(fields[20]?.string == "hello")
        #expect(fields[21]?.fields?[1]?.int == 7)
        #expect(fields[21]?.fields?[2]?.fields?.isEmpty == true)
        #expect(fields[22]?.list?.compactMap { $0.fields?[1]?.int } == (0..<16).map(Int64.init))
        #expect(fields[23]?.list?.compactMap(\.int) == [8, -1])
        // Every truncation is an error, not a crash.
        for cut in 0..<writer.bytes.count {
            var truncated = ThriftCompactReader(writer.bytes[..<cut])
            #expect(throws: LakeError.self) { try truncated.readStruct() }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 7, 12, 20])
    func rleHybridRoundTrips(bitWidth: Int) throws {
        var random = SplitMix64(seed: UInt64(bitWidth))
        let limit = bitWidth == 0 ? 1 : UInt64(1) << UInt64(bitWidth)
        var values: [UInt32] = []
        for run in 0..<200 {
            let length = Int(random.next() % 30) + 1
            if run % 3 == 0 {
                values += Array(repeating: UInt32(random.next() % limit), count: length)
            } else {
                values += (0..<length).map { _ in UInt32(random.next() % limit) }
            }
        }
        var encoded: [UInt8] = []
        RLEHybrid.encode(values, bitWidth: bitWidth, into: &encoded)
        var position = 0
        let decoded = try RLEHybrid.decode(encoded[...], position: &position, bitWidth: bitWidth, count: values.count)
        #expect(decoded == values)
    }
}
