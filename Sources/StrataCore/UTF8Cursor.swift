/// Writes text as UTF-8 into memory the caller has reserved: the formatting primitives of
/// integers, decimals and timestamps, without allocating and without a capacity check per byte.
///
/// The caller reserves enough room first (each writer documents its most bytes: an `Int64` at
/// most 20, a decimal at most ``DecimalFormatter/maximumBytes``, a timestamp at most
/// ``Timestamp/maximumISO8601Bytes``), then counts what was written from ``position``.
///
/// ```swift
/// withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
///     var cursor = UTF8Cursor(buffer.baseAddress!)
///     cursor.write(timestamp)            // ISO-8601
///     cursor.write(UInt8(ascii: " "))
///     cursor.write(price)                // exact decimal
///     let count = cursor.position - buffer.baseAddress!
/// }
/// ```
public struct UTF8Cursor {
    /// Where the next byte goes (a caller that writes through it directly moves it on).
    public var position: UnsafeMutablePointer<UInt8>

    @inlinable
    public init(_ start: UnsafeMutablePointer<UInt8>) { position = start }

    @inlinable @inline(__always)
    public mutating func write(_ byte: UInt8) {
        position.pointee = byte
        position += 1
    }

    /// Text written in code (keys, punctuation).
    @inlinable
    public mutating func write(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        position.update(from: text.utf8Start, count: count)
        position += count
    }

    /// Bytes as they are.
    @inlinable
    public mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        position.update(from: base, count: bytes.count)
        position += bytes.count
    }

    /// The decimal digits of `value`, zero-padded on the left to `minimumDigits` (at most
    /// `max(20, minimumDigits)` bytes).
    @inlinable
    public mutating func writeDigits(_ value: UInt64, minimumDigits: Int = 1) {
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20, value >= bound {
            digits += 1
            bound &*= 10
        }
        var count = digits
        while count < minimumDigits {
            write(UInt8(ascii: "0"))
            count += 1
        }
        var rest = value
        var index = digits
        while index > 0 {
            index -= 1
            position[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        position += digits
    }

    /// `value` in decimal, with a `-` when negative (at most 20 bytes).
    @inlinable
    public mutating func write(_ value: Int64) {
        if value < 0 { write(UInt8(ascii: "-")) }
        writeDigits(value.magnitude)
    }

    /// Runs `body` on a cursor over `capacity` bytes of scratch memory and returns what it wrote
    /// as a `String`.
    @inlinable
    public static func string(capacity: Int, _ body: (inout UTF8Cursor) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let start = buffer.baseAddress!
            var cursor = UTF8Cursor(start)
            body(&cursor)
            return String(decoding: UnsafeBufferPointer(start: start, count: cursor.position - start), as: UTF8.self)
        }
    }

    /// Runs `body` on a cursor over `capacity` bytes of scratch memory and appends what it wrote.
    @inlinable
    public static func append(
        to bytes: inout [UInt8], capacity: Int, _ body: (inout UTF8Cursor) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let start = buffer.baseAddress!
            var cursor = UTF8Cursor(start)
            body(&cursor)
            bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: cursor.position - start))
        }
    }
}
