import StrataCore
import StrataEngine
import Testing

@Suite("BlockCodec")
struct BlockCodecTests {
    // MARK: - Helpers

    static func encode(_ values: [Int64], after prefix: [UInt8] = []) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: prefix)
        values.withUnsafeBufferPointer { BlockCodec.encode($0, into: &writer) }
        return writer.bytes
    }

    static let sentinel = Int64(0x5A5A_5A5A_5A5A_5A5A)

    /// Decodes into a buffer larger than needed and checks nothing past the count was written.
    static func decode(_ bytes: [UInt8], capacity: Int = BlockCodec.blockRows) throws -> [Int64] {
        var out = [Int64](repeating: sentinel, count: capacity + 4)
        let n = try bytes.withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer { buffer in
                try BlockCodec.decode(raw, into: buffer.baseAddress!, capacity: capacity)
            }
        }
        #expect(n >= 0 && n <= capacity)
        #expect(out[n...].allSatisfy { $0 == sentinel }, "decode wrote past its count")
        return Array(out[..<n])
    }

    static func roundTrip(_ values: [Int64], _ label: String = "") throws -> [UInt8] {
        let bytes = encode(values)
        #expect(try decode(bytes, capacity: max(values.count, 1)) == values, "\(label)")
        #expect(bytes.withUnsafeBytes { try? BlockCodec.count(of: $0) } == values.count)
        return bytes
    }

    // MARK: - Sequences

    static func sequences() -> [(String, [Int64])] {
        var random = SplitMix64(seed: 0xB10C)
        func random64() -> Int64 { Int64.random(in: .min ... .max, using: &random) }
        var sequences: [(String, [Int64])] = []
        for n in [0, 1, 2, 3, 4, 63, 64, 65, 1023, 1024] {
            sequences.append(("constant zero \(n)", Array(repeating: 0, count: n)))
            sequences.append(("constant min \(n)", Array(repeating: .min, count: n)))
            sequences.append(("constant max \(n)", Array(repeating: .max, count: n)))
            sequences.append(("ids \(n)", (0..<n).map { 3_452_114 + Int64($0) }))
            sequences.append(("descending \(n)", (0..<n).map { 1_000 - 7 * Int64($0) }))
            sequences.append(("full range \(n)", (0..<n).map { _ in random64() }))
            sequences.append(("min/max \(n)", (0..<n).map { _ in Bool.random(using: &random) ? .min : .max }))
            sequences.append(
                (
                    "edges \(n)",
                    (0..<n).map { _ in
                        [.min, .max, 0, -1, 1, .min + 1, .max - 1][Int.random(in: 0...6, using: &random)]
                    }
                ))
            sequences.append(("booleans \(n)", (0..<n).map { _ in Bool.random(using: &random) ? 1 : 0 }))
            var t: Int64 = 1_719_878_281_500_000_000
            sequences.append(
                (
                    "µs timestamps \(n)",
                    (0..<n).map { _ in
                        t += Int64.random(in: 0...2_000, using: &random) * 1_000
                        return t
                    }
                ))
            var regular: Int64 = -1_000_000_000_000
            sequences.append(
                (
                    "regular timestamps \(n)",
                    (0..<n).map { _ in
                        regular += 1_000_000_000 + (Int.random(in: 0...20, using: &random) == 0 ? 1 : 0)
                        return regular
                    }
                ))
            var price: Int64 = 6_412_345_000_000
            sequences.append(
                (
                    "random walk \(n)",
                    (0..<n).map { _ in
                        price += Int64.random(in: -10...10, using: &random) * 1_000_000
                        return price
                    }
                ))
            var wrap: Int64 = .max - 5
            sequences.append(
                (
                    "wrapping walk \(n)",
                    (0..<n).map { _ in
                        wrap &+= Int64.random(in: -3...9, using: &random)
                        return wrap
                    }
                ))
            sequences.append(
                ("lot sizes \(n)", (0..<n).map { _ in 7 + Int64.random(in: -1_000...1_000, using: &random) * 100_000 }))
            sequences.append(("alternating \(n)", (0..<n).map { $0 % 2 == 0 ? .min : .max }))
            sequences.append(("huge gcd \(n)", (0..<n).map { _ in Bool.random(using: &random) ? .min : 0 }))
            sequences.append(("small signed \(n)", (0..<n).map { _ in Int64.random(in: -3...3, using: &random) }))
            sequences.append(("quadratic \(n)", (0..<n).map { Int64($0) * Int64($0) * 1_000 - 5 }))
        }
        return sequences
    }

    @Test(arguments: sequences())
    func roundTrips(name: String, values: [Int64]) throws {
        _ = try Self.roundTrip(values, name)
    }

    @Test(arguments: 1...64)
    func everyBitWidthRoundTrips(bits: Int) throws {
        var random = SplitMix64(seed: UInt64(bits))
        let top: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        for n in [1, 2, 3, 5, 63, 64, 65, 127, 128, 129, 1024] {
            // Independent values spanning exactly `bits` bits above a base (min and max both present).
            let base = Int64.random(in: .min ... .max, using: &random)
            var values = (0..<n).map { _ in base &+ Int64(bitPattern: UInt64.random(in: 0...top, using: &random)) }
            values[0] = base
            if n > 1 { values[n - 1] = base &+ Int64(bitPattern: top) }
            let bytes = try Self.roundTrip(values, "\(bits) bits, \(n) values")
            // Never more than the raw values plus a fixed header.
            #expect(bytes.count <= 8 * n + 40)
        }
    }

    @Test func encodingAppendsToTheWriter() throws {
        let prefix: [UInt8] = [0xDE, 0xAD, 0xBE]
        let values: [Int64] = [5, 9, -3, .max]
        let bytes = Self.encode(values, after: prefix)
        #expect(Array(bytes.prefix(3)) == prefix)
        #expect(try Self.decode(Array(bytes.dropFirst(3))) == values)
        // Two blocks back to back decode from their own offsets.
        var writer = ByteWriter()
        let first: [Int64] = (0..<100).map { $0 * 3 }
        let second: [Int64] = [.min, 0, .max]
        first.withUnsafeBufferPointer { BlockCodec.encode($0, into: &writer) }
        let split = writer.count
        second.withUnsafeBufferPointer { BlockCodec.encode($0, into: &writer) }
        #expect(try Self.decode(Array(writer.bytes[..<split])) == first)
        #expect(try Self.decode(Array(writer.bytes[split...])) == second)
    }

    // MARK: - Compression

    @Test func sequentialIDsTakeAlmostNothing() {
        let bytes = Self.encode((0..<1_024).map { 3_452_114 + Int64($0) })
        #expect(bytes.count < 64)
    }

    @Test func constantsTakeAlmostNothing() {
        #expect(Self.encode(Array(repeating: 6_412_345_000_000, count: 1_024)).count < 64)
        #expect(Self.encode(Array(repeating: .min, count: 1_024)).count < 64)
    }

    @Test func regularTimestampsTakeAlmostNothing() {
        let start: Int64 = 1_719_878_281_000_000_000
        #expect(Self.encode((0..<1_024).map { start + Int64($0) * 60_000_000_000 }).count < 64)
    }

    @Test func microsecondTimestampsCompress() {
        var random = SplitMix64(seed: 0x7135)
        var t: Int64 = 1_719_878_281_500_000_000
        let values = (0..<1_024).map { _ in
            t += Int64.random(in: 1...1_000, using: &random) * 1_000  // up to 1 ms apart, µs granular
            return t
        }
        let bytes = Self.encode(values)
        // About 10 bits a value: the factor 1000 and the base are taken out.
        #expect(bytes.count < 1_024 * 3 / 2, "\(bytes.count) bytes")  // under 1.5 bytes a value
    }

    @Test func pricesOnATickCompress() {
        var random = SplitMix64(seed: 0x9121)
        var price: Int64 = 6_412_345_000_000
        let values = (0..<1_024).map { _ in
            price += Int64.random(in: -8...8, using: &random) * 1_000_000  // 0.01 ticks
            return price
        }
        #expect(Self.encode(values).count < 1_024 * 5 / 8 + 64)  // ≤ 5 bits a value
    }

    @Test func booleansTakeOneBit() {
        var random = SplitMix64(seed: 0xB001)
        let values: [Int64] = (0..<1_024).map { _ in Bool.random(using: &random) ? 1 : 0 }
        #expect(Self.encode(values).count <= 1_024 / 8 + 40)
    }

    @Test func quantitiesOnALotSizeCompress() {
        var random = SplitMix64(seed: 0x1075)
        let values = (0..<1_024).map { _ in Int64.random(in: 1...1_000, using: &random) * 100_000 }  // lot 0.001
        #expect(Self.encode(values).count <= 1_024 * 10 / 8 + 40)
    }

    // MARK: - Corrupt input

    @Test func headerCount() throws {
        let bytes = Self.encode(Array(repeating: 1, count: 77))
        #expect(
            try bytes.withUnsafeBytes { raw throws(BlockCodec.CorruptBlock) in try BlockCodec.count(of: raw) } == 77)
        for length in 0..<8 {
            #expect(throws: BlockCodec.CorruptBlock.self) {
                try bytes.withUnsafeBytes { raw throws(BlockCodec.CorruptBlock) in
                    try BlockCodec.count(of: UnsafeRawBufferPointer(rebasing: raw[..<length]))
                }
            }
        }
    }

    @Test func capacityTooSmallThrows() {
        let bytes = Self.encode((0..<10).map { Int64($0) })
        #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(bytes, capacity: 9) }
        #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(bytes, capacity: 0) }
    }

    @Test func unknownTransformAndImpossibleWidthThrow() {
        var bytes = Self.encode([1, 5, 2, 8])
        bytes[0] = 3
        #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(bytes) }
        bytes = Self.encode([1, 5, 2, 8])
        bytes[1] = 65
        #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(bytes) }
        // A transform that needs more values than the count says.
        #expect(throws: BlockCodec.CorruptBlock.self) {
            try Self.decode([1, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 24))
        }
        #expect(throws: BlockCodec.CorruptBlock.self) {
            try Self.decode([2, 0, 0, 0, 1, 0, 0, 0] + Array(repeating: 0, count: 32))
        }
        #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode([]) }
    }

    static func fuzzSources() -> [[Int64]] {
        sequences().filter { [1, 2, 3, 65].contains($0.1.count) || $0.0.hasSuffix(" 1024") }.map(\.1)
    }

    @Test func everyTruncationThrows() {
        for values in Self.fuzzSources() {
            let bytes = Self.encode(values)
            for length in Swift.stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
                #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(Array(bytes[..<length])) }
            }
            #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(Array(bytes.dropLast())) }
            #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode(bytes + [0]) }
        }
    }

    @Test func randomCorruptionNeverTraps() {
        var random = SplitMix64(seed: 0xF422)
        var outcomes = (decoded: 0, rejected: 0)
        for values in Self.fuzzSources() {
            let original = Self.encode(values)
            for _ in 0..<40 {
                var bytes = original
                switch Int.random(in: 0...3, using: &random) {
                case 0:  // flip bits anywhere
                    for _ in 0..<Int.random(in: 1...4, using: &random) {
                        bytes[Int.random(in: 0..<bytes.count, using: &random)] ^=
                            UInt8(1) << UInt8.random(in: 0...7, using: &random)
                    }
                case 1:  // overwrite a header byte
                    bytes[Int.random(in: 0..<min(bytes.count, 32), using: &random)] = UInt8.random(
                        in: 0...255, using: &random)
                case 2:  // truncate and flip
                    bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
                    if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 0xFF }
                default:  // extend with garbage
                    bytes += (0..<Int.random(in: 1...16, using: &random)).map { _ in
                        UInt8.random(in: 0...255, using: &random)
                    }
                }
                // Whatever happens, it is a value or a CorruptBlock, never a trap.
                do {
                    _ = try Self.decode(bytes)
                    outcomes.decoded += 1
                } catch {
                    #expect(error is BlockCodec.CorruptBlock)
                    outcomes.rejected += 1
                }
            }
        }
        #expect(outcomes.decoded > 0 && outcomes.rejected > 0, "\(outcomes)")
    }

    @Test func randomBytesNeverTrap() {
        var random = SplitMix64(seed: 0x6A6)
        for _ in 0..<3_000 {
            var bytes = (0..<Int.random(in: 0...80, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            // Make the header plausible half of the time so decoding goes deeper.
            if bytes.count >= 8, Bool.random(using: &random) {
                bytes[0] = UInt8.random(in: 0...2, using: &random)
                bytes[1] = UInt8.random(in: 0...64, using: &random)
                bytes[4] = UInt8.random(in: 0...12, using: &random)
                (bytes[5], bytes[6], bytes[7]) = (0, 0, 0)
            }
            do {
                _ = try Self.decode(bytes, capacity: 16)
            } catch {
                #expect(error is BlockCodec.CorruptBlock)
            }
        }
    }

    @Test func corruptBlockDescribesItself() {
        let error = #expect(throws: BlockCodec.CorruptBlock.self) { try Self.decode([9, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(error?.description.isEmpty == false)
        #expect(error?.description == error?.reason)
    }
}
