/// When an acknowledged write reaches stable storage.
///
/// | policy | survives `kill -9` | survives power loss |
/// |---|---|---|
/// | ``fsyncEachBatch`` | everything acknowledged | everything acknowledged |
/// | ``groupCommit(milliseconds:)`` | everything acknowledged | all but the last *N* ms |
/// | ``osBuffered`` | everything acknowledged | what the OS had written back (up to ~30 s on Linux) |
///
/// Every policy writes the batch to the WAL with `write(2)` before acknowledging, so a crash of the
/// process alone never loses an acknowledged batch; the policies differ in when `fdatasync` runs.
/// ``StrataEngine`` also syncs at every seal, at `flush()` and at `close()`.
public enum Durability: Sendable, Hashable {
    /// `fdatasync` before every acknowledgement.
    case fsyncEachBatch
    /// A background flusher syncs the WAL every `milliseconds` if anything was written.
    case groupCommit(milliseconds: Int)
    /// Never sync on the write path; the OS writes back in its own time.
    case osBuffered
}

extension Durability: LosslessStringConvertible {
    /// The configuration's spelling (`durability`, `STRATA_DURABILITY`, for the server and the
    /// command alike): `fsync`, `group-commit:<milliseconds>` or `os-buffered`.
    public init?(_ text: String) {
        switch text {
        case "fsync": self = .fsyncEachBatch
        case "os-buffered": self = .osBuffered
        default:
            guard text.hasPrefix("group-commit:"), let milliseconds = Int(text.dropFirst("group-commit:".count)),
                milliseconds > 0
            else { return nil }
            self = .groupCommit(milliseconds: milliseconds)
        }
    }

    public var description: String {
        switch self {
        case .fsyncEachBatch: "fsync"
        case .groupCommit(let milliseconds): "group-commit:\(milliseconds)"
        case .osBuffered: "os-buffered"
        }
    }
}
