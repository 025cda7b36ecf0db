import NIOCore
import Testing

@testable import StrataServer

/// The pool of columnar answers' buffers: what is given back is handed out again with its
/// capacity (the memory an answer touched is not mapped afresh for the next), within its bounds.
@Suite struct AnswerBuffersTests {
    @Test func buffersComeBackWithTheirCapacityWithinTheBounds() {
        let pool = AnswerBuffers(keep: 2, maxBytes: 1 << 20)
        let capacity: Int
        do {  // (the giver's copy ends with its scope, as an answer's does)
            var encoding = pool.takeEncoding()
            encoding.append(contentsOf: [UInt8](repeating: 7, count: 300_000))
            capacity = encoding.capacity
            pool.give(encoding: encoding)
        }
        let again = pool.takeEncoding()
        #expect(again.isEmpty && again.capacity == capacity)

        var wire = pool.takeWire()
        wire.writeBytes([UInt8](repeating: 1, count: 500_000))
        let wireCapacity = wire.capacity
        pool.give(wire: wire)
        let reused = pool.takeWire()
        #expect(reused.readableBytes == 0 && reused.capacity == wireCapacity)

        // Over maxBytes: dropped. Beyond keep: dropped.
        pool.give(encoding: [UInt8](repeating: 0, count: 2 << 20))
        #expect(pool.kept.encodings == 0)
        for _ in 0..<5 { pool.give(wire: ByteBufferAllocator().buffer(capacity: 1_000)) }
        #expect(pool.kept.wires == 2)
    }

    /// A wire buffer given back while NIO still holds it (bytes not yet written): the next user
    /// writes into a copy, never into the bytes on their way out.
    @Test func aBufferStillHeldElsewhereIsNotOverwritten() {
        let pool = AnswerBuffers(keep: 2, maxBytes: 1 << 20)
        var wire = pool.takeWire()
        wire.writeString("first answer")
        let inFlight = wire  // what NIO holds
        pool.give(wire: wire)
        var next = pool.takeWire()
        next.writeString("second")
        #expect(inFlight.getString(at: 0, length: inFlight.readableBytes) == "first answer")
        #expect(next.getString(at: 0, length: next.readableBytes) == "second")
    }
}
