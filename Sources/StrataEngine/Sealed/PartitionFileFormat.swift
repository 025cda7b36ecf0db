import StrataCore
/// The byte layout of a sealed partition file (`p<partition>.g<generation>.col`).
///
/// ```
/// header   "STRATCOL" · u32 format version (3; 1 and 2 are still read) ·
///          u32 reserved                                                               16 bytes
/// blocks   for each symbol (sorted by name), for each block of ≤1024 rows, for each column:
///          one BlockCodec chunk (a TextBlockCodec chunk for a text column, version 3)
/// footer   u16 column count · per column (u8 type, | 0x80 if optional; u8 scale; u16-length name)
///          i64 partition · i64 partition duration · u64 included-through sequence
///          u64 duplicates skipped · u64 rows · u32 symbol count
///          per symbol: name · u32 rows · i64 min ts · i64 max ts · u32 block count
///            per block: u32 rows · i64 first ts · i64 last ts ·
///                       per column: u64 offset · u32 length · u32 CRC-32C
///                       version 2, per statistics column (int64, int8 and decimal columns,
///                       in schema order): u64 Σ low half · i64 Σ high half (Σ of the block's
///                       values as Int128) · i64 min · i64 max
/// trailer  u64 footer offset · u32 footer length · u32 footer CRC-32C · "STRATEND"   24 bytes
/// ```
///
/// A reader verifies the trailer and the footer checksum when it opens the file, and each
/// chunk's checksum every time it decodes it, so a flipped byte anywhere is an error naming the
/// file and what was damaged, never wrong data. The statistics are part of the footer, so its
/// checksum covers them; a reader also checks that min ≤ max and rows × min ≤ Σ ≤ rows × max.
/// A version-1 file has no statistics: its blocks are decoded to answer sums, min and max.
enum PartitionFileFormat {
    static let headerMagic: [UInt8] = Array("STRATCOL".utf8)
    static let trailerMagic: [UInt8] = Array("STRATEND".utf8)
    /// The version this build writes.
    static let formatVersion: UInt32 = 3
    /// The first version with text columns and optional columns (no statistics for those).
    static let textVersion: UInt32 = 3
    /// The versions this build reads.
    static let readableVersions: ClosedRange<UInt32> = 1...3
    /// The first version with per-block statistics.
    static let statisticsVersion: UInt32 = 2
    /// Bytes of one column's statistics in one block (Σ as two halves, min, max).
    static let statisticsSize = 32

    /// Whether a column of `type` has per-block statistics (version ≥ 2): integer and decimal
    /// columns. Timestamps are already bounded by the block's first/last time, a bool's sum is
    /// rarely asked, and float64 is left to decoding (NaN and signed zeros).
    static func hasStatistics(_ type: ColumnType, optional: Bool) -> Bool {
        switch type {
        case .int64, .int8, .decimal: !optional  // an optional column's absent values would be summed
        case .timestamp, .float64, .bool, .text: false
        }
    }
    /// Set in a column's type code in the footer: the column is optional (no statistics).
    static let optionalFlag: UInt8 = 0x80
    static let headerSize = 16
    static let trailerSize = 24

    static func fileName(partition: Int64, generation: Int) -> String { "p\(partition).g\(generation).col" }

    /// Parses `p<partition>.g<generation>.col`.
    static func parseFileName(_ name: String) -> (partition: Int64, generation: Int)? {
        guard name.hasPrefix("p"), name.hasSuffix(".col") else { return nil }
        let parts = name.dropFirst().dropLast(4).split(separator: ".")
        guard parts.count == 2, parts[1].hasPrefix("g"), let partition = Int64(parts[0]),
            let generation = Int(parts[1].dropFirst())
        else { return nil }
        return (partition, generation)
    }

    /// `p<partition>.g<generation>.derived`: the bars of that file generation are stored.
    static func markerName(partition: Int64, generation: Int) -> String { "p\(partition).g\(generation).derived" }

    static func parseMarker(_ name: String) -> (partition: Int64, generation: Int)? {
        guard name.hasSuffix(".derived") else { return nil }
        return parseFileName(String(name.dropLast(".derived".count)) + ".col")
    }
}
