import Strata
import StrataCore
import Synchronization

/// One table's side of the lake's cold tier: the moves its journal records, the reads of the
/// moved rows, and the janitor (``move(now:)``, in `LakeColdTable+Janitor.swift`).
///
/// Reads answer only the files of moves in state `moved` (whose hot partition is dropped), so
/// the hot table and this one never both answer a partition; other files of the lake (an export
/// of the same days, a copy not verified yet) are never read here. Opening resolves what a
/// crash interrupted before any read: a move caught `dropping` is `moved` if the hot table's
/// drop record says its drop happened, else undone; a move caught `copying` is undone (its files
/// removed); a `verified` one is finished by the next janitor run if the partition is unchanged.
final class LakeColdTable: ColdTable {
    let root: String
    let schema: RecordSchema
    let hot: HotPartitions
    /// How long rows stay hot (nil: the janitor moves nothing; moved rows are still read).
    let hotRetention: Int64?
    let layout: LakeTableLayout
    let decoder: LakeRowDecoder
    let textLanes: [Int]

    /// The moves answered from the lake, oldest first, with what reads need of them.
    struct Snapshot: Sendable {
        var moved: [ColdMove] = []
        var span: Range<Int64>?
        var symbols: [SymbolSpan] = []
    }

    let snapshot = Mutex(Snapshot())
    let sequenceLock = Atomic<UInt64>(0)
    /// One janitor run at a time; holds the journal.
    let janitor: Mutex<ColdJournal>

    var tableName: String { schema.name }
    var tableDirectory: String { LakeReader.tableDirectory(root: root, table: schema.name) }

    init(root: String, schema: RecordSchema, hot: HotPartitions, hotRetention: Int64?) throws(LakeError) {
        self.root = root
        self.schema = schema
        self.hot = hot
        self.hotRetention = hotRetention
        layout = LakeTableLayout(schema: schema)
        decoder = LakeRowDecoder(schema: schema)
        textLanes = schema.textLanes
        let directory = LakeReader.tableDirectory(root: root, table: schema.name)
        try LakeFileSystem.makeDirectories(directory)
        let journal = try ColdJournal(path: directory + "/" + ColdJournal.fileName)
        janitor = Mutex(journal)
        var report = ColdMoveReport(table: schema.name)
        try janitor.withLock { journal throws(LakeError) in
            try resolve(journal, report: &report)
        }
    }

    var generation: UInt64 { sequenceLock.load(ordering: .acquiring) }

    var movedSpan: Range<Int64>? { snapshot.withLock { $0.span } }

    func symbolSpans() -> [SymbolSpan] { snapshot.withLock { $0.symbols } }

    /// Publishes the journal's `moved` moves to readers.
    func publish(_ journal: ColdJournal) {
        let moved = journal.moves.values.filter { $0.state == .moved }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        var spans: [String: SymbolSpan] = [:]
        for move in moved {
            for span in move.symbols {
                if let known = spans[span.symbol] {
                    spans[span.symbol] = SymbolSpan(
                        symbol: span.symbol, rows: known.rows + span.rows, first: min(known.first, span.first),
                        last: max(known.last, span.last))
                } else {
                    spans[span.symbol] = span
                }
            }
        }
        let low = moved.map(\.start).min()
        let high = moved.map(\.end).max()
        let next = Snapshot(
            moved: moved, span: low.flatMap { low in high.map { low..<$0 } },
            symbols: spans.values.sorted { $0.symbol < $1.symbol })
        snapshot.withLock { $0 = next }
    }

    func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        guard from < to else { return RowSet(columnCount: schema.storageColumns.count) }
        let moves = snapshot.withLock { $0.moved }.filter { move in
            move.start < to && from < move.end
                && move.symbols.contains { $0.symbol == symbol && $0.first < to && $0.last >= from }
        }
        var parts: [RowSet] = []
        let wanted = Symbol(unchecked: symbol)
        // Moves by start: once `limit` rows are read, a move starting after the limit-th row's
        // time cannot come before it (a page of a long range reads a page's files, not the rest).
        var times: [Int64] = []
        for move in moves {
            if times.count >= limit, limit > 0 {
                times.sort()
                if move.start > times[limit - 1] { break }
            }
            for file in move.files {
                let path = tableDirectory + "/" + file
                do throws(LakeError) {
                    guard let bytes = try LakeFileSystem.read(path) else {
                        throw LakeError(.manifest, "a moved partition's file is missing", path: path)
                    }
                    for batch in try LakeReader.batches(
                        bytes, layout: layout, path: path, symbol: wanted, range: from..<to)
                    {
                        let rows = try decoder.rows(batch)
                        times += rows.columns[schema.timestampLane]
                        parts.append(rows)
                    }
                } catch {
                    throw error.strataError(context: "\(schema.name): reading the cold tier")
                }
            }
        }
        guard !parts.isEmpty else { return RowSet(columnCount: schema.storageColumns.count) }
        return RowSet.merging(parts, timestampLane: schema.timestampLane, textLanes: textLanes)
    }
}
