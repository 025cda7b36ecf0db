import NIOCore
import Synchronization

/// Buffers of columnar answers, kept from one request to the next.
///
/// A page of a range answer is megabytes twice over: the encoded page (Arrow or CSV) and the
/// copy of it that NIO writes. Allocated afresh per request, glibc maps such sizes from the
/// kernel and unmaps them when they are freed, so every answer paid for page faults on memory it
/// had just been given (`perf`: `clear_page_erms` under `exc_page_fault`), the first requests after
/// a start most of all. The pool keeps up to `keep` buffers of each kind, each at most `maxBytes`,
/// and hands them out again: their memory is touched once per server, not once per answer.
///
/// A wire buffer is given back while NIO may still hold it (bytes not yet on the socket): the
/// next writer into it then copies it first (`ByteBuffer` is copy-on-write), so reuse can cost
/// an allocation, never a corrupted answer.
final class AnswerBuffers: Sendable {
    static let shared = AnswerBuffers(keep: 4, maxBytes: 16 << 20)

    private let encodings = Mutex<[[UInt8]]>([])
    private let wires = Mutex<[ByteBuffer]>([])
    let keep: Int
    let maxBytes: Int

    init(keep: Int, maxBytes: Int) {
        self.keep = keep
        self.maxBytes = maxBytes
    }

    /// An empty byte array to encode into (with the capacity of one given back, if any).
    func takeEncoding() -> [UInt8] {
        // Emptied here, not when given back: by now the giver's copy is gone, so the storage is
        // this one's alone and is kept (emptying a shared array would allocate a new one).
        var encoding = encodings.withLock { $0.popLast() } ?? []
        encoding.removeAll(keepingCapacity: true)
        return encoding
    }

    func give(encoding: [UInt8]) {
        guard encoding.capacity <= maxBytes else { return }
        encodings.withLock { if $0.count < keep { $0.append(encoding) } }
    }

    /// An empty buffer to hand to NIO (with the capacity of one given back, if any).
    func takeWire() -> ByteBuffer {
        var buffer = wires.withLock { $0.popLast() } ?? ByteBufferAllocator().buffer(capacity: 0)
        buffer.clear()
        return buffer
    }

    func give(wire: ByteBuffer) {
        guard wire.capacity <= maxBytes else { return }
        wires.withLock { if $0.count < keep { $0.append(wire) } }
    }

    /// How many buffers are kept now (encodings, wire buffers): for tests.
    var kept: (encodings: Int, wires: Int) {
        (encodings.withLock { $0.count }, wires.withLock { $0.count })
    }
}
