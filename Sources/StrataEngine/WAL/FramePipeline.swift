import Dispatch
import Synchronization

/// Scans, checksums and decodes the frames of one mapped WAL segment on a background thread,
/// handing them to the replaying thread through a small bounded queue, so that recovery uses
/// both cores: one verifies and decodes while the other applies.
final class FramePipeline: Sendable {
    enum Item: Sendable {
        case frame(WALFormat.DecodedFrame, offset: Int, next: Int)
        /// The frame at `offset` is torn, corrupt or malformed; nothing after it is read.
        case damaged(reason: String, offset: Int)
        case end
    }

    private let items = Mutex<[Item]>([])
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let stop = Mutex(false)

    /// Starts decoding `segment` from `offset`; at most `depth` frames wait decoded at a time.
    init(segment: MappedFile, from offset: Int, schema: TableSchema, depth: Int = 4) {
        free = DispatchSemaphore(value: depth)
        DispatchQueue.global().async { [self] in
            let bytes = segment.bytes
            var offset = offset
            while !stop.withLock({ $0 }) {
                let item: Item
                switch WALFormat.scan(bytes, at: offset) {
                case .end:
                    item = .end
                case .damaged(let reason):
                    item = .damaged(reason: reason, offset: offset)
                case .frame(let payload, let next):
                    do {
                        item = .frame(try WALFormat.decode(payload, schema: schema), offset: offset, next: next)
                    } catch let error as WALFormat.MalformedPayload {
                        item = .damaged(reason: error.reason, offset: offset)
                    } catch {
                        item = .damaged(reason: "\(error)", offset: offset)
                    }
                    offset = next
                }
                free.wait()
                items.withLock { $0.append(item) }
                filled.signal()
                if case .frame = item { continue }
                return
            }
        }
    }

    /// The next item, in segment order (blocks until it is decoded).
    func next() -> Item {
        filled.wait()
        let item = items.withLock { $0.removeFirst() }
        free.signal()
        return item
    }

    /// Tells the decoder to stop early (after an error in the consumer); it drains by itself.
    func cancel() {
        stop.withLock { $0 = true }
        free.signal()  // a decoder waiting for room goes on, sees the flag and returns
    }
}
