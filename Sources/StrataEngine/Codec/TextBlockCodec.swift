import StrataCore
/// Encoding of one text column of one block in a sealed file.
///
/// A block whose values repeat (sources, ratings, a handful of event types) stores each distinct
/// value once and a code per row; one whose values are mostly distinct (headlines) stores the
/// lengths and the bytes. Lengths and codes go through ``BlockCodec``, so runs of equal lengths
/// and codes pack to a few bits.
///
/// Layout (little-endian):
/// ```
/// u8 mode (0 = plain, 1 = dictionary) · u32 rows
/// plain       u32 n · BlockCodec chunk of n bytes: rows lengths · the values' bytes
/// dictionary  u32 entries · u32 n · BlockCodec chunk of n bytes: entries lengths ·
///             the entries' bytes · u32 m · BlockCodec chunk of m bytes: rows codes
/// ```
/// An absent value (a negative reference) has length -1 (plain) or code -1 (dictionary).
/// The chunk's CRC-32C (in the file's index) covers all of it; the decoder still checks every
/// length, code and that the bytes are UTF-8, so damage is an error, never wrong text.
enum TextBlockCodec {
    static let plain: UInt8 = 0
    static let dictionary: UInt8 = 1

    /// Appends the encoding of the values at `references` (of `heap`) to `out`.
    static func encode(_ references: UnsafeBufferPointer<Int64>, heap: TextHeap, into out: inout ByteWriter) {
        var index: [[UInt8]: Int64] = [:]
        var entries: [[UInt8]] = []
        var codes: [Int64] = []
        codes.reserveCapacity(references.count)
        var values: [[UInt8]] = []
        values.reserveCapacity(references.count)
        for reference in references {
            guard reference >= 0 else {
                values.append([])
                codes.append(-1)
                continue
            }
            let bytes = heap.withBytes(reference) { [UInt8]($0) }
            values.append(bytes)
            if let code = index[bytes] {
                codes.append(code)
            } else {
                let code = Int64(entries.count)
                index[bytes] = code
                entries.append(bytes)
                codes.append(code)
            }
        }
        let useDictionary = entries.count * 2 <= references.count
        out.write(useDictionary ? dictionary : plain)
        out.write(UInt32(references.count))
        let stored = useDictionary ? entries : values
        if useDictionary { out.write(UInt32(entries.count)) }
        let lengths =
            useDictionary
            ? entries.map { Int64($0.count) } : zip(values, codes).map { $1 < 0 ? -1 : Int64($0.count) }
        writeCodec(lengths, into: &out)
        for value in stored { out.write(bytes: value) }
        if useDictionary { writeCodec(codes, into: &out) }
    }

    private static func writeCodec(_ values: [Int64], into out: inout ByteWriter) {
        var chunk = ByteWriter(capacity: 64 + values.count)
        values.withUnsafeBufferPointer { BlockCodec.encode($0, into: &chunk) }
        out.write(UInt32(chunk.count))
        out.write(bytes: chunk.bytes)
    }

    /// Decodes a text block column: each row's value goes into `heap` (a dictionary's entries
    /// once), its reference into `out`.
    /// - Returns: the number of rows written (at most `capacity`).
    /// - Throws: ``BlockCodec/CorruptBlock`` if the bytes are not a valid encoding (never traps).
    static func decode(
        _ chunk: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Int64>, capacity: Int, heap: inout TextHeap
    ) throws(BlockCodec.CorruptBlock) -> Int {
        var reader = ByteReader(chunk)
        do {
            let mode = try reader.readUInt8()
            guard mode == plain || mode == dictionary else {
                throw BlockCodec.CorruptBlock(reason: "unknown text block mode")
            }
            let rows = Int(try reader.readUInt32())
            guard rows <= capacity else { throw BlockCodec.CorruptBlock(reason: "impossible text block row count") }
            let stored = mode == dictionary ? Int(try reader.readUInt32()) : rows
            guard stored <= max(rows, 1) else { throw BlockCodec.CorruptBlock(reason: "impossible dictionary size") }
            let lengths = try readCodec(&reader, count: stored)
            var references: [Int64] = []
            references.reserveCapacity(stored)
            for length in lengths {
                if length == -1 && mode == plain {
                    references.append(ColumnType.text.absent)
                    continue
                }
                guard length >= 0, length <= TextHeap.maximumLength else {
                    throw BlockCodec.CorruptBlock(reason: "impossible text length \(length)")
                }
                let bytes = try reader.readBytes(Int(length))
                guard WALFormat.isUTF8(bytes) else { throw BlockCodec.CorruptBlock(reason: "text is not UTF-8") }
                references.append(heap.append(bytes))
            }
            if mode == dictionary {
                let codes = try readCodec(&reader, count: rows)
                for (row, code) in codes.enumerated() {
                    if code == -1 {
                        out[row] = ColumnType.text.absent
                        continue
                    }
                    guard code >= 0, code < stored else {
                        throw BlockCodec.CorruptBlock(reason: "dictionary code \(code) out of range")
                    }
                    out[row] = references[Int(code)]
                }
            } else {
                for row in 0..<rows { out[row] = references[row] }
            }
            guard reader.remaining == 0 else { throw BlockCodec.CorruptBlock(reason: "trailing bytes in text block") }
            return rows
        } catch is ByteReader.OutOfBounds {
            throw BlockCodec.CorruptBlock(reason: "text block shorter than its contents")
        } catch let error as BlockCodec.CorruptBlock {
            throw error
        } catch {
            throw BlockCodec.CorruptBlock(reason: "\(error)")
        }
    }

    private static func readCodec(_ reader: inout ByteReader, count: Int) throws -> [Int64] {
        let length = Int(try reader.readUInt32())
        let bytes = try reader.readBytes(length)
        guard count > 0 else { return [] }
        guard try BlockCodec.count(of: bytes) == count else {
            throw BlockCodec.CorruptBlock(reason: "text block count disagrees with its header")
        }
        let values = try [Int64](unsafeUninitializedCapacity: count) { buffer, filled in
            filled = try BlockCodec.decode(bytes, into: buffer.baseAddress!, capacity: count)
        }
        guard values.count == count else { throw BlockCodec.CorruptBlock(reason: "text block is short") }
        return values
    }
}
