/// The values of a table's text columns: variable-length UTF-8, kept beside the `Int64` lanes.
///
/// Every structure of the engine that holds lanes — a ``ColumnBatch``, a ``RowSet``, an
/// in-memory partition, a sealed file's writer input — carries one `TextHeap`, and a text
/// column's lane holds, per row, a *reference* into it. So every lane operation (sorting, merging,
/// deduplication, cutting to a limit) moves text rows without touching their bytes; only moving
/// lanes from one structure to another rebases the references (``absorb(_:)``, a shift of the
/// chunk index, or ``copy(_:from:)`` for a few rows).
///
/// A reference is `chunk << 32 | offset`; at the offset, a u32 length and the bytes. Chunks are
/// 64 KiB (a longer value gets a chunk of its own) and never move once full, so copies of a heap
/// share them (value semantics: a write copies only a shared last chunk).
public struct TextHeap: Sendable {
    package static let chunkSize = 64 << 10
    /// The longest value stored: 16 MiB (declared maximum lengths are far shorter).
    public static let maximumLength = 1 << 24

    private var chunks: [[UInt8]] = []

    public init() {}

    /// Whether nothing was ever stored.
    public var isEmpty: Bool { chunks.isEmpty }

    /// Bytes held (for stats).
    public var byteCount: Int { chunks.reduce(0) { $0 + $1.count } }

    /// Stores `bytes` and returns its reference.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        precondition(bytes.count <= Self.maximumLength, "text value longer than TextHeap.maximumLength")
        let needed = 4 + bytes.count
        if chunks.isEmpty || chunks[chunks.count - 1].count + needed > Self.chunkSize {
            var fresh: [UInt8] = []
            fresh.reserveCapacity(max(Self.chunkSize, needed))
            chunks.append(fresh)
        }
        let chunk = chunks.count - 1
        let offset = chunks[chunk].count
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { chunks[chunk].append(contentsOf: $0) }
        chunks[chunk].append(contentsOf: bytes)
        return Int64(chunk) << 32 | Int64(offset)
    }

    /// Stores `string`'s UTF-8 and returns its reference.
    public mutating func append(_ string: String) -> Int64 {
        var string = string
        return string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with the bytes of the value at `reference`.
    public func withBytes<R>(_ reference: Int64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let chunk = Int(reference >> 32)
        let offset = Int(reference & 0xFFFF_FFFF)
        return try chunks[chunk].withUnsafeBytes { raw in
            let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
            return try body(UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 4 + length)]))
        }
    }

    /// The value at `reference`.
    public func string(_ reference: Int64) -> String {
        withBytes(reference) { String(decoding: $0, as: UTF8.self) }
    }

    /// Copies the value at `reference` of `other` into this heap; returns its new reference (an
    /// absent value, a negative reference, stays absent).
    public mutating func copy(_ reference: Int64, from other: TextHeap) -> Int64 {
        guard reference >= 0 else { return reference }
        return other.withBytes(reference) { append($0) }
    }

    /// Takes in `other`'s chunks (shared, not copied) and returns what to add to its references to
    /// make them references of this heap.
    public mutating func absorb(_ other: TextHeap) -> Int64 {
        guard !other.chunks.isEmpty else { return 0 }
        if chunks.isEmpty {
            chunks = other.chunks
            return 0
        }
        let shift = Int64(chunks.count) << 32
        chunks.append(contentsOf: other.chunks)
        return shift
    }

    /// Whether `reference` points at a whole value of this heap (for checks of decoded data).
    package func isValid(_ reference: Int64) -> Bool {
        guard reference >= 0 else { return false }
        let chunk = Int(reference >> 32)
        let offset = Int(reference & 0xFFFF_FFFF)
        guard chunk < chunks.count, offset + 4 <= chunks[chunk].count else { return false }
        let length = chunks[chunk].withUnsafeBytes {
            Int($0.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
        }
        return offset + 4 + length <= chunks[chunk].count
    }
}

extension RowSet {
    /// Moves `other`'s text references into this row set's heap (sharing its chunks), so `other`'s
    /// lanes can be appended to this row set's.
    package mutating func adoptTexts(of other: inout RowSet, textColumns: [Int]) {
        guard !textColumns.isEmpty, !other.texts.isEmpty else { return }
        let shift = texts.absorb(other.texts)
        other.texts = TextHeap()
        guard shift != 0 else { return }
        for c in textColumns {
            for row in other.columns[c].indices where other.columns[c][row] >= 0 { other.columns[c][row] += shift }
        }
    }
}
