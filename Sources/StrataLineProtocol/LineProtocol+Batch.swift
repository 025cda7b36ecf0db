extension LineProtocol {
    /// The points parsed from one request body, or from one stretch of a TCP stream, in input order.
    ///
    /// A batch owns a copy of the bytes its points were parsed from, so points stay valid as long
    /// as the batch (or any point of it) is alive, and keys, values and number texts are views
    /// into those bytes: no `String` is built unless asked for.
    ///
    /// ```swift
    /// let batch = try LineProtocol.parse(body, defaultTimestamp: now)
    /// for point in batch where point.hasMeasurement("trades") {
    ///     let symbol = point.tags.value(forKey: "symbol")
    ///     let price = point.fields.first(key: "price")?.decimal(as: Price.self)
    /// }
    /// ```
    public struct Batch: Sendable, RandomAccessCollection {
        /// The largest source a batch can address: 2 GiB - 1 bytes (byte ranges are 31-bit).
        public static let maximumSourceSize = Int(ByteRange.unescapedFlag) - 1

        @usableFromInline let storage: BatchStorage

        @inlinable init(storage: BatchStorage) { self.storage = storage }

        /// A batch with no points.
        public init() { storage = BatchStorage.empty }

        @inlinable public var startIndex: Int { 0 }
        @inlinable public var endIndex: Int { storage.points.count }

        /// The point at `position`.
        @inlinable public subscript(position: Int) -> Point {
            precondition(position >= 0 && position < storage.points.count, "point index out of range")
            return Point(storage: storage, index: position)
        }

        /// The number of fields over all points (a cheap size measure for metrics).
        public var fieldCount: Int { storage.fields.count }
    }
}

/// A range of bytes in a batch: in its source, or (high bit of `start` set) in its unescaped bytes.
@usableFromInline
struct ByteRange: Sendable, Hashable {
    @usableFromInline static let unescapedFlag: UInt32 = 0x8000_0000

    @usableFromInline var start: UInt32
    @usableFromInline var count: UInt32

    @inline(__always) init(start: Int, count: Int, unescaped: Bool) {
        self.start = UInt32(truncatingIfNeeded: start) | (unescaped ? Self.unescapedFlag : 0)
        self.count = UInt32(truncatingIfNeeded: count)
    }

    var isEmpty: Bool { count == 0 }
}

@usableFromInline
struct PointRecord: Sendable {
    @usableFromInline var measurement: ByteRange
    @usableFromInline var firstTag: UInt32
    @usableFromInline var tagCount: UInt32
    @usableFromInline var firstField: UInt32
    @usableFromInline var fieldCount: UInt32
    @usableFromInline var timestamp: Int64
    @usableFromInline var line: Int
    /// The whole line as received (with its terminator, if any).
    @usableFromInline var text: ByteRange
}

@usableFromInline
struct TagRecord: Sendable {
    @usableFromInline var key: ByteRange
    @usableFromInline var value: ByteRange
}

@usableFromInline
struct FieldRecord: Sendable {
    @usableFromInline var key: ByteRange
    /// The value's text: the number without its type suffix, the unescaped string, the boolean word.
    @usableFromInline var text: ByteRange
    /// The typed value: `Double` bits, `Int64` or `UInt64` bits, 0/1, or nanoseconds.
    @usableFromInline var payload: UInt64
    @usableFromInline var kind: LineProtocol.FieldKind
}

/// The immutable contents of a ``LineProtocol/Batch``: the bytes its points refer to (the
/// source entries, then the unescaped copies of escaped names and strings) and the records.
///
/// `@unchecked Sendable`: every property is a `let`; `bytes` is allocated and filled in `init`,
/// never written again, and freed in `deinit`, so reading it from any task is safe. The bytes
/// are held by pointer, not in an `Array`, so that reading them costs no reference counting.
@usableFromInline
final class BatchStorage: @unchecked Sendable {
    static let empty = BatchStorage(
        source: UnsafeBufferPointer(start: nil, count: 0), unescaped: [], points: [], tags: [], fields: [])

    @usableFromInline let bytes: UnsafeMutablePointer<UInt8>
    /// Where the unescaped bytes start in `bytes`.
    @usableFromInline let unescapedStart: Int
    @usableFromInline let points: [PointRecord]
    @usableFromInline let tags: [TagRecord]
    @usableFromInline let fields: [FieldRecord]

    /// Copies `source` (the bytes the records' source ranges refer to) and `unescaped`.
    init(
        source: UnsafeBufferPointer<UInt8>, unescaped: [UInt8], points: [PointRecord], tags: [TagRecord],
        fields: [FieldRecord]
    ) {
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(source.count + unescaped.count, 1))
        if let base = source.baseAddress { bytes.initialize(from: base, count: source.count) }
        unescaped.withUnsafeBufferPointer { copy in
            if let base = copy.baseAddress { (bytes + source.count).initialize(from: base, count: copy.count) }
        }
        self.bytes = bytes
        unescapedStart = source.count
        self.points = points
        self.tags = tags
        self.fields = fields
    }

    deinit { bytes.deallocate() }

    @inlinable
    func withBytes<R, E: Error>(
        _ range: ByteRange, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        var offset = Int(range.start & ~ByteRange.unescapedFlag)
        if range.start & ByteRange.unescapedFlag != 0 { offset &+= unescapedStart }
        return try body(UnsafeBufferPointer(start: bytes + offset, count: Int(range.count)))
    }

    @inlinable
    func string(_ range: ByteRange) -> String {
        withBytes(range) { String(decoding: $0, as: UTF8.self) }
    }

    @inlinable
    func bytes(_ range: ByteRange, equal text: String) -> Bool {
        withBytes(range) { bytes in
            if let equal = text.utf8.withContiguousStorageIfAvailable({ utf8 in
                utf8.count == bytes.count && (utf8.isEmpty || memoryEqual(utf8, bytes))
            }) {
                return equal
            }
            return text.utf8.elementsEqual(bytes)
        }
    }
}

@inlinable
func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var i = 0
    while i < a.count {
        if a[i] != b[i] { return false }
        i &+= 1
    }
    return true
}

/// Collects the records of a batch while parsing; rolled back to a mark when an entry fails or
/// is incomplete.
struct BatchBuilder {
    struct Mark {
        var unescaped: Int
        var tags: Int
        var fields: Int
    }

    var unescaped: [UInt8] = []
    var points: [PointRecord] = []
    var tags: [TagRecord] = []
    var fields: [FieldRecord] = []

    init(expectedBytes: Int) {
        // A typical trading line is 60-200 bytes with a tag or two and a few fields.
        let expectedPoints = min(expectedBytes / 64, 1 << 20)
        points.reserveCapacity(expectedPoints)
        tags.reserveCapacity(expectedPoints)
        fields.reserveCapacity(expectedPoints * 3)
    }

    var mark: Mark { Mark(unescaped: unescaped.count, tags: tags.count, fields: fields.count) }

    mutating func rollBack(to mark: Mark) {
        if unescaped.count > mark.unescaped { unescaped.removeSubrange(mark.unescaped...) }
        if tags.count > mark.tags { tags.removeSubrange(mark.tags...) }
        if fields.count > mark.fields { fields.removeSubrange(mark.fields...) }
    }

    /// The batch's storage, with a copy of `source` (the bytes parsed) and of the unescaped bytes.
    consuming func finish(source: UnsafeBufferPointer<UInt8>) -> BatchStorage {
        BatchStorage(source: source, unescaped: unescaped, points: points, tags: tags, fields: fields)
    }
}
