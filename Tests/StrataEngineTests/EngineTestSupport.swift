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

/// A trades-like schema: ts, id (dedup key), value, flag; with `text`, a text column `note`;
/// with `added`, two optional columns added later: `extra` (int64) and `label` (text).
func testSchema(partitionDuration: Int64 = 1_000, text: Bool = false, added: Bool = false) -> TableSchema {
    TableSchema(
        name: "t",
        columns: [
            ColumnSpec("ts", .timestamp), ColumnSpec("id", .int64), ColumnSpec("value", .decimal(scale: 8)),
            ColumnSpec("flag", .bool),
        ] + (text ? [ColumnSpec("note", .text)] : [])
            + (added ? [ColumnSpec("extra", .int64, optional: true), ColumnSpec("label", .text, optional: true)] : []),
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
    /// The added optional columns' values (`testSchema(added: true)`); nil: absent.
    var extra: Int64? = nil
    var label: String? = nil

    static func < (a: TestRow, b: TestRow) -> Bool { (a.symbol, a.ts, a.id) < (b.symbol, b.ts, b.id) }
    var description: String {
        "\(symbol)@\(ts)#\(id)=\(value)" + (note.map { " \"\($0)\"" } ?? "") + (extra.map { " extra \($0)" } ?? "")
            + (label.map { " label \"\($0)\"" } ?? "")
    }
}

/// A batch of `rows`; with `text`, for the `note` column of `testSchema(text: true)` (a row
/// without a note stores the empty string).
func makeBatch(_ rows: [TestRow], text: Bool = false) -> ColumnBatch {
    makeBatch(rows, schema: testSchema(text: text))
}

/// A batch of `rows` for `schema` (a `testSchema`), by column name; a nil optional value is absent.
func makeBatch(_ rows: [TestRow], schema: TableSchema) -> ColumnBatch {
    var names: [String] = []
    var ids: [String: UInt32] = [:]
    var batch = ColumnBatch(columnCount: schema.writtenColumnCount, capacity: rows.count)
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
        for (c, column) in schema.columns.prefix(schema.writtenColumnCount).enumerated() {
            let lane: Int64
            switch column.name {
            case "ts": lane = row.ts
            case "id": lane = row.id
            case "value": lane = row.value
            case "flag": lane = row.flag ? 1 : 0
            case "note": lane = batch.texts.append(row.note ?? "")
            case "extra": lane = row.extra ?? column.type.absent
            case "label": lane = row.label.map { batch.texts.append($0) } ?? column.type.absent
            default: preconditionFailure("no test value for column \(column.name)")
            }
            batch.columns[c].append(lane)
        }
    }
    batch.symbols = names
    return batch
}

/// The rows of `set` (of a `testSchema`, told apart by column count, or of `schema`).
func rows(_ set: RowSet, symbol: String, schema: TableSchema? = nil) -> [TestRow] {
    let names =
        schema?.columns.map(\.name)
        ?? [
            4: ["ts", "id", "value", "flag"], 5: ["ts", "id", "value", "flag", "note"],
            6: ["ts", "id", "value", "flag", "extra", "label"],
            7: ["ts", "id", "value", "flag", "note", "extra", "label"],
        ][set.columns.count] ?? []
    func lane(_ name: String, _ i: Int) -> Int64? { names.firstIndex(of: name).map { set.columns[$0][i] } }
    return (0..<set.count).map { i in
        TestRow(
            symbol: symbol, ts: lane("ts", i)!, id: lane("id", i)!, value: lane("value", i)!,
            flag: lane("flag", i) != 0,
            note: lane("note", i).map { set.texts.string($0) },
            extra: lane("extra", i).flatMap { $0 == Int64.min ? nil : $0 },
            label: lane("label", i).flatMap { $0 < 0 ? nil : set.texts.string($0) })
    }
}
