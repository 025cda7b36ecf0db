import StrataCore
import Synchronization

/// Last-wins by key (``TableSchema/WriteMode/replaceByKey``): upserts.
///
/// Every write is stored, like an append, with a version in the hidden last column: the WAL
/// sequence of its batch and its place in the batch (`sequence << 24 | row`), so versions only
/// grow and replay gives every row the version it had. The table keeps, per symbol, the newest
/// version of each key (``VersionIndex``: built from the sealed files at open, then kept by every
/// apply, replay included). A read answers only the rows that are their key's newest version; an
/// older version of a key, wherever it lies (another partition, another time), is an overwrite:
/// counted in ``TableStats/overwrites``, never returned, and its rows stay in the files.
///
/// Reads of such a table read a symbol's whole range and filter it: these are reference tables
/// (corporate actions, ratings, company records), small next to market data.
struct VersionIndex: Sendable {
    /// Per symbol id: key → newest version.
    var newest: [UInt32: [Int64: Int64]] = [:]

    /// Most rows in one batch of a last-wins table (the version keeps 24 bits for the row).
    static let maximumBatchRows = 1 << 24

    static func version(sequence: UInt64, row: Int) -> Int64 { Int64(sequence) << 24 | Int64(row) }

    mutating func note(symbol: UInt32, key: Int64, version: Int64) {
        if let known = newest[symbol]?[key], known >= version { return }
        newest[symbol, default: [:]][key] = version
    }

    var count: Int { newest.values.reduce(0) { $0 + $1.count } }
}

extension ColumnBatch {
    /// The batch with its version column filled (`sequence`'s versions), for a last-wins table.
    func stamped(sequence: UInt64, schema: TableSchema) -> ColumnBatch {
        guard schema.versionIndex != nil, columns.count == schema.writtenColumnCount else { return self }
        var stamped = self
        stamped.columns.append((0..<count).map { VersionIndex.version(sequence: sequence, row: $0) })
        return stamped
    }
}

extension EngineTable {
    /// Adds the versions held in sealed files to `state.versions` (at open: the WAL's rows are
    /// noted as they are replayed). A damaged file's rows are left out (it is reported damaged).
    static func indexSealedVersions(_ state: inout State, schema: TableSchema) {
        guard let key = schema.upsertKeyIndex, let version = schema.versionIndex else { return }
        for partition in state.partitions.values {
            guard let file = partition.sealedFile else { continue }
            for (name, entry) in file.symbols {
                let id = state.symbolID(name)
                try? file.forEachBlock(of: entry, from: .min, to: .max, columns: [key, version]) { _, lanes in
                    for row in 0..<lanes[0].count {
                        state.versions.note(symbol: id, key: lanes[0][row], version: lanes[1][row])
                    }
                    return true
                }
            }
        }
    }

    /// The newest versions of `symbol`'s keys now.
    func currentVersions(symbol: String) throws -> [Int64: Int64] {
        try state.withLock { state throws -> [Int64: Int64] in
            try ensureOpen(state)
            guard let id = state.symbolIDs[symbol] else { return [:] }
            return state.versions.newest[id] ?? [:]
        }
    }

    /// The rows of `rows` that are their key's newest version in `versions` (a key `versions`
    /// does not know was written after it was taken: its rows are kept).
    func current(_ rows: RowSet, versions: [Int64: Int64]) -> RowSet {
        guard let key = schema.upsertKeyIndex, let version = schema.versionIndex, rows.count > 0 else { return rows }
        var kept: [Int] = []
        kept.reserveCapacity(rows.count)
        var unknown: [Int64: Int] = [:]  // keys written since `versions`: their newest row here
        for row in 0..<rows.count {
            let k = rows.columns[key][row]
            if let newest = versions[k] {
                if rows.columns[version][row] == newest { kept.append(row) }
            } else if let earlier = unknown[k] {
                if rows.columns[version][row] > rows.columns[version][earlier] { unknown[k] = row }
            } else {
                unknown[k] = row
            }
        }
        if !unknown.isEmpty { kept = (kept + unknown.values).sorted() }
        guard kept.count < rows.count else { return rows }
        var out = RowSet(columns: rows.columns.map { lane in kept.map { lane[$0] } })
        out.texts = rows.texts
        return out
    }

    /// Last-wins tables: `range` over the current rows.
    func currentRange(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        let versions = try currentVersions(symbol: symbol)
        var rows = current(try storedRange(symbol: symbol, from: from, to: to, limit: .max), versions: versions)
        if rows.count > limit {
            for c in rows.columns.indices { rows.columns[c].removeSubrange(limit...) }
        }
        return rows
    }

    /// Last-wins tables: the newest `limit` current rows with `ts < before`, newest first.
    func currentLatest(symbol: String, limit: Int, before: Int64 = .max) throws -> RowSet {
        let all = try currentRange(symbol: symbol, from: .min, to: before, limit: .max)
        let take = min(limit, all.count)
        var rows = RowSet(columns: all.columns.map { Array($0.suffix(take).reversed()) })
        rows.texts = all.texts
        return rows
    }

    /// Last-wins tables: the symbol listing over the current rows.
    func currentSymbolSpans() throws -> [SymbolSpan] {
        let ts = schema.timestampIndex
        return try symbols().compactMap { symbol in
            let rows = try currentRange(symbol: symbol, from: .min, to: .max, limit: .max)
            guard rows.count > 0 else { return nil }
            return SymbolSpan(
                symbol: symbol, rows: rows.count, first: rows.columns[ts][0], last: rows.columns[ts][rows.count - 1])
        }
    }
}
