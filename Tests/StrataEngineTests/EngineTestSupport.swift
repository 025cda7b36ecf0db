import Foundation
import StrataCore

@testable import StrataEngine

/// Randomized engine tests draw from StrataCore's seeded ``SplitMix64``.
typealias SeededRandom = SplitMix64

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init(_ label: String = "strata-test") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    /// Adopts an existing directory (removed by `cleanup()` all the same).
    init(existing path: String) { self.path = path }

    /// A fresh directory on tmpfs when there is one (tests that open tables by the thousand and
    /// would otherwise wait for fsyncs), else under the system temp dir.
    static func inMemory(_ label: String) -> TemporaryDirectory {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return TemporaryDirectory(label)
        }
        let path = "/dev/shm/\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return TemporaryDirectory(existing: path)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// A trades-like schema: ts, id (dedup key), value, flag; with `text`, a text column `note`.
func testSchema(partitionDuration: Int64 = 1_000, text: Bool = false) -> TableSchema {
    TableSchema(
        name: "t",
        columns: [
            ColumnSpec("ts", .timestamp), ColumnSpec("id", .int64), ColumnSpec("value", .decimal(scale: 8)),
            ColumnSpec("flag", .bool),
        ] + (text ? [ColumnSpec("note", .text)] : []),
        dedupKey: "id", partitionDuration: partitionDuration)
}

/// One row of the test schema.
struct TestRow: Hashable, Comparable, CustomStringConvertible {
    var symbol: String
    var ts: Int64
    var id: Int64
    var value: Int64
    var flag: Bool
    /// The `note` text column's value (tables made with `testSchema(text: true)`).
    var note: String? = nil

    static func < (a: TestRow, b: TestRow) -> Bool { (a.symbol, a.ts, a.id) < (b.symbol, b.ts, b.id) }
    var description: String { "\(symbol)@\(ts)#\(id)=\(value)" + (note.map { " \"\($0)\"" } ?? "") }
}

/// A batch of `rows`; with `text`, for the `note` column of `testSchema(text: true)` (a row
/// without a note stores the empty string).
func makeBatch(_ rows: [TestRow], text: Bool = false) -> ColumnBatch {
    var names: [String] = []
    var ids: [String: UInt32] = [:]
    var batch = ColumnBatch(columnCount: text ? 5 : 4, capacity: rows.count)
    for row in rows {
        let id =
            ids[row.symbol]
            ?? {
                let id = UInt32(names.count)
                names.append(row.symbol)
                ids[row.symbol] = id
                return id
            }()
        batch.symbolIndex.append(id)
        batch.columns[0].append(row.ts)
        batch.columns[1].append(row.id)
        batch.columns[2].append(row.value)
        batch.columns[3].append(row.flag ? 1 : 0)
        if text { batch.columns[4].append(batch.texts.append(row.note ?? "")) }
    }
    batch.symbols = names
    return batch
}

func rows(_ set: RowSet, symbol: String) -> [TestRow] {
    (0..<set.count).map { i in
        TestRow(
            symbol: symbol, ts: set.columns[0][i], id: set.columns[1][i], value: set.columns[2][i],
            flag: set.columns[3][i] != 0, note: set.columns.count > 4 ? set.texts.string(set.columns[4][i]) : nil)
    }
}
