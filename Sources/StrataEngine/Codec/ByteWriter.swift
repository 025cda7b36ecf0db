import StrataCore
/// An append-only little-endian byte buffer for building WAL frames and file footers.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: UInt16) { append(littleEndian: value) }
    public mutating func write(_ value: UInt32) { append(littleEndian: value) }
    public mutating func write(_ value: UInt64) { append(littleEndian: value) }
    public mutating func write(_ value: Int64) { append(littleEndian: UInt64(bitPattern: value)) }

    /// A UTF-8 string with a 16-bit length prefix.
    public mutating func write(string: String) {
        let utf8 = Array(string.utf8)
        write(UInt16(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8.prefix(Int(UInt16.max)))
    }

    public mutating func write(bytes other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    /// Appends the raw little-endian bytes of `values`.
    public mutating func write(int64s values: UnsafeBufferPointer<Int64>) {
        #if _endian(little)
            bytes.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
            for value in values { write(value) }
        #endif
    }

    /// Appends each value truncated to `T`, little-endian (bulk: one resize, no per-value append).
    public mutating func write<Source: BinaryInteger, T: FixedWidthInteger & UnsignedInteger>(
        narrowing values: [Source], as _: T.Type
    ) {
        let start = bytes.count
        let width = MemoryLayout<T>.size
        bytes.append(contentsOf: repeatElement(0, count: values.count * width))
        bytes.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(
                    of: T(truncatingIfNeeded: value).littleEndian, toByteOffset: start + i * width, as: T.self)
            }
        }
    }

    /// Appends the little-endian bytes of `values`.
    public mutating func write(uint32s values: [UInt32]) { write(narrowing: values, as: UInt32.self) }

    /// Overwrites 4 bytes at `offset` (for back-patched lengths and checksums).
    public mutating func patch(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    private mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func removeAll(keepingCapacity: Bool = true) { bytes.removeAll(keepingCapacity: keepingCapacity) }
}

/// A bounds-checked little-endian reader over bytes Strata did not necessarily write intact.
///
/// Every read checks the remaining length and throws ``ByteReader/OutOfBounds`` instead of
/// trapping, so a corrupt file becomes an error, never a crash.
public struct ByteReader {
    public struct OutOfBounds: Error {}

    public let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { buffer.count - offset }

    @inline(__always)
    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws(OutOfBounds) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, remaining >= size else { throw OutOfBounds() }
        let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    public mutating func readUInt8() throws(OutOfBounds) -> UInt8 { try load(UInt8.self) }
    public mutating func readUInt16() throws(OutOfBounds) -> UInt16 { try load(UInt16.self) }
    public mutating func readUInt32() throws(OutOfBounds) -> UInt32 { try load(UInt32.self) }
    public mutating func readUInt64() throws(OutOfBounds) -> UInt64 { try load(UInt64.self) }
    public mutating func readInt64() throws(OutOfBounds) -> Int64 { Int64(bitPattern: try load(UInt64.self)) }

    public mutating func readString() throws(OutOfBounds) -> String {
        let length = Int(try readUInt16())
        let slice = try readBytes(length)
        return String(decoding: slice, as: UTF8.self)
    }

    /// The next `count` bytes, without copying.
    public mutating func readBytes(_ count: Int) throws(OutOfBounds) -> UnsafeRawBufferPointer {
        guard count >= 0, offset >= 0, remaining >= count else { throw OutOfBounds() }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        offset += count
        return slice
    }

    public mutating func skip(_ count: Int) throws(OutOfBounds) { _ = try readBytes(count) }
}
