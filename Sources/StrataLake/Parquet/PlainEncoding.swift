/// Parquet's PLAIN encoding (`Encodings.md`): fixed-width values little-endian, booleans
/// bit-packed least significant bit first, byte arrays as a 4-byte little-endian length and the
/// bytes.
enum PlainEncoding {
    static func append(_ value: Int64, to output: inout [UInt8]) {
        var bits = UInt64(bitPattern: value)
        for _ in 0..<8 {
            output.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    static func append(_ value: Int32, to output: inout [UInt8]) {
        var bits = UInt32(bitPattern: value)
        for _ in 0..<4 {
            output.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    static func append(_ value: Double, to output: inout [UInt8]) {
        append(Int64(bitPattern: value.bitPattern), to: &output)
    }

    static func append(bytes: [UInt8], to output: inout [UInt8]) {
        append(Int32(bytes.count), to: &output)
        output.append(contentsOf: bytes)
    }

    static func append(bools: ArraySlice<Bool>, to output: inout [UInt8]) {
        var byte: UInt8 = 0
        var bit = 0
        for value in bools {
            if value { byte |= 1 << UInt8(bit) }
            bit += 1
            if bit == 8 {
                output.append(byte)
                byte = 0
                bit = 0
            }
        }
        if bit > 0 { output.append(byte) }
    }

    // MARK: Decoding

    static func int64s(_ input: ArraySlice<UInt8>, position: inout Int, count: Int) throws(LakeError) -> [Int64] {
        guard count <= (input.endIndex - position) / 8 else {
            throw LakeError(.corrupt, "PLAIN: INT64 values past the end")
        }
        var values: [Int64] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            var bits: UInt64 = 0
            for byte in 0..<8 { bits |= UInt64(input[position + byte]) << (8 * byte) }
            values.append(Int64(bitPattern: bits))
            position += 8
        }
        return values
    }

    static func int32s(_ input: ArraySlice<UInt8>, position: inout Int, count: Int) throws(LakeError) -> [Int32] {
        guard count <= (input.endIndex - position) / 4 else {
            throw LakeError(.corrupt, "PLAIN: INT32 values past the end")
        }
        var values: [Int32] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            var bits: UInt32 = 0
            for byte in 0..<4 { bits |= UInt32(input[position + byte]) << (8 * byte) }
            values.append(Int32(bitPattern: bits))
            position += 4
        }
        return values
    }

    static func doubles(_ input: ArraySlice<UInt8>, position: inout Int, count: Int) throws(LakeError) -> [Double] {
        try int64s(input, position: &position, count: count).map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }

    static func bools(_ input: ArraySlice<UInt8>, position: inout Int, count: Int) throws(LakeError) -> [Bool] {
        guard (count + 7) / 8 <= input.endIndex - position else {
            throw LakeError(.corrupt, "PLAIN: booleans past the end")
        }
        var values: [Bool] = []
        values.reserveCapacity(count)
        for index in 0..<count { values.append(input[position + index >> 3] >> UInt8(index & 7) & 1 == 1) }
        position += (count + 7) / 8
        return values
    }

    static func byteArrays(_ input: ArraySlice<UInt8>, position: inout Int, count: Int) throws(LakeError) -> [[UInt8]] {
        var values: [[UInt8]] = []
        values.reserveCapacity(min(count, input.endIndex - position))
        for _ in 0..<count {
            guard position + 4 <= input.endIndex else { throw LakeError(.corrupt, "PLAIN: a byte array past the end") }
            var length = 0
            for byte in 0..<4 { length |= Int(input[position + byte]) << (8 * byte) }
            position += 4
            guard length <= input.endIndex - position else {
                throw LakeError(.corrupt, "PLAIN: a byte array of \(length) bytes past the end")
            }
            values.append(Array(input[position..<position + length]))
            position += length
        }
        return values
    }
}
