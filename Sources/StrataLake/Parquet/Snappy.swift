/// Snappy's raw format (no framing), written here: the codec of every Parquet page Strata writes.
///
/// The format: the uncompressed length as a varint, then elements, each a tag byte whose low two
/// bits say what follows — `00` a literal (its length − 1 in the tag's upper six bits, or in the
/// 1…4 little-endian bytes after it when those bits are 60…63), `01` a copy of 4…11 bytes at an
/// 11-bit offset, `10` a copy of 1…64 bytes at a 16-bit offset, `11` the same with a 32-bit
/// offset. The compressor is greedy: a hash table of 4-byte sequences over 64 KiB blocks (so every
/// offset fits the 16-bit copy). The decompressor checks every length and offset: a damaged page
/// is a ``LakeError``, never a crash.
enum Snappy {
    private static let blockSize = 1 << 16
    private static let hashBits = 14

    /// `input` compressed.
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 32)
        var length = UInt64(input.count)
        while length >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        output.append(UInt8(length))
        input.withUnsafeBufferPointer { source in
            var table = [Int32](repeating: -1, count: 1 << hashBits)
            var blockStart = 0
            while blockStart < source.count {
                let blockEnd = min(source.count, blockStart + blockSize)
                for index in table.indices { table[index] = -1 }
                compressBlock(source, from: blockStart, to: blockEnd, table: &table, into: &output)
                blockStart = blockEnd
            }
        }
        return output
    }

    @inline(__always)
    private static func load32(_ source: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(source[at]) | UInt32(source[at + 1]) << 8 | UInt32(source[at + 2]) << 16 | UInt32(source[at + 3]) << 24
    }

    @inline(__always)
    private static func hash(_ value: UInt32) -> Int { Int((value &* 0x1E35_A7BD) >> UInt32(32 - hashBits)) }

    private static func compressBlock(
        _ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, table: inout [Int32],
        into output: inout [UInt8]
    ) {
        var literalStart = start
        var position = start
        while position + 4 <= end {
            let value = load32(source, position)
            let slot = hash(value)
            let candidate = Int(table[slot])
            table[slot] = Int32(position)
            guard candidate >= start, load32(source, candidate) == value else {
                position += 1
                continue
            }
            var matchLength = 4
            while position + matchLength < end, source[candidate + matchLength] == source[position + matchLength] {
                matchLength += 1
            }
            if literalStart < position { emitLiteral(source, from: literalStart, to: position, into: &output) }
            emitCopy(offset: position - candidate, length: matchLength, into: &output)
            position += matchLength
            literalStart = position
        }
        if literalStart < end { emitLiteral(source, from: literalStart, to: end, into: &output) }
    }

    private static func emitLiteral(
        _ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into output: inout [UInt8]
    ) {
        let count = end - start - 1
        if count < 60 {
            output.append(UInt8(count << 2))
        } else if count < 1 << 8 {
            output.append(60 << 2)
            output.append(UInt8(count))
        } else if count < 1 << 16 {
            output.append(61 << 2)
            output.append(UInt8(count & 0xFF))
            output.append(UInt8(count >> 8))
        } else {
            output.append(62 << 2)
            output.append(UInt8(count & 0xFF))
            output.append(UInt8((count >> 8) & 0xFF))
            output.append(UInt8(count >> 16))
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<end]))
    }

    private static func emitCopy(offset: Int, length: Int, into output: inout [UInt8]) {
        var remaining = length
        while remaining > 0 {
            // A copy of 1…64 bytes with a 16-bit offset; leave at least 4 for the last one.
            var piece = min(remaining, 64)
            if remaining > 64, remaining - 64 < 4 { piece = 60 }
            output.append(UInt8(((piece - 1) << 2) | 0b10))
            output.append(UInt8(offset & 0xFF))
            output.append(UInt8(offset >> 8))
            remaining -= piece
        }
    }

    /// `input` decompressed.
    /// - Throws: ``LakeError`` (`.corrupt`) for a length or offset outside the data, or a result
    ///   of another length than the preamble says (`expected`, when given, must match it too).
    static func decompress(_ input: ArraySlice<UInt8>, expected: Int? = nil) throws(LakeError) -> [UInt8] {
        var position = input.startIndex
        var length = 0
        var shift = 0
        while true {
            guard position < input.endIndex, shift <= 35 else { throw LakeError(.corrupt, "snappy: a bad length") }
            let byte = input[position]
            position += 1
            length |= Int(byte & 0x7F) << shift
            shift += 7
            if byte & 0x80 == 0 { break }
        }
        if let expected, expected != length {
            throw LakeError(.corrupt, "snappy: \(length) bytes where the page header says \(expected)")
        }
        // No element expands more than 64 bytes from 3 (a 2-byte-offset copy): a longer length is
        // a damaged preamble, refused before anything is allocated for it.
        guard length <= 1 << 31, length <= (input.endIndex - position) * 22 + 64 else {
            throw LakeError(.corrupt, "snappy: a length of \(length) from \(input.count) bytes")
        }
        var output: [UInt8] = []
        output.reserveCapacity(length)
        while position < input.endIndex {
            let tag = input[position]
            position += 1
            switch tag & 0b11 {
            case 0:
                var count = Int(tag >> 2) + 1
                if count > 60 {
                    let bytes = count - 60
                    guard position + bytes <= input.endIndex else { throw LakeError(.corrupt, "snappy: truncated") }
                    count = 0
                    for index in 0..<bytes { count |= Int(input[position + index]) << (8 * index) }
                    count += 1
                    position += bytes
                }
                guard count <= input.endIndex - position, output.count + count <= length else {
                    throw LakeError(.corrupt, "snappy: a literal past the end")
                }
                output.append(contentsOf: input[position..<position + count])
                position += count
            default:
                let count: Int
                let offset: Int
                switch tag & 0b11 {
                case 1:
                    guard position < input.endIndex else { throw LakeError(.corrupt, "snappy: truncated") }
                    count = Int((tag >> 2) & 0b111) + 4
                    offset = Int(tag >> 5) << 8 | Int(input[position])
                    position += 1
                case 2:
                    guard position + 2 <= input.endIndex else { throw LakeError(.corrupt, "snappy: truncated") }
                    count = Int(tag >> 2) + 1
                    offset = Int(input[position]) | Int(input[position + 1]) << 8
                    position += 2
                default:
                    guard position + 4 <= input.endIndex else { throw LakeError(.corrupt, "snappy: truncated") }
                    count = Int(tag >> 2) + 1
                    offset =
                        Int(input[position]) | Int(input[position + 1]) << 8 | Int(input[position + 2]) << 16
                        | Int(input[position + 3]) << 24
                    position += 4
                }
                guard offset > 0, offset <= output.count, output.count + count <= length else {
                    throw LakeError(.corrupt, "snappy: a copy outside the data (offset \(offset))")
                }
                let from = output.count - offset
                for index in 0..<count { output.append(output[from + index]) }
            }
        }
        guard output.count == length else {
            throw LakeError(.corrupt, "snappy: \(output.count) bytes where \(length) were announced")
        }
        return output
    }
}
