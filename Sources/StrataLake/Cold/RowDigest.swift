import Strata
import StrataCore
import StrataEngine

/// A digest of rows' exact values as a read answers them, independent of how the rows are cut
/// into batches: rows per symbol, and a CRC-32C per answer member (the designated timestamp, each
/// column, each book side) over the member's values in row order. The janitor computes it over
/// the hot partition's rows and over the copy read back from its Parquet files; a move goes on
/// only if the two are equal.
///
/// Values, as a read answers them: integers, decimal mantissas, booleans, int8 and float64 bit
/// patterns as their 8-byte lanes; text as its length and bytes (an absent value as a marker); a
/// book side as each row's depth and its levels' prices and sizes (lanes past the depth, which
/// no answer shows, are not part of it).
struct RowDigest: Equatable, Sendable {
    private(set) var rows = 0
    private(set) var symbols: [String: Int] = [:]
    private var checksums: [UInt32]
    private let members: [AnswerMember]
    private let timestampLane: Int

    static func == (a: RowDigest, b: RowDigest) -> Bool {
        a.rows == b.rows && a.symbols == b.symbols && a.checksums == b.checksums
    }

    init(schema: RecordSchema) {
        members = schema.answerMembers
        timestampLane = schema.timestampLane
        checksums = Array(repeating: 0, count: members.count + 1)
    }

    /// The digest as text (for the journal): rows, then the CRC-32C of the members' checksums.
    var value: String {
        let folded = checksums.withUnsafeBytes { CRC32C.checksum($0) }
        return "\(rows)-" + String(folded, radix: 16)
    }

    /// Adds `rows` of `symbol` (the table's lanes, in time order) after the rows added before.
    mutating func add(_ rows: RowSet, symbol: String) {
        let count = rows.count
        guard count > 0 else { return }
        self.rows += count
        symbols[symbol, default: 0] += count
        func feed(_ slot: Int, _ values: [Int64]) {
            checksums[slot] = values.withUnsafeBytes { CRC32C.checksum($0, continuing: checksums[slot]) }
        }
        func lane(_ index: Int) -> [Int64] {
            index < rows.columns.count ? rows.columns[index] : Array(repeating: 0, count: count)
        }
        feed(0, lane(timestampLane))
        for (slot, member) in members.enumerated() {
            switch member {
            case .column(let index, let column, let absent):
                guard case .text = column.kind else {
                    feed(slot + 1, lane(index))
                    continue
                }
                var bytes: [UInt8] = []
                for reference in lane(index) {
                    if absent != nil, reference == absent {
                        bytes += [0xFF, 0xFF, 0xFF, 0xFF]
                    } else if reference < 0 {
                        bytes += [0, 0, 0, 0]
                    } else {
                        rows.texts.withBytes(reference) { value in
                            withUnsafeBytes(of: UInt32(value.count).littleEndian) { bytes += $0 }
                            bytes += value
                        }
                    }
                }
                checksums[slot + 1] = bytes.withUnsafeBytes { CRC32C.checksum($0, continuing: checksums[slot + 1]) }
            case .book(_, let countLane, let levels, _, _):
                var values: [Int64] = []
                let depths = lane(countLane)
                for row in 0..<count {
                    let depth = min(max(0, Int(depths[row])), levels.count)
                    values.append(Int64(depth))
                    for level in 0..<depth {
                        values.append(lane(levels[level].price)[row])
                        values.append(lane(levels[level].size)[row])
                    }
                }
                feed(slot + 1, values)
            }
        }
    }
}
