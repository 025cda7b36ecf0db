import Testing

/// A test-only FlatBuffers reader, written from the format's description (not from the builder):
/// a table starts with the signed offset back to its vtable; the vtable holds its own size, the
/// table's size, and per field the field's offset in the table (0: absent, the default); an
/// offset field holds the distance forward to its string, vector or table.
struct FlatBufferTable {
    let bytes: [UInt8]
    let position: Int

    /// The root table of a finished buffer.
    init(root bytes: [UInt8]) {
        self.bytes = bytes
        self.position = Int(Self.load(UInt32.self, bytes, at: 0))
    }

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at position: Int) -> T {
        precondition(position >= 0 && position + MemoryLayout<T>.size <= bytes.count, "read past the buffer")
        // Every scalar of a FlatBuffer is aligned to its size.
        #expect(position % MemoryLayout<T>.size == 0, "a \(T.self) at \(position) is misaligned")
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
    }

    private var vtable: Int { position - Int(Self.load(Int32.self, bytes, at: position)) }

    /// Where field `slot` is, nil when absent.
    func fieldPosition(_ slot: Int) -> Int? {
        let vtableSize = Int(Self.load(UInt16.self, bytes, at: vtable))
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(Self.load(UInt16.self, bytes, at: vtable + entry))
        return offset == 0 ? nil : position + offset
    }

    /// The table's size as its vtable gives it.
    var tableSize: Int { Int(Self.load(UInt16.self, bytes, at: vtable + 2)) }

    func scalar<T: FixedWidthInteger>(_ slot: Int, default defaultValue: T = 0) -> T {
        fieldPosition(slot).map { Self.load(T.self, bytes, at: $0) } ?? defaultValue
    }

    func bool(_ slot: Int, default defaultValue: Bool = false) -> Bool {
        scalar(slot, default: defaultValue ? 1 : 0) as UInt8 != 0
    }

    func isPresent(_ slot: Int) -> Bool { fieldPosition(slot) != nil }

    /// Where the object an offset field refers to starts.
    private func target(_ slot: Int) -> Int? {
        fieldPosition(slot).map { $0 + Int(Self.load(UInt32.self, bytes, at: $0)) }
    }

    private static func string(_ bytes: [UInt8], at position: Int) -> String {
        let length = Int(load(UInt32.self, bytes, at: position))
        #expect(bytes[position + 4 + length] == 0, "a string ends with a zero byte")
        return String(decoding: bytes[(position + 4)..<(position + 4 + length)], as: UTF8.self)
    }

    func string(_ slot: Int) -> String? { target(slot).map { Self.string(bytes, at: $0) } }

    func table(_ slot: Int) -> FlatBufferTable? { target(slot).map { FlatBufferTable(bytes: bytes, position: $0) } }

    /// A vector of offsets: where each element starts.
    private func offsetVector(_ slot: Int) -> [Int]? {
        guard let vector = target(slot) else { return nil }
        let count = Int(Self.load(UInt32.self, bytes, at: vector))
        return (0..<count).map { index in
            let at = vector + 4 + 4 * index
            return at + Int(Self.load(UInt32.self, bytes, at: at))
        }
    }

    func tables(_ slot: Int) -> [FlatBufferTable]? {
        offsetVector(slot)?.map { FlatBufferTable(bytes: bytes, position: $0) }
    }

    func strings(_ slot: Int) -> [String]? { offsetVector(slot)?.map { Self.string(bytes, at: $0) } }

    /// A vector of structs of two `long`s (Arrow's `FieldNode` and `Buffer`).
    func longPairs(_ slot: Int) -> [(Int64, Int64)]? {
        guard let vector = target(slot) else { return nil }
        let count = Int(Self.load(UInt32.self, bytes, at: vector))
        return (0..<count).map { index in
            let at = vector + 4 + 16 * index
            return (Self.load(Int64.self, bytes, at: at), Self.load(Int64.self, bytes, at: at + 8))
        }
    }
}

/// One encapsulated message of an Arrow stream.
struct ArrowMessage {
    /// Where the message starts in the stream.
    let offset: Int
    /// The `Message` table.
    let message: FlatBufferTable
    let body: [UInt8]

    var version: Int16 { message.scalar(0) }
    /// `MessageHeader`: 1 schema, 2 dictionary batch, 3 record batch.
    var headerType: UInt8 { message.scalar(1) }
    var header: FlatBufferTable { message.table(2)! }
    var bodyLength: Int64 { message.scalar(3) }
}

/// Splits an Arrow stream into its messages, checking the framing as it goes: the continuation
/// marker, metadata and body lengths keeping every message a multiple of 8 bytes, the
/// end-of-stream marker last.
func decodeStream(_ stream: [UInt8]) throws -> [ArrowMessage] {
    var messages: [ArrowMessage] = []
    var at = 0
    while true {
        try #require(at + 8 <= stream.count, "the stream ends without its end-of-stream marker")
        #expect(at % 8 == 0, "a message starts at \(at), not on an 8-byte boundary")
        let continuation = FlatBufferTable.load(UInt32.self, stream, at: at)
        #expect(continuation == 0xFFFF_FFFF, "no continuation marker at \(at)")
        let metadataLength = Int(FlatBufferTable.load(Int32.self, stream, at: at + 4))
        if metadataLength == 0 {
            #expect(at + 8 == stream.count, "bytes after the end-of-stream marker")
            return messages
        }
        #expect((8 + metadataLength) % 8 == 0, "metadata of \(metadataLength) bytes leaves the body misaligned")
        try #require(at + 8 + metadataLength <= stream.count, "metadata past the end of the stream")
        let metadata = Array(stream[(at + 8)..<(at + 8 + metadataLength)])
        let message = FlatBufferTable(root: metadata)
        let bodyLength = Int(message.scalar(3) as Int64)
        #expect(bodyLength % 8 == 0, "a body of \(bodyLength) bytes")
        let bodyStart = at + 8 + metadataLength
        try #require(bodyStart + bodyLength <= stream.count, "body past the end of the stream")
        messages.append(
            ArrowMessage(offset: at, message: message, body: Array(stream[bodyStart..<(bodyStart + bodyLength)])))
        at = bodyStart + bodyLength
    }
}

extension ArrowMessage {
    /// The record batch of this message (itself, or a dictionary batch's data).
    var recordBatch: FlatBufferTable { headerType == 2 ? header.table(1)! : header }

    /// The record batch's nodes: (length, null count).
    var nodes: [(length: Int64, nulls: Int64)] { recordBatch.longPairs(1)!.map { ($0.0, $0.1) } }

    /// The record batch's buffers, each as its bytes (checked to lie in the body, 8-aligned).
    var buffers: [[UInt8]] {
        recordBatch.longPairs(2)!.map { offset, length in
            #expect(offset % 8 == 0, "a buffer at \(offset)")
            #expect(Int(offset + length) <= body.count, "a buffer past the body")
            return Array(body[Int(offset)..<Int(offset + length)])
        }
    }
}

extension Array where Element == UInt8 {
    /// The little-endian integers of type `T` in these bytes.
    func integers<T: FixedWidthInteger>(_: T.Type) -> [T] {
        stride(from: 0, to: count - MemoryLayout<T>.size + 1, by: MemoryLayout<T>.size).map { at in
            withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
        }
    }
}
