/// State that can be written to a snapshot and read back (the keyed state tables' snapshots: a
/// store rebuilds an ``OrderRegistry`` or a ``JobQueue`` from its last snapshot plus the events
/// after it, instead of every event since the table began).
///
/// The encoding is the type's own, compact and stable: little-endian integers, length-prefixed
/// UTF-8, written in a fixed order. A change of layout is a new ``snapshotVersion``; a snapshot of
/// another version is not read (the store replays the events instead).
public protocol SnapshotState {
    /// The layout written by ``writeSnapshot(into:)``.
    static var snapshotVersion: UInt32 { get }
    /// Writes the whole state.
    func writeSnapshot(into writer: inout SnapshotWriter)
    /// Replaces the state by the one a snapshot holds; `self` is the state's initial value (its
    /// configuration, such as a queue's retry policy, which a snapshot does not hold).
    /// - Throws: ``SnapshotError`` for bytes that are not a snapshot this type wrote.
    mutating func readSnapshot(from reader: inout SnapshotReader) throws(SnapshotError)
}

/// Bytes that are not a snapshot the reading type wrote: cut short, a value out of its range, an
/// unknown case.
public struct SnapshotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the bytes the problem was found.
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "snapshot byte \(offset): \(message)" }
}

/// Appends values in the snapshot encoding.
public struct SnapshotWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func write(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    public mutating func write(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func write(_ value: Int) { write(Int64(value)) }

    public mutating func write(_ value: Int128) {
        write(Int64(truncatingIfNeeded: value))
        write(Int64(truncatingIfNeeded: value >> 64))
    }

    public mutating func write(_ value: Timestamp) { write(value.nanoseconds) }

    /// A count of bytes or items: unsigned LEB128.
    public mutating func writeCount(_ count: Int) {
        var rest = UInt64(max(0, count))
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func write(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            writeCount(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// A fixed-point value's mantissa (its scale is the type's).
    public mutating func write<D: FixedPointDecimal>(_ value: D) { write(value.mantissa) }

    /// An optional as a presence byte, then the value.
    public mutating func write<T>(_ value: T?, _ body: (inout SnapshotWriter, T) -> Void) {
        guard let value else { return write(false) }
        write(true)
        body(&self, value)
    }
}

/// Reads values written by ``SnapshotWriter``, checking every length against the bytes left.
public struct SnapshotReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public func error(_ message: String) -> SnapshotError { SnapshotError(offset: offset, message) }

    private mutating func take(_ count: Int) throws(SnapshotError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else {
            throw error("\(count) bytes needed, \(bytes.count - offset) left")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    public mutating func readByte() throws(SnapshotError) -> UInt8 { try take(1).first! }

    public mutating func readBool() throws(SnapshotError) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw error("a flag of \(other)")
        }
    }

    public mutating func readInt64() throws(SnapshotError) -> Int64 {
        var bits: UInt64 = 0
        for (index, byte) in try take(8).enumerated() { bits |= UInt64(byte) << UInt64(index * 8) }
        return Int64(bitPattern: bits)
    }

    public mutating func readUInt32() throws(SnapshotError) -> UInt32 {
        var bits: UInt32 = 0
        for (index, byte) in try take(4).enumerated() { bits |= UInt32(byte) << UInt32(index * 8) }
        return bits
    }

    /// An `Int` written by ``SnapshotWriter/write(_:)-(Int)``, checked to fit.
    public mutating func readInt() throws(SnapshotError) -> Int {
        let value = try readInt64()
        guard let int = Int(exactly: value) else { throw error("\(value) does not fit an Int") }
        return int
    }

    public mutating func readInt128() throws(SnapshotError) -> Int128 {
        let low = UInt64(bitPattern: try readInt64())
        let high = try readInt64()
        return Int128(high) << 64 | Int128(low)
    }

    public mutating func readTimestamp() throws(SnapshotError) -> Timestamp {
        Timestamp(nanoseconds: try readInt64())
    }

    /// A count, checked to be at most `limit` (the bytes left, for counts of bytes or items of at
    /// least one byte each: a damaged count cannot make a reader reserve memory it cannot fill).
    public mutating func readCount(limit: Int? = nil) throws(SnapshotError) -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw error("a count longer than 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        let bound = limit ?? (bytes.count - offset)
        guard value <= UInt64(bound) else { throw error("a count of \(value), more than the \(bound) possible") }
        return Int(value)
    }

    public mutating func readString() throws(SnapshotError) -> String {
        let count = try readCount()
        let start = offset
        guard let text = String(validating: try take(count), as: UTF8.self) else {
            throw SnapshotError(offset: start, "text that is not UTF-8")
        }
        return text
    }

    public mutating func readDecimal<D: FixedPointDecimal>(_ type: D.Type) throws(SnapshotError) -> D {
        D(mantissa: try readInt64())
    }

    public mutating func readOptional<T>(_ body: (inout SnapshotReader) throws(SnapshotError) -> T)
        throws(SnapshotError) -> T?
    {
        try readBool() ? try body(&self) : nil
    }

    /// A symbol, checked.
    public mutating func readSymbol() throws(SnapshotError) -> Symbol {
        let start = offset
        let name = try readString()
        guard Symbol.isValid(name) else { throw SnapshotError(offset: start, "\(name) is not a symbol") }
        return Symbol(unchecked: name)
    }

    /// A `RawRepresentable` enum's case from its text.
    public mutating func readCase<E: RawRepresentable>(_ type: E.Type) throws(SnapshotError) -> E
    where E.RawValue == String {
        let start = offset
        let raw = try readString()
        guard let value = E(rawValue: raw) else { throw SnapshotError(offset: start, "no \(E.self) is called \(raw)") }
        return value
    }
}
