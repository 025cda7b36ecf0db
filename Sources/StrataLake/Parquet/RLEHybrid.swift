/// Parquet's RLE / bit-packing hybrid (`Encodings.md`, "Run Length Encoding / Bit-Packing
/// Hybrid"): definition levels and dictionary indices.
///
/// Runs: a varint header whose low bit says which — `0`: a repeated run of `header >> 1` copies
/// of one value, stored in `ceil(bitWidth / 8)` little-endian bytes; `1`: `header >> 1` groups
/// of 8 values bit-packed least significant bit first. The encoder makes a repeated run of any
/// stretch of 8 or more equal values that starts on a group boundary of the pending bit-packed
/// values, and bit-packs the rest (the last group padded with zeros, which the reader ignores: it
/// reads only as many values as the page holds).
enum RLEHybrid {
    /// The bits a value up to `maximum` needs.
    static func bitWidth(_ maximum: Int) -> Int { maximum <= 0 ? 0 : Int.bitWidth - maximum.leadingZeroBitCount }

    static func encode(_ values: [UInt32], bitWidth: Int, into output: inout [UInt8]) {
        var literals: [UInt32] = []
        var index = 0
        while index < values.count {
            let value = values[index]
            var run = 1
            while index + run < values.count, values[index + run] == value { run += 1 }
            let fill = (8 - literals.count % 8) % 8
            if run - fill >= 8 {
                literals.append(contentsOf: repeatElement(value, count: fill))
                flush(&literals, bitWidth: bitWidth, into: &output)
                varint(UInt64(run - fill) << 1, into: &output)
                for byte in 0..<(bitWidth + 7) / 8 { output.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
            } else {
                literals.append(contentsOf: repeatElement(value, count: run))
            }
            index += run
        }
        flush(&literals, bitWidth: bitWidth, into: &output)
    }

    private static func flush(_ literals: inout [UInt32], bitWidth: Int, into output: inout [UInt8]) {
        guard !literals.isEmpty else { return }
        let groups = (literals.count + 7) / 8
        varint(UInt64(groups) << 1 | 1, into: &output)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: groups * bitWidth))
        var bit = 0
        for value in literals {
            for position in 0..<bitWidth where value >> position & 1 == 1 {
                output[start + (bit + position) >> 3] |= 1 << UInt8((bit + position) & 7)
            }
            bit += bitWidth
        }
        literals.removeAll(keepingCapacity: true)
    }

    /// `count` values from `input` (starting at `position`, which ends past what was read).
    /// - Throws: ``LakeError`` `.corrupt` for runs past the end of the input.
    static func decode(
        _ input: ArraySlice<UInt8>, position: inout Int, bitWidth: Int, count: Int
    ) throws(LakeError) -> [UInt32] {
        guard (0...32).contains(bitWidth) else { throw LakeError(.corrupt, "RLE: a bit width of \(bitWidth)") }
        var values: [UInt32] = []
        values.reserveCapacity(count)
        while values.count < count {
            var header: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < input.endIndex, shift < 64 else { throw LakeError(.corrupt, "RLE: truncated") }
                let byte = input[position]
                position += 1
                header |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            if header & 1 == 0 {
                let run = Int(clamping: header >> 1)
                let width = (bitWidth + 7) / 8
                guard position + width <= input.endIndex else { throw LakeError(.corrupt, "RLE: truncated") }
                var value: UInt32 = 0
                for byte in 0..<width { value |= UInt32(input[position + byte]) << (8 * byte) }
                position += width
                guard run > 0 else { throw LakeError(.corrupt, "RLE: an empty run") }
                values.append(contentsOf: repeatElement(value, count: min(run, count - values.count)))
            } else {
                let groups = Int(clamping: header >> 1)
                guard groups <= 1 << 40, bitWidth == 0 || groups <= (input.endIndex - position) / bitWidth else {
                    throw LakeError(.corrupt, "RLE: \(groups) bit-packed groups past the end")
                }
                let bytes = groups * bitWidth
                let start = position
                position += bytes
                let total = min(groups * 8, count - values.count)
                for item in 0..<total {
                    var value: UInt32 = 0
                    let first = item * bitWidth
                    for bit in 0..<bitWidth {
                        let at = first + bit
                        if input[start + at >> 3] >> UInt8(at & 7) & 1 == 1 { value |= 1 << UInt32(bit) }
                    }
                    values.append(value)
                }
                if groups == 0 { throw LakeError(.corrupt, "RLE: an empty bit-packed run") }
            }
        }
        return values
    }

    static func varint(_ value: UInt64, into output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }
}
