import StrataCore

/// The write-ahead log's byte format.
///
/// A segment file starts with a 16-byte header (`STRATWAL`, u32 format version, u32 reserved)
/// followed by frames. A frame is a 12-byte header — u32 magic `SWAL`, u32 payload length,
/// u32 CRC-32C of the payload — and the payload, one columnar batch:
///
/// ```
/// u8 kind (1 = batch) · u8 reserved · u16 column count · u64 sequence · u32 rows
/// u32 symbol count · symbol count × (u16 length, UTF-8 bytes)       the batch's own dictionary
/// u8 index width (2 | 4) · rows × index width                        each row's symbol
/// for each schema column but text: rows × (1 byte for bool/int8, else 8 bytes little-endian)
/// for each text column: rows × (u32 length, UTF-8 bytes; length 0xFFFFFFFF: absent)
/// ```
///
/// A frame written before optional columns were added to the table has fewer columns (see
/// ``TableSchema/placement(ofStored:)``): they read as absent.
///
/// A frame is either entirely valid or it is not replayed. Replay skips a frame whose header is
/// incomplete, whose length runs past the end of the file, whose checksum fails or whose payload
/// does not decode, and resynchronises on the next wholly valid frame (see
/// ``resynchronize(_:from:schema:after:)``); what it skipped is reported.
enum WALFormat {
    static let segmentMagic: [UInt8] = Array("STRATWAL".utf8)
    static let formatVersion: UInt32 = 1
    static let segmentHeaderSize = 16
    static let frameMagic: UInt32 = 0x4C41_5753  // "SWAL" little-endian
    static let frameHeaderSize = 12
    /// Frames larger than this are treated as corrupt lengths, not allocated.
    static let maximumPayload = 1 << 30
    static let batchKind: UInt8 = 1

    static func segmentHeader() -> [UInt8] {
        var writer = ByteWriter(capacity: segmentHeaderSize)
        writer.write(bytes: segmentMagic)
        writer.write(formatVersion)
        writer.write(UInt32(0))
        return writer.bytes
    }

    /// Encodes a batch as one complete frame (header + payload).
    static func encodeFrame(_ batch: ColumnBatch, sequence: UInt64, schema: TableSchema, into writer: inout ByteWriter)
    {
        writer.removeAll()
        let rows = batch.count
        writer.write(frameMagic)
        writer.write(UInt32(0))  // length, patched below
        writer.write(UInt32(0))  // checksum, patched below
        writer.write(batchKind)
        writer.write(UInt8(0))
        writer.write(UInt16(schema.columns.count))
        writer.write(sequence)
        writer.write(UInt32(rows))
        writer.write(UInt32(batch.symbols.count))
        for symbol in batch.symbols { writer.write(string: symbol) }
        let wide = batch.symbols.count > Int(UInt16.max)
        writer.write(UInt8(wide ? 4 : 2))
        if wide {
            writer.write(uint32s: batch.symbolIndex)
        } else {
            writer.write(narrowing: batch.symbolIndex, as: UInt16.self)
        }
        for (c, spec) in schema.columns.enumerated() {
            switch spec.type.walWidth {
            case 0: continue
            case 1: writer.write(narrowing: batch.columns[c], as: UInt8.self)
            default: batch.columns[c].withUnsafeBufferPointer { writer.write(int64s: $0) }
            }
        }
        for c in schema.textColumns {
            for reference in batch.columns[c] {
                guard reference >= 0 else {
                    writer.write(UInt32.max)
                    continue
                }
                batch.texts.withBytes(reference) { bytes in
                    writer.write(UInt32(bytes.count))
                    writer.write(bytes: bytes)
                }
            }
        }
        let payloadLength = writer.count - frameHeaderSize
        let crc = writer.bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[frameHeaderSize...]))
        }
        writer.patch(UInt32(payloadLength), at: 4)
        writer.patch(crc, at: 8)
    }

    /// What the scanner found at an offset of a segment.
    enum ScanResult {
        /// A valid frame: its payload and the offset of the next frame.
        case frame(payload: UnsafeRawBufferPointer, next: Int)
        /// The clean end of the segment.
        case end
        /// A torn or corrupt frame starts at the offset.
        case damaged(reason: String)
    }

    /// Examines the frame at `offset` of a mapped segment (a pure function: no I/O).
    static func scan(_ segment: UnsafeRawBufferPointer, at offset: Int) -> ScanResult {
        let remaining = segment.count - offset
        if remaining == 0 { return .end }
        if remaining < frameHeaderSize { return .damaged(reason: "torn frame header (\(remaining) bytes)") }
        let magic = UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let length = Int(UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        let crc = UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
        if magic != frameMagic {
            // A zero-filled tail is what a crash leaves after a pre-extended file; still a tear.
            return .damaged(reason: "bad frame magic")
        }
        if length > maximumPayload || length > remaining - frameHeaderSize {
            return .damaged(reason: "frame length \(length) runs past the end of the segment (torn write)")
        }
        let payload = UnsafeRawBufferPointer(
            rebasing: segment[(offset + frameHeaderSize)..<(offset + frameHeaderSize + length)])
        if CRC32C.checksum(payload) != crc { return .damaged(reason: "frame checksum mismatch") }
        return .frame(payload: payload, next: offset + frameHeaderSize + length)
    }

    /// The offset of the next wholly valid frame at or after `offset`, if any: the frame magic,
    /// a length that fits in the segment, a matching checksum, a payload that decodes for
    /// `schema`, and a sequence above `sequence` (sequences only grow along the log, so a frame
    /// that happens to lie inside the payload of an older one cannot be taken for the next).
    ///
    /// Scans byte by byte: used only after damage.
    static func resynchronize(
        _ segment: UnsafeRawBufferPointer, from offset: Int, schema: TableSchema, after sequence: UInt64
    ) -> Int? {
        var position = max(offset, 0)
        while let candidate = nextMagic(segment, from: position, before: segment.count) {
            if case .frame(let payload, _) = scan(segment, at: candidate),
                let frame = try? decode(payload, schema: schema), frame.sequence > sequence
            {
                return candidate
            }
            position = candidate + 1
        }
        return nil
    }

    /// The first offset in `[from, before)` where the frame magic starts (with room for a header).
    static func nextMagic(_ segment: UnsafeRawBufferPointer, from: Int, before: Int) -> Int? {
        let end = min(before, segment.count) - frameHeaderSize
        guard from <= end else { return nil }
        for position in from...end
        where UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: position, as: UInt32.self)) == frameMagic {
            return position
        }
        return nil
    }

    /// What a damaged stretch of a segment held, as far as can be told.
    struct Census: Sendable {
        /// Frame starts found in the stretch (at least one).
        var frames = 0
        /// Rows of the frames whose payload still decodes structurally (every length agrees with
        /// its row count, so the count itself is not what was damaged); a lower bound.
        var rows = 0
        /// Frames whose payload does not decode, so whose row count cannot be trusted.
        var framesWithUnknownRows = 0
    }

    /// Counts the frames in `range` of a segment (which failed to replay): walks frame headers
    /// whose magic and length are sane, and jumps to the next frame magic past anything else.
    static func census(_ segment: UnsafeRawBufferPointer, _ range: Range<Int>, schema: TableSchema) -> Census {
        var census = Census()
        var position = range.lowerBound
        while position < range.upperBound {
            let remaining = range.upperBound - position
            census.frames += 1
            if remaining >= frameHeaderSize,
                UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: position, as: UInt32.self)) == frameMagic
            {
                let length = Int(
                    UInt32(littleEndian: segment.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self)))
                if length <= remaining - frameHeaderSize {
                    let payload = UnsafeRawBufferPointer(
                        rebasing: segment[(position + frameHeaderSize)..<(position + frameHeaderSize + length)])
                    if let frame = try? decode(payload, schema: schema) {
                        census.rows += frame.batch.count
                    } else {
                        census.framesWithUnknownRows += 1
                    }
                    position += frameHeaderSize + length
                    continue
                }
            }
            census.framesWithUnknownRows += 1
            guard let next = nextMagic(segment, from: position + 1, before: range.upperBound) else { break }
            position = next
        }
        return census
    }

    struct DecodedFrame: Sendable {
        var sequence: UInt64
        var batch: ColumnBatch
    }

    struct MalformedPayload: Error { var reason: String }

    /// Whether `bytes` are well-formed UTF-8 (text read back from disk is checked before it is
    /// trusted as a `String`).
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
    }

    /// Decodes a payload whose checksum was verified. Structural problems (a checksum collision or a
    /// frame written by a different schema) throw ``MalformedPayload``.
    static func decode(_ payload: UnsafeRawBufferPointer, schema: TableSchema) throws(MalformedPayload) -> DecodedFrame
    {
        var reader = ByteReader(payload)
        do {
            guard try reader.readUInt8() == batchKind else { throw MalformedPayload(reason: "unknown frame kind") }
            _ = try reader.readUInt8()
            let columnCount = Int(try reader.readUInt16())
            guard let placement = schema.placement(ofStored: columnCount) else {
                throw MalformedPayload(reason: "frame has \(columnCount) columns, table has \(schema.columns.count)")
            }
            let sequence = try reader.readUInt64()
            // Sequences count batches from 1: one past 2^63 is damage, and would overflow the next.
            guard sequence <= UInt64(Int64.max) else { throw MalformedPayload(reason: "impossible sequence") }
            let rows = Int(try reader.readUInt32())
            let symbolCount = Int(try reader.readUInt32())
            // A batch's dictionary may name symbols no row uses; each name takes at least 2 bytes.
            guard symbolCount <= reader.remaining / 2 else {
                throw MalformedPayload(reason: "impossible symbol count")
            }
            var symbols: [String] = []
            symbols.reserveCapacity(symbolCount)
            for _ in 0..<symbolCount {
                let name = try reader.readString()
                guard Symbol.isValid(name) else { throw MalformedPayload(reason: "malformed symbol in frame") }
                symbols.append(name)
            }
            let width = Int(try reader.readUInt8())
            guard width == 2 || width == 4 else { throw MalformedPayload(reason: "bad symbol index width") }
            let indexBytes = try reader.readBytes(rows * width)
            var symbolIndex = [UInt32](repeating: 0, count: rows)
            for row in 0..<rows {
                let index =
                    width == 2
                    ? UInt32(UInt16(littleEndian: indexBytes.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self)))
                    : UInt32(littleEndian: indexBytes.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self))
                guard Int(index) < symbolCount else { throw MalformedPayload(reason: "symbol index out of range") }
                symbolIndex[row] = index
            }
            var columns: [[Int64]] = schema.columns.map { spec in
                placement.count == schema.columns.count ? [] : [Int64](repeating: spec.type.absent, count: rows)
            }
            for c in placement {
                let spec = schema.columns[c]
                let bytes = try reader.readBytes(rows * spec.type.walWidth)
                var column = [Int64](repeating: 0, count: rows)
                if spec.type.walWidth == 0 {
                    // A text column: its bytes follow the fixed-width lanes.
                } else if spec.type.walWidth == 1 {
                    for row in 0..<rows { column[row] = Int64(Int8(bitPattern: bytes[row])) }
                } else {
                    column.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
                    #if _endian(big)
                        for row in 0..<rows { column[row] = Int64(littleEndian: column[row]) }
                    #endif
                }
                columns[c] = column
            }
            var texts = TextHeap()
            for c in placement where schema.columns[c].type == .text {
                for row in 0..<rows {
                    let rawLength = try reader.readUInt32()
                    if rawLength == UInt32.max {
                        columns[c][row] = ColumnType.text.absent
                        continue
                    }
                    let length = Int(rawLength)
                    guard length <= TextHeap.maximumLength else {
                        throw MalformedPayload(reason: "text value of \(length) bytes")
                    }
                    let bytes = try reader.readBytes(length)
                    guard Self.isUTF8(bytes) else { throw MalformedPayload(reason: "text value is not UTF-8") }
                    columns[c][row] = texts.append(bytes)
                }
            }
            guard reader.remaining == 0 else { throw MalformedPayload(reason: "trailing bytes in frame") }
            var batch = ColumnBatch(symbols: symbols, symbolIndex: symbolIndex, columns: columns)
            batch.texts = texts
            return DecodedFrame(sequence: sequence, batch: batch)
        } catch is ByteReader.OutOfBounds {
            throw MalformedPayload(reason: "frame shorter than its contents")
        } catch let error as MalformedPayload {
            throw error
        } catch {
            throw MalformedPayload(reason: "\(error)")
        }
    }
}

/// How recovery treats the format version in a WAL segment's header.
///
/// The rule: `1` is this build's format. A version from 2 through 255 is plausibly a segment
/// written by a newer build of Strata (versions go up one at a time; 255 leaves room for a very
/// long future), so the table refuses to open with `.unsupportedFormat` rather than misread it
/// or move it aside. Any other value — 0, or anything above 255, such as the 2,779,096,484 a
/// flipped byte produced — is no version any build wrote: the header is damaged, and the segment
/// is treated like one with a bad magic number (reported as damage, the original kept in
/// `corrupt/`, its valid frames still replayed).
enum WALSegmentVersion: Equatable {
    case supported, newer, garbled

    static let newestPlausible: UInt32 = 255

    static func classify(_ version: UInt32) -> WALSegmentVersion {
        if version == WALFormat.formatVersion { return .supported }
        if version > WALFormat.formatVersion && version <= newestPlausible { return .newer }
        return .garbled
    }
}
