import StrataCore
import StrataEngine

/// One move of a hot partition to the lake, as the journal records it.
struct ColdMove: Sendable, Equatable {
    /// The steps of a move, in order; each is a line of the journal, fsynced before the next step.
    enum State: String, Sendable {
        /// The copy is being written: its files may or may not exist, complete or not. Hot answers.
        case copying
        /// The copy was read back and equals the hot partition (rows and digest). Hot answers.
        case verified
        /// The hot partition's drop is under way (it may or may not have happened). Resolved by
        /// the hot table's drop record before any read (see ``LakeColdTable``).
        case dropping
        /// The hot partition is dropped: the lake answers for these rows.
        case moved
        /// Given up (the partition changed, the copy differed, or a crash cut the copy short): its
        /// files are removed; the partition, still hot, is moved again later.
        case abandoned
    }

    var id: Int
    var state: State
    var index: Int64
    var start: Int64
    var end: Int64
    /// The hot partition's version when copied.
    var version: String
    /// The hot table's sequence when listed (a drop after it records at least this).
    var tableSequence: UInt64
    /// The copy's files, relative to the table's directory.
    var files: [String]
    var rows: Int
    /// The digest of the rows' values (``RowDigest/value``).
    var digest: String
    /// Per symbol: rows, first and last time.
    var symbols: [SymbolSpan]
}

/// A table's move journal, `table=<name>/_cold_journal.tsv` in the lake: one line per step of a
/// move, appended and fsynced, each line with its CRC-32C so a line torn by a crash is known and
/// dropped when the journal is opened (the step it began is then not taken).
///
/// ```text
/// # strata cold journal v1
/// 5be0c2a1	1	copying	19724	1704153600000000000	1704240000000000000	3.812	812	date=2024-01-02/part-0.parquet	0
/// ```
final class ColdJournal {
    static let fileName = "_cold_journal.tsv"
    private static let header = "# strata cold journal v1\n"

    let path: String
    /// Every move, its last step.
    private(set) var moves: [Int: ColdMove] = [:]

    /// Reads the journal at `path` (none yet: empty); a torn or damaged last line is cut off.
    /// - Throws: ``LakeError`` `.corrupt` for a damaged line before the last, `.io`.
    init(path: String) throws(LakeError) {
        self.path = path
        guard let bytes = try LakeFileSystem.read(path) else { return }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let complete = bytes.last == UInt8(ascii: "\n")
        if lines.last?.isEmpty == true { lines.removeLast() }
        var kept: [Substring] = []
        var torn = !complete
        for (number, line) in lines.enumerated() where !line.hasPrefix("#") {
            let last = number == lines.count - 1
            guard let move = Self.parse(line) else {
                if last {
                    torn = true
                    continue
                }
                throw LakeError(.corrupt, "journal line \(number + 1) is damaged", path: path)
            }
            if last && !complete { continue }
            moves[move.id] = move
            kept.append(line)
        }
        if torn {
            // The step a torn line began was not taken: rewrite the journal without it.
            let text = Self.header + kept.map { $0 + "\n" }.joined()
            try LakeFileSystem.writeAtomically(Array(text.utf8), to: path)
        }
    }

    /// The next move's id.
    var nextID: Int { (moves.keys.max() ?? 0) + 1 }

    /// Records `move`'s step durably (appended, fsynced) before returning.
    func record(_ move: ColdMove) throws(LakeError) {
        var text = LakeFileSystem.exists(path) ? "" : Self.header
        text += Self.line(move) + "\n"
        try LakeFileSystem.append(Array(text.utf8), to: path)
        moves[move.id] = move
    }

    static func line(_ move: ColdMove) -> String {
        let symbols = move.symbols.map { "\(escape($0.symbol)):\($0.rows):\($0.first):\($0.last)" }
            .joined(separator: ",")
        let body = [
            String(move.id), move.state.rawValue, String(move.index), String(move.start), String(move.end),
            escape(move.version), String(move.tableSequence), move.files.map(escape).joined(separator: ","),
            String(move.rows), move.digest, symbols,
        ].joined(separator: "\t")
        let crc = Array(body.utf8).withUnsafeBytes { CRC32C.checksum($0) }
        let hex = String(crc, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex + "\t" + body
    }

    static func parse(_ line: Substring) -> ColdMove? {
        guard let tab = line.firstIndex(of: "\t"), let crc = UInt32(line[..<tab], radix: 16) else { return nil }
        let body = line[line.index(after: tab)...]
        guard Array(body.utf8).withUnsafeBytes({ CRC32C.checksum($0) }) == crc else { return nil }
        let fields = body.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 11, let id = Int(fields[0]), let state = ColdMove.State(rawValue: String(fields[1])),
            let index = Int64(fields[2]), let start = Int64(fields[3]), let end = Int64(fields[4]),
            let sequence = UInt64(fields[6]), let rows = Int(fields[8])
        else { return nil }
        var symbols: [SymbolSpan] = []
        for item in fields[10].split(separator: ",") {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4, let count = Int(parts[1]), let first = Int64(parts[2]), let last = Int64(parts[3])
            else { return nil }
            symbols.append(SymbolSpan(symbol: unescape(parts[0]), rows: count, first: first, last: last))
        }
        return ColdMove(
            id: id, state: state, index: index, start: start, end: end, version: unescape(fields[5]),
            tableSequence: sequence, files: fields[7].split(separator: ",").map(unescape), rows: rows,
            digest: String(fields[9]), symbols: symbols)
    }

    /// `%`, tab, new line, `,` and `:` as `%XX` (symbols and paths may hold them).
    static func escape(_ text: String) -> String {
        var result: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: ","), UInt8(ascii: ":"),
                UInt8(ascii: "\r"):
                let hex = String(byte, radix: 16, uppercase: true)
                result += Array(("%" + (hex.count < 2 ? "0" : "") + hex).utf8)
            default: result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
