import Dispatch
import StrataCore
import Synchronization

/// Scans, checksums and decodes the frames of one mapped WAL segment on a background thread,
/// handing them to the replaying thread through a small bounded queue, so that recovery uses
/// both cores: one verifies and decodes while the other applies.
final class FramePipeline: Sendable {
    enum Item: Sendable {
        case frame(WALFormat.DecodedFrame, offset: Int, next: Int)
        /// The frame at `offset` is torn, corrupt or malformed; decoding resumes at `resume`, the
        /// next wholly valid frame, or ends when there is none.
        case damaged(reason: String, offset: Int, resume: Int?)
        case end
    }

    private let items = Mutex<[Item]>([])
    private let filled = DispatchSemaphore(value: 0)
    private let free: DispatchSemaphore
    private let stop = Mutex(false)

    /// Starts decoding `segment` from `offset`; at most `depth` frames wait decoded at a time.
    /// `sequence` is the last sequence replayed before this segment (see
    /// ``WALFormat/resynchronize(_:from:schema:after:)``).
    init(segment: MappedFile, from offset: Int, schema: TableSchema, after sequence: UInt64, depth: Int = 4) {
        free = DispatchSemaphore(value: depth)
        DispatchQueue.global().async { [self] in
            let bytes = segment.bytes
            var offset = offset
            var sequence = sequence
            while !stop.withLock({ $0 }) {
                var item: Item
                var reason: String?
                switch WALFormat.scan(bytes, at: offset) {
                case .end:
                    item = .end
                case .damaged(let why):
                    item = .end
                    reason = why
                case .frame(let payload, let next):
                    do throws(WALFormat.MalformedPayload) {
                        let frame = try WALFormat.decode(payload, schema: schema)
                        item = .frame(frame, offset: offset, next: next)
                        sequence = max(sequence, frame.sequence)
                    } catch {
                        item = .end
                        reason = error.reason
                    }
                }
                if let reason {
                    let resume = WALFormat.resynchronize(bytes, from: offset + 1, schema: schema, after: sequence)
                    item = .damaged(reason: reason, offset: offset, resume: resume)
                }
                free.wait()
                items.withLock { $0.append(item) }
                filled.signal()
                switch item {
                case .frame(_, _, let next): offset = next
                case .damaged(_, _, let resume?): offset = resume
                default: return
                }
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
