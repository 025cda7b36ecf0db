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
