public import StrataCore

/// A table's manifest: every published file of the table with its row count, size, CRC-32C,
/// time span and symbols — `table=<name>/_manifest.tsv`, text, one file per line, published
/// atomically after each file (readers' globs skip `_`-prefixed names).
///
/// ```text
/// # strata lake manifest v1
/// # path	rows	bytes	crc32c	first_ns	last_ns	symbols
/// date=2024-01-02/part-0.parquet	1200	48213	9a3c11f0	1704153600000000000	1704239999000000000	BTCUSDT,ETHUSDT
/// ```
public struct LakeManifest: Sendable, Equatable {
    /// One published file.
    public struct Entry: Sendable, Equatable {
        /// The path under the table's directory (`date=2024-01-02/part-0.parquet`).
        public var path: String
        public var rows: Int
        public var bytes: Int
        /// The CRC-32C (Castagnoli) of the whole file.
        public var checksum: UInt32
        /// The first and last row times in the file.
        public var first: Timestamp
        public var last: Timestamp
        /// The symbols in the file, sorted.
        public var symbols: [String]

        public init(
            path: String, rows: Int, bytes: Int, checksum: UInt32, first: Timestamp, last: Timestamp,
            symbols: [String]
        ) {
            self.path = path
            self.rows = rows
            self.bytes = bytes
            self.checksum = checksum
            self.first = first
            self.last = last
            self.symbols = symbols
        }

        /// The `date=…` directory the file is in.
        public var date: String? {
            guard path.hasPrefix("date="), let slash = path.firstIndex(of: "/") else { return nil }
            return String(path[path.index(path.startIndex, offsetBy: 5)..<slash])
        }
    }

    public static let fileName = "_manifest.tsv"
    private static let header = "# strata lake manifest v1\n# path\trows\tbytes\tcrc32c\tfirst_ns\tlast_ns\tsymbols\n"

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    /// The manifest's text.
    public var text: String {
        var text = Self.header
        for entry in entries {
            let checksum = String(entry.checksum, radix: 16)
            text +=
                "\(entry.path)\t\(entry.rows)\t\(entry.bytes)\t\(String(repeating: "0", count: 8 - checksum.count))\(checksum)"
                + "\t\(entry.first.nanoseconds)\t\(entry.last.nanoseconds)\t\(entry.symbols.joined(separator: ","))\n"
        }
        return text
    }

    /// Parses a manifest's text.
    /// - Throws: ``LakeError`` `.manifest` naming the line that cannot be read.
    public init(parsing text: String, path: String? = nil) throws(LakeError) {
        var entries: [Entry] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 7, let rows = Int(fields[1]), let bytes = Int(fields[2]),
                let checksum = UInt32(fields[3], radix: 16), let first = Int64(fields[4]), let last = Int64(fields[5]),
                !fields[0].isEmpty, !fields[0].contains(".."), !fields[0].hasPrefix("/")
            else {
                throw LakeError(
                    .manifest, "line \(number + 1) is not a manifest entry: \(line.prefix(200))", path: path)
            }
            entries.append(
                Entry(
                    path: String(fields[0]), rows: rows, bytes: bytes, checksum: checksum,
                    first: Timestamp(nanoseconds: first), last: Timestamp(nanoseconds: last),
                    symbols: fields[6].split(separator: ",").map(String.init)))
        }
        self.entries = entries
    }
}
