import StrataCore

/// One time partition of a table and where its rows are.
///
/// Rows of a partition live in up to three sources, read in this order and merged by time:
/// 1. ``base``: the open in-memory partition, or the sealed file once sealing finished;
/// 2. ``frozen``: late rows being merged into a new generation of the file by compaction;
/// 3. ``overlay``: rows that arrived after sealing or compaction began.
///
/// Phases: `open` (rows go to the in-memory base) → `sealing` (base frozen, rows go to the
/// overlay) → `sealed` → `compacting` (overlay frozen into `frozen`, new rows to a fresh
/// overlay) → `sealed`. A partition whose file cannot be read is `damaged`: its file is left
/// untouched and new rows for it go to the overlay, kept by the WAL.
struct PartitionState: Sendable {
    enum Base: Sendable {
        case memory(MemoryPartition)
        case sealed(SealedPartition)
        case damaged(path: String, error: String)
    }

    enum Phase: Sendable, Equatable { case open, sealing, sealed, compacting, damaged }

    let index: Int64
    var base: Base
    var frozen: MemoryPartition?
    var overlay: MemoryPartition
    var phase: Phase
    /// Duplicates counted while rows were in memory; written into the file at the next seal/compaction.
    var pendingDuplicates = 0
    /// Keys of sealed symbols, loaded on the first late row that needs a dedup check.
    var sealedKeys: [UInt32: Set<Int64>] = [:]

    init(index: Int64, columnCount: Int) {
        self.index = index
        base = .memory(MemoryPartition(columnCount: columnCount))
        overlay = MemoryPartition(columnCount: columnCount)
        phase = .open
    }

    init(index: Int64, sealed: SealedPartition, columnCount: Int) {
        self.index = index
        base = .sealed(sealed)
        overlay = MemoryPartition(columnCount: columnCount)
        phase = .sealed
    }

    init(index: Int64, damagedPath: String, error: String, columnCount: Int) {
        self.index = index
        base = .damaged(path: damagedPath, error: error)
        overlay = MemoryPartition(columnCount: columnCount)
        phase = .damaged
    }

    var sealedFile: SealedPartition? {
        if case .sealed(let file) = base { return file }
        return nil
    }

    /// The partition's rows in memory, in source order: the base while it is not sealed, the
    /// frozen copy being sealed, then the overlay of late rows. Readers merge them (and the file).
    var memorySources: [MemoryPartition] {
        var sources: [MemoryPartition] = []
        if case .memory(let memory) = base { sources.append(memory) }
        if let frozen { sources.append(frozen) }
        sources.append(overlay)
        return sources
    }

    /// The error a read of this partition gets when its file could not be read.
    var unreadable: StrataError? {
        guard case .damaged(let path, let error) = base else { return nil }
        return StrataError(.corruptFile, "partition unreadable: \(error)", path: path)
    }

    /// True when everything the WAL says about the partition is in its sealed file: no rows and
    /// no duplicate counts pending in memory.
    var isClean: Bool { phase == .sealed && frozen == nil && overlay.isEmpty && pendingDuplicates == 0 }

    /// Late rows or duplicate counts wait in memory for compaction into a new generation.
    var hasPendingLateData: Bool { phase == .sealed && (!overlay.isEmpty || pendingDuplicates > 0) }

    var memoryRows: Int {
        var rows = overlay.rowCount + (frozen?.rowCount ?? 0)
        if case .memory(let memory) = base { rows += memory.rowCount }
        return rows
    }

    var rowCount: Int { memoryRows + (sealedFile?.rowCount ?? 0) }
}
