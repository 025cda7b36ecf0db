/// Where an encoder appends bytes: a `[UInt8]`, or a buffer of the caller's that goes to the wire
/// as it is (the server's network buffers), so an answer is written once, not written and copied.
public protocol ByteSink {
    /// Bytes appended so far.
    var count: Int { get }
    /// Makes room for `count` more bytes (a hint).
    mutating func reserve(additional count: Int)
    /// Appends `bytes`.
    mutating func append(bytes: UnsafeRawBufferPointer)
    /// Appends `count` bytes that `fill` writes; `fill` must write every one of them (the memory
    /// may be uninitialised).
    mutating func append(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void)
}

extension ByteSink {
    /// Appends `count` zero bytes.
    mutating func append(zeros count: Int) {
        guard count > 0 else { return }
        append(count: count) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }
}

extension Array: ByteSink where Element == UInt8 {
    public mutating func reserve(additional count: Int) { reserveCapacity(self.count + count) }

    public mutating func append(bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }

    public mutating func append(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBytes { fill(UnsafeMutableRawBufferPointer(rebasing: $0[start..<(start + count)])) }
    }
}
