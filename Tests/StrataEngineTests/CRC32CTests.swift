import StrataCore
import StrataEngine
import Testing

@Suite("CRC32C")
struct CRC32CTests {
    /// The definition, one bit at a time: reflected polynomial 0x82F63B78, initial value and final xor all ones.
    static func reference(_ bytes: some Sequence<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static let vectors: [(String, [UInt8], UInt32)] = [
        ("check", Array("123456789".utf8), 0xE306_9283),
        ("a", Array("a".utf8), 0xC1D0_4330),
        ("fox", Array("The quick brown fox jumps over the lazy dog".utf8), 0x2262_0404),
        // RFC 3720 (iSCSI), appendix B.4.
        ("32 zeros", [UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ("32 ones", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ("ascending", (0..<32).map { UInt8($0) }, 0x46DD_794E),
        ("descending", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
    ]

    @Test(arguments: vectors)
    func knownValues(name: String, bytes: [UInt8], crc: UInt32) {
        #expect(CRC32C.checksum(bytes) == crc, "\(name)")
        #expect(bytes.withUnsafeBytes { CRC32C.checksum($0) } == crc, "\(name)")
        #expect(Self.reference(bytes) == crc, "\(name)")
    }

    @Test func emptyInput() {
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(CRC32C.checksum(UnsafeRawBufferPointer(start: nil, count: 0), continuing: 0xE306_9283) == 0xE306_9283)
        let bytes: [UInt8] = [1, 2, 3]
        #expect(
            bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[1..<1]), continuing: 7) } == 7)
    }

    @Test func matchesTheBitwiseReferenceForEveryLengthAndAlignment() {
        var random = SplitMix64(seed: 0xC4C)
        let buffer = (0..<(100 + 16)).map { _ in UInt8.random(in: 0...255, using: &random) }
        buffer.withUnsafeBytes { raw in
            for start in 0..<8 {
                for length in 0...100 {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    #expect(CRC32C.checksum(slice) == Self.reference(slice), "start \(start) length \(length)")
                }
            }
        }
    }

    @Test(arguments: [255, 256, 1_000, 4_096, 4_097, 65_537])
    func matchesTheReferenceForLongerBuffers(length: Int) {
        var random = SplitMix64(seed: UInt64(length))
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        #expect(CRC32C.checksum(bytes) == Self.reference(bytes))
    }

    @Test func chaining() {
        var random = SplitMix64(seed: 0xC4A1)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            let whole = CRC32C.checksum(bytes)
            let cut = Int.random(in: 0...bytes.count, using: &random)
            let (a, b) = (Array(bytes[..<cut]), Array(bytes[cut...]))
            let chained = b.withUnsafeBytes { CRC32C.checksum($0, continuing: CRC32C.checksum(a)) }
            #expect(chained == whole, "cut \(cut) of \(bytes.count)")
            #expect(Self.reference(b, continuing: Self.reference(a)) == whole)
        }
    }

    @Test func chainingManyPieces() {
        var random = SplitMix64(seed: 0x9)
        let bytes = (0..<2_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        var crc: UInt32 = 0
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let next = min(raw.count, offset + Int.random(in: 0...17, using: &random))
                crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[offset..<next]), continuing: crc)
                offset = next
            }
        }
        #expect(crc == CRC32C.checksum(bytes))
    }

    @Test func detectsEverySingleBitFlip() {
        var random = SplitMix64(seed: 0xF11)
        var bytes = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
        let original = CRC32C.checksum(bytes)
        for index in bytes.indices {
            for bit in 0..<8 {
                bytes[index] ^= 1 << bit
                #expect(CRC32C.checksum(bytes) != original)
                bytes[index] ^= 1 << bit
            }
        }
        #expect(CRC32C.checksum(bytes) == original)
    }
}

@Suite struct CRC32CHardwareTests {
    /// The hardware path (three 1 KiB streams folded together, then 8-byte and byte tails) must
    /// agree with the software tables on every length around the stream boundaries.
    @Test func hardwareAgreesWithSoftware() {
        var state: UInt64 = 42
        let bytes = (0..<20_000).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        bytes.withUnsafeBytes { all in
            for length in [0, 1, 7, 8, 9, 1023, 1024, 3071, 3072, 3073, 6144, 6151, 9216, 19_999] {
                for start in [0, 1, 3] where start + length <= all.count {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "length \(length) start \(start)")
                    #expect(
                        CRC32C.checksum(slice, continuing: 0x1234_5678)
                            == CRC32C.softwareChecksum(slice, continuing: 0x1234_5678))
                }
            }
        }
        print("CRC32C hardware path in use: \(CRC32C.hardware)")
    }
}
