import Dispatch
import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends frames to the current WAL segment and makes them durable by the ``Durability`` policy.
///
/// Used under its table's commit lock (one writer at a time; see ``EngineTable``). The
/// group-commit flusher runs on its own dispatch queue and shares only ``SyncState`` (behind a
/// mutex) with the writer; so do readers of ``totalBytes``, ``segmentCount``, ``lastSync`` and
/// ``failure``.
final class WALWriter: @unchecked Sendable {
    // @unchecked: `segments`, `current` and `currentNumber` are touched only by the table, under its commit lock;
    // the flusher reads the current file through `syncState`, which is a Mutex.

    struct Segment {
        var number: UInt64
        var path: String
        /// Partitions that have rows in this segment.
        var touched: Set<Int64>
        /// Highest batch sequence in the segment.
        var maxSequence: UInt64
        var bytes: Int64
    }

    struct SyncState {
        var file: FileDescriptor?
        var dirty = false
        var failure: StrataError?
        var lastSync: Timestamp?
        /// Told the duration of every successful fsync (metrics).
        var observer: SyncObserver?
        /// ``totalBytes`` and the segment count as of the last change, for readers (health,
        /// stats) that do not hold the table's commit lock.
        var totalBytes: Int64 = 0
        var segmentCount = 0
    }

    /// Receives the duration of each successful WAL fsync, in nanoseconds.
    typealias SyncObserver = @Sendable (_ nanoseconds: Int64) -> Void

    let directory: String
    let durability: Durability
    /// Roll over to a new segment past this size.
    let segmentLimit: Int64
    private(set) var segments: [Segment] = []
    private var current: FileDescriptor?
    private let syncState = Mutex(SyncState())
    private var timer: (any DispatchSourceTimer)?

    let fileSystem: any FileSystemOperations

    init(
        directory: String, durability: Durability, segmentLimit: Int64 = 256 << 20,
        fileSystem: any FileSystemOperations = SystemFileSystem()
    ) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.durability = durability
        self.segmentLimit = segmentLimit
    }

    /// Registers the segments found at recovery (already replayed), oldest first.
    func adopt(_ recovered: [Segment]) {
        segments = recovered
        publishSize()
    }

    /// Makes the size figures visible to readers that do not hold the commit lock.
    private func publishSize() {
        let bytes = segments.reduce(0) { $0 + $1.bytes }
        let count = segments.count
        syncState.withLock { state in
            state.totalBytes = bytes
            state.segmentCount = count
        }
    }

    static func path(in directory: String, number: UInt64) -> String {
        let digits = String(number)
        return directory + "/" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".wal"
    }

    /// Starts a fresh segment after the last known one; starts the group-commit flusher.
    func start() throws {
        try openNewSegment()
        if case .groupCommit(let milliseconds) = durability {
            let queue = DispatchQueue(label: "strata.wal.flush")
            let timer = DispatchSource.makeTimerSource(queue: queue)
            let interval = DispatchTimeInterval.milliseconds(max(1, milliseconds))
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(1))
            timer.setEventHandler { [weak self] in self?.syncIfDirty() }
            timer.resume()
            self.timer = timer
        }
    }

    private func openNewSegment() throws {
        if let failure = syncState.withLock({ $0.failure }) { throw failure }
        if let current {
            // A later segment never becomes durable before an earlier one. A failed sync here is
            // a failed sync of acknowledged frames: the WAL fails like on the write path.
            do { try current.sync() } catch let error as StrataError {
                syncState.withLock { $0.failure = error }
                throw error
            }
        }
        let number = (segments.last?.number ?? 0) + 1
        let path = WALWriter.path(in: directory, number: number)
        let file = try fileSystem.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        try file.write(WALFormat.segmentHeader())
        try file.sync()
        try fileSystem.syncDirectory(directory)
        segments.append(
            Segment(number: number, path: path, touched: [], maxSequence: 0, bytes: Int64(WALFormat.segmentHeaderSize)))
        current = file
        syncState.withLock { $0.file = file }
        publishSize()
    }

    /// Appends one encoded frame and returns when it is as durable as the policy promises.
    /// - Throws: ``StrataError`` `.io`; after a failed fsync every later append fails too, since
    ///   what the kernel dropped cannot be known.
    func append(frame: [UInt8], sequence: UInt64, touching partitions: some Sequence<Int64>) throws {
        if let failure = syncState.withLock({ $0.failure }) { throw failure }
        guard let file = current else { throw StrataError(.closed, "the WAL is closed", path: directory) }
        do {
            try file.write(frame)
        } catch {
            // Undo a partial write so that later frames are not stranded behind a torn one.
            do { try file.truncate(to: segments[segments.count - 1].bytes) } catch {
                syncState.withLock { $0.failure = StrataError(.io, "cannot undo a failed WAL write", path: file.path) }
            }
            throw error
        }
        var segment = segments[segments.count - 1]
        segment.touched.formUnion(partitions)
        segment.maxSequence = sequence
        segment.bytes += Int64(frame.count)
        segments[segments.count - 1] = segment
        syncState.withLock { $0.totalBytes += Int64(frame.count) }
        switch durability {
        case .fsyncEachBatch:
            do { try timedSync(file) } catch let error as StrataError {
                syncState.withLock { $0.failure = error }
                throw error
            }
        case .groupCommit:
            syncState.withLock { $0.dirty = true }
        case .osBuffered:
            break
        }
        if segment.bytes >= segmentLimit {
            // The frame is written and as durable as promised: a failure to start the next segment
            // must not fail this append. The next append retries (a failed sync has set `failure`).
            do { try openNewSegment() } catch {}
        }
    }

    /// Syncs now if anything was written since the last sync.
    func syncIfDirty() {
        let file: FileDescriptor? = syncState.withLock { state in
            guard state.dirty, state.failure == nil else { return nil }
            state.dirty = false
            return state.file
        }
        guard let file else { return }
        do {
            try timedSync(file)
        } catch let error as StrataError {
            syncState.withLock { $0.failure = error }
        } catch {}
    }

    /// Syncs the current segment unconditionally.
    /// - Throws: ``StrataError`` `.io`; a failed sync fails the WAL for good (every later append
    ///   and flush throws it), since what the kernel dropped cannot be known.
    func flush() throws {
        if let failure = syncState.withLock({ $0.failure }) { throw failure }
        guard let current else { return }
        syncState.withLock { $0.dirty = false }
        do { try timedSync(current) } catch let error as StrataError {
            syncState.withLock { $0.failure = error }
            throw error
        }
    }

    /// Syncs `file`, then records the time of the sync and tells the observer how long it took.
    private func timedSync(_ file: FileDescriptor) throws {
        let start = ContinuousClock.now
        try file.sync()
        let elapsed = (ContinuousClock.now - start).components
        let observer = syncState.withLock { state in
            state.lastSync = WallClock.now()
            return state.observer
        }
        observer?(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }

    /// Sets (or, with `nil`, removes) the observer of fsync durations.
    func setSyncObserver(_ observer: SyncObserver?) { syncState.withLock { $0.observer = observer } }

    /// Closes the current segment and starts the next, so that the closed one can be deleted once
    /// everything in it is sealed.
    func rollOver() throws {
        guard let last = segments.last, last.bytes > Int64(WALFormat.segmentHeaderSize) else { return }
        try openNewSegment()
    }

    /// Deletes every closed segment for which `isObsolete` is true (all of its partitions sealed).
    func removeSegments(where isObsolete: (Segment) -> Bool) throws {
        var kept: [Segment] = []
        var removedAny = false
        for (i, segment) in segments.enumerated() {
            if i < segments.count - 1 && isObsolete(segment) {
                try fileSystem.remove(segment.path)
                removedAny = true
            } else {
                kept.append(segment)
            }
        }
        segments = kept
        publishSize()
        if removedAny { try fileSystem.syncDirectory(directory) }
    }

    /// Bytes in every segment (any thread).
    var totalBytes: Int64 { syncState.withLock { $0.totalBytes } }
    /// Segments on disk (any thread).
    var segmentCount: Int { syncState.withLock { $0.segmentCount } }
    var lastSync: Timestamp? { syncState.withLock { $0.lastSync } }
    var failure: StrataError? { syncState.withLock { $0.failure } }

    /// Syncs and closes. Safe to call twice.
    /// - Throws: the WAL's failure, if a sync ever failed (the group-commit flusher's too, which
    ///   no append may have reported yet): acknowledged writes may not be durable.
    func close() throws {
        timer?.cancel()
        timer = nil
        defer {
            current = nil
            syncState.withLock { $0.file = nil }
        }
        guard current != nil else { return }
        if let failure { throw failure }
        try flush()
    }
}
