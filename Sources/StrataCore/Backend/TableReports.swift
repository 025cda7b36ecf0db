/// What opening a table recovered from its WAL and files.
///
/// Read ``isDamaged`` first: it is true when anything stored may be lost or unreadable — a
/// sealed file that cannot be read (``damagedFiles``) or WAL frames cut from the middle of the
/// log (``walDamage``). A torn tail (``tornTail``) is not damage: it is the incomplete last write
/// a crash leaves, which was never acknowledged under ``Durability/fsyncEachBatch``.
public struct TableRecovery: Sendable, CustomStringConvertible {
    public var table: String
    public var sealedPartitions = 0
    public var segmentsReplayed = 0
    public var framesReplayed = 0
    public var rowsReplayed = 0
    /// Rows in the WAL that were already in sealed files and so skipped.
    public var rowsAlreadySealed = 0
    public var walBytesReplayed: Int64 = 0
    /// Files that could not be read; the rest of the table stays readable.
    public var damagedFiles: [StrataError] = []
    /// Every stretch of the WAL that could not be replayed and was cut (its bytes kept under
    /// `corrupt/`), in log order.
    public var walCuts: [WALCut] = []
    /// Every file under `corrupt/` — cut by this open or by earlier ones (including an open that
    /// cut and then failed) — kept for inspection until an operator removes it. Informational:
    /// not counted in ``isDamaged``, which is about this open.
    public var quarantinedFiles: [String] = []

    public init(table: String) { self.table = table }

    /// True when something stored may be lost or unreadable: a damaged sealed file, or WAL
    /// damage anywhere but a torn tail.
    public var isDamaged: Bool { !damagedFiles.isEmpty || !walDamage.isEmpty }

    /// The torn end of the log cut after a crash, if any (not counted as damage).
    public var tornTail: WALCut? { walCuts.last { $0.kind == .tornTail } }

    /// Cuts of damaged WAL data other than a torn tail: acknowledged batches lost.
    public var walDamage: [WALCut] { walCuts.filter { $0.kind == .damage } }

    /// Frames lost to WAL damage (torn tail excluded).
    public var framesLost: Int { walDamage.reduce(0) { $0 + $1.frames } }

    /// Rows lost to WAL damage (torn tail excluded), counted from the lost frames whose structure
    /// still parses: a lower bound when ``framesLostWithUnknownRows`` is not zero.
    public var rowsLost: Int { walDamage.reduce(0) { $0 + $1.rows } }

    /// Lost frames too damaged to tell how many rows they held.
    public var framesLostWithUnknownRows: Int { walDamage.reduce(0) { $0 + $1.framesWithUnknownRows } }

    /// Bytes cut from the WAL, torn tail and damage together (kept under `corrupt/`).
    public var bytesTruncated: Int64 { walCuts.reduce(0) { $0 + $1.bytes } }

    /// Why the WAL was cut, if it was (the first cut).
    public var truncationReason: String? { walCuts.first?.reason }

    public var description: String {
        var text =
            "\(table): \(sealedPartitions) sealed partitions, replayed \(rowsReplayed) rows in \(framesReplayed) frames from \(segmentsReplayed) WAL segments"
        if rowsAlreadySealed > 0 { text += " (\(rowsAlreadySealed) already sealed)" }
        for cut in walCuts { text += "; \(cut)" }
        for damaged in damagedFiles { text += "; DAMAGED: \(damaged)" }
        return text
    }
}

/// A stretch of a WAL segment that recovery could not replay and cut (saved to `corrupt/`).
public struct WALCut: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The end of the newest segment, with no valid frame after it: an incomplete write cut
        /// short by a crash (also a damaged last frame, which cannot be told apart from one).
        case tornTail = "torn tail"
        /// Anything else: a damaged frame or segment header with the log going on after it.
        /// The frames in it were acknowledged and are lost.
        case damage
    }

    public var kind: Kind
    /// The segment's file name (`0000000000000001.wal`).
    public var segment: String
    /// Where the stretch starts in the segment as it was found.
    public var offset: Int64
    public var bytes: Int64
    /// Frame starts found in the stretch (0 for a segment header alone).
    public var frames: Int
    /// Rows of the frames in the stretch whose payload still decodes structurally (every length
    /// in it agrees with its row count, so the count is not what was damaged): a lower bound
    /// when ``framesWithUnknownRows`` is not zero. The checksum failed, so the rows themselves
    /// were not replayed.
    public var rows: Int
    /// Frames in the stretch too damaged to tell how many rows they held.
    public var framesWithUnknownRows: Int
    public var reason: String
    /// Where the cut bytes were saved.
    public var savedAs: String?

    public init(
        kind: Kind, segment: String, offset: Int64, bytes: Int64, frames: Int, rows: Int, framesWithUnknownRows: Int,
        reason: String, savedAs: String? = nil
    ) {
        self.kind = kind
        self.segment = segment
        self.offset = offset
        self.bytes = bytes
        self.frames = frames
        self.rows = rows
        self.framesWithUnknownRows = framesWithUnknownRows
        self.reason = reason
        self.savedAs = savedAs
    }

    public var description: String {
        let unknown = framesWithUnknownRows > 0 ? " (\(framesWithUnknownRows) of unknown size)" : ""
        let label = kind == .damage ? "DAMAGE: lost" : "cut torn tail:"
        return "\(label) \(bytes) bytes, \(frames) frames, \(rows) rows\(unknown) from \(reason)"
    }
}

/// What one maintenance pass (seal and compact) did to a table.
public struct TableMaintenance: Sendable, CustomStringConvertible {
    public var table: String
    /// Partitions sealed (their start timestamps).
    public var sealed: [Timestamp] = []
    /// Partitions whose late rows were merged into a new generation.
    public var compacted: [Timestamp] = []
    public var rowsSealed = 0
    public var lateRowsMerged = 0
    public var walSegmentsRemoved = 0
    public var errors: [StrataError] = []

    public init(table: String) { self.table = table }

    public var description: String {
        var text =
            "\(table): sealed \(sealed.count) partitions (\(rowsSealed) rows), merged \(lateRowsMerged) late rows into \(compacted.count), removed \(walSegmentsRemoved) WAL segments"
        for error in errors { text += "; ERROR: \(error)" }
        return text
    }
}

/// Per-symbol result of a one-column scan.
public struct ColumnSummary: Sendable, Hashable {
    public var symbol: String
    public var rows: Int
    /// Sum of the column's lanes (a decimal's mantissas), exact.
    public var sum: Int128

    public init(symbol: String, rows: Int, sum: Int128) {
        self.symbol = symbol
        self.rows = rows
        self.sum = sum
    }
}

/// The state of a table's write path, for health checks.
public struct TableHealth: Sendable, CustomStringConvertible {
    public var table: String
    public var walBytes: Int64
    public var walSegments: Int
    /// When the WAL was last synced to stable storage.
    public var lastSync: Timestamp?
    /// When the last append was acknowledged (since open).
    public var lastCommit: Timestamp?
    /// A failed fsync: the table refuses writes from then on.
    public var walFailure: StrataError?
    public var lastMaintenanceError: StrataError?
    public var openPartitions: Int
    public var damagedPartitions: Int
    /// The table was closed: it takes no more reads or writes.
    public var isClosed: Bool

    public init(
        table: String, walBytes: Int64 = 0, walSegments: Int = 0, lastSync: Timestamp? = nil,
        lastCommit: Timestamp? = nil, walFailure: StrataError? = nil, lastMaintenanceError: StrataError? = nil,
        openPartitions: Int = 0, damagedPartitions: Int = 0, isClosed: Bool = false
    ) {
        self.table = table
        self.walBytes = walBytes
        self.walSegments = walSegments
        self.lastSync = lastSync
        self.lastCommit = lastCommit
        self.walFailure = walFailure
        self.lastMaintenanceError = lastMaintenanceError
        self.openPartitions = openPartitions
        self.damagedPartitions = damagedPartitions
        self.isClosed = isClosed
    }

    public var isHealthy: Bool { !isClosed && walFailure == nil && damagedPartitions == 0 }

    public var description: String {
        var text =
            "\(table): \(isClosed ? "CLOSED" : isHealthy ? "ok" : "DEGRADED"), WAL \(walBytes) bytes in \(walSegments) segments"
        if let lastSync { text += ", last sync \(lastSync)" }
        if let lastCommit { text += ", last commit \(lastCommit)" }
        if let walFailure { text += ", WAL failed: \(walFailure)" }
        if damagedPartitions > 0 { text += ", \(damagedPartitions) damaged partitions" }
        if let lastMaintenanceError { text += ", last maintenance error: \(lastMaintenanceError)" }
        return text
    }
}

/// What reading every stored block of a table found (``BackendTable/verify()``).
public struct TableVerification: Sendable, CustomStringConvertible {
    public var table: String
    public var sealedPartitions = 0
    /// Blocks whose every column chunk was read, checksummed and decoded.
    public var blocksChecked = 0
    public var rowsChecked = 0
    /// Partitions whose file could not be opened (fenced off at open).
    public var unreadablePartitions: [StrataError] = []
    /// Blocks of readable partitions that fail their checksum, decoding, row count or statistics.
    public var damagedBlocks: [StrataError] = []
    /// Everything that could not be read.
    public var problems: [StrataError] { unreadablePartitions + damagedBlocks }

    public init(table: String) { self.table = table }

    public var isIntact: Bool { problems.isEmpty }

    public var description: String {
        var text =
            "\(table): \(sealedPartitions) sealed partitions, \(blocksChecked) blocks and \(rowsChecked) rows checked, "
            + (problems.isEmpty ? "intact" : "\(problems.count) PROBLEMS")
        for problem in problems { text += "\n  DAMAGED: \(problem)" }
        return text
    }
}

/// One symbol of a table: how many rows it has and the span of their times.
public struct SymbolSpan: Sendable, Hashable {
    public var symbol: String
    public var rows: Int
    /// The oldest row's time (ns).
    public var first: Int64
    /// The newest row's time (ns).
    public var last: Int64

    public init(symbol: String, rows: Int, first: Int64, last: Int64) {
        self.symbol = symbol
        self.rows = rows
        self.first = first
        self.last = last
    }
}

/// What a retention run or purge removed from one table.
public struct DroppedPartitions: Sendable, Hashable {
    /// Start timestamps of the dropped partitions.
    public var partitions: [Timestamp] = []
    public var rows = 0
    public var bytes: Int64 = 0

    public init() {}
}

/// Where a table's bytes are: per column, its sealed files' encoded bytes against the same values
/// raw; and what the table holds in memory (rows not sealed yet: open partitions, late rows).
///
/// "Raw" is the engine's own width of a value, 8 bytes (a timestamp, an integer, a decimal's
/// mantissa, a text column's reference), so the ratio says what the block codecs save on the
/// lanes; a text column's characters are counted in ``textBytes`` on the encoded side only.
public struct TableStorage: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public var name: String
        /// The column's chunks in the sealed files.
        public var encodedBytes: Int64
        /// The same values as 8-byte lanes: sealed rows × 8.
        public var rawBytes: Int64

        public init(name: String, encodedBytes: Int64, rawBytes: Int64) {
            self.name = name
            self.encodedBytes = encodedBytes
            self.rawBytes = rawBytes
        }

        /// `rawBytes / encodedBytes` (nil with nothing sealed).
        public var compressionRatio: Double? { encodedBytes > 0 ? Double(rawBytes) / Double(encodedBytes) : nil }
    }

    public var table: String
    /// Rows in sealed files.
    public var sealedRows: Int
    /// Rows in memory (open partitions, late rows waiting for compaction).
    public var memoryRows: Int
    /// Their lanes and text, in bytes (what the rows occupy, not the allocator's slack).
    public var memoryBytes: Int64
    /// The stored columns, in schema order (the symbol is the files' index, not a column).
    public var columns: [Column]

    public init(table: String, sealedRows: Int = 0, memoryRows: Int = 0, memoryBytes: Int64 = 0, columns: [Column] = [])
    {
        self.table = table
        self.sealedRows = sealedRows
        self.memoryRows = memoryRows
        self.memoryBytes = memoryBytes
        self.columns = columns
    }

    public var encodedBytes: Int64 { columns.reduce(0) { $0 + $1.encodedBytes } }
    public var rawBytes: Int64 { columns.reduce(0) { $0 + $1.rawBytes } }
    /// Raw over encoded for the whole table (nil with nothing sealed).
    public var compressionRatio: Double? { encodedBytes > 0 ? Double(rawBytes) / Double(encodedBytes) : nil }

    /// A ratio as text with two decimals, `3.4159` → `3.42`, as the API and the CLI print it.
    public static func ratioText(_ ratio: Double) -> String {
        let hundredths = Int((ratio * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
