public import StrataCore

/// What opening a table recovered from its WAL and files.
public struct TableRecovery: Sendable, CustomStringConvertible {
    public var table: String
    public var sealedPartitions = 0
    public var segmentsReplayed = 0
    public var framesReplayed = 0
    public var rowsReplayed = 0
    /// Rows in the WAL that were already in sealed files and so skipped.
    public var rowsAlreadySealed = 0
    public var walBytesReplayed: Int64 = 0
    /// Bytes cut from the WAL at the first torn or corrupt frame (kept under `corrupt/`).
    public var bytesTruncated: Int64 = 0
    /// Why the WAL was cut, if it was.
    public var truncationReason: String?
    /// Files that could not be read; the rest of the table stays readable.
    public var damagedFiles: [StrataError] = []

    public init(table: String) { self.table = table }

    /// True when something stored is unreadable: a sealed file that cannot be read.
    public var isDamaged: Bool { !damagedFiles.isEmpty }

    public var description: String {
        var text =
            "\(table): \(sealedPartitions) sealed partitions, replayed \(rowsReplayed) rows in \(framesReplayed) frames from \(segmentsReplayed) WAL segments"
        if rowsAlreadySealed > 0 { text += " (\(rowsAlreadySealed) already sealed)" }
        if let truncationReason { text += "; cut \(bytesTruncated) bytes at a damaged frame: \(truncationReason)" }
        for damaged in damagedFiles { text += "; DAMAGED: \(damaged)" }
        return text
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
