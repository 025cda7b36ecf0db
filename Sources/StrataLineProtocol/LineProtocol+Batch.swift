extension LineProtocol {
    /// The points parsed from one request body, or from one stretch of a TCP stream, in input order.
    ///
    /// A batch owns the bytes its points were parsed from, so points stay valid as long as the
    /// batch (or any point of it) is alive, and keys, values and number texts are views into
    /// those bytes: no `String` is built unless asked for.
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

        let storage: BatchStorage

        init(storage: BatchStorage) { self.storage = storage }

        /// A batch with no points.
        public init() { storage = BatchStorage.empty }

        public var startIndex: Int { 0 }
        public var endIndex: Int { storage.points.count }

        /// The point at `position`.
        public subscript(position: Int) -> Point { Point(storage: storage, index: position) }

        /// The number of fields over all points (a cheap size measure for metrics).
        public var fieldCount: Int { storage.fields.count }
    }
}

/// A range of bytes in a batch: in its source, or (high bit of `start` set) in its unescaped bytes.
struct ByteRange: Sendable, Hashable {
    static let unescapedFlag: UInt32 = 0x8000_0000

    var start: UInt32
    var count: UInt32

    @inline(__always) init(start: Int, count: Int, unescaped: Bool) {
        self.start = UInt32(truncatingIfNeeded: start) | (unescaped ? Self.unescapedFlag : 0)
        self.count = UInt32(truncatingIfNeeded: count)
    }

    var isEmpty: Bool { count == 0 }
}

struct PointRecord: Sendable {
    var measurement: ByteRange
    var firstTag: UInt32
    var tagCount: UInt32
    var firstField: UInt32
    var fieldCount: UInt32
    var timestamp: Int64
    var line: Int
}

struct TagRecord: Sendable {
    var key: ByteRange
    var value: ByteRange
}

struct FieldRecord: Sendable {
    var key: ByteRange
    /// The value's text: the number without its type suffix, the unescaped string, the boolean word.
    var text: ByteRange
    /// The typed value: `Double` bits, `Int64` or `UInt64` bits, 0/1, or nanoseconds.
    var payload: UInt64
    var kind: LineProtocol.FieldKind
}

/// The immutable contents of a ``LineProtocol/Batch``. Every property is a `let` of a `Sendable`
/// type, so sharing it between tasks is safe.
final class BatchStorage: Sendable {
    static let empty = BatchStorage(source: [], unescaped: [], points: [], tags: [], fields: [])

    let source: [UInt8]
    let unescaped: [UInt8]
    let points: [PointRecord]
    let tags: [TagRecord]
    let fields: [FieldRecord]

    init(source: [UInt8], unescaped: [UInt8], points: [PointRecord], tags: [TagRecord], fields: [FieldRecord]) {
        self.source = source
        self.unescaped = unescaped
        self.points = points
        self.tags = tags
        self.fields = fields
    }

    @inline(__always)
    func withBytes<R, E: Error>(
        _ range: ByteRange, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        let start = Int(range.start & ~ByteRange.unescapedFlag)
        let end = start + Int(range.count)
        let bytes = range.start & ByteRange.unescapedFlag != 0 ? unescaped : source
        return try bytes.withUnsafeBufferPointer { (all) throws(E) -> R in
            try body(UnsafeBufferPointer(rebasing: all[start..<end]))
        }
    }

    func string(_ range: ByteRange) -> String {
        withBytes(range) { String(decoding: $0, as: UTF8.self) }
    }

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

@inline(__always)
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

    consuming func finish(source: [UInt8]) -> BatchStorage {
        BatchStorage(source: source, unescaped: unescaped, points: points, tags: tags, fields: fields)
    }
}
