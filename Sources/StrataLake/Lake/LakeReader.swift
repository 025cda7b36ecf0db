public import StrataCore
import StrataEngine

/// Reads a lake directory back: a table's manifest, and the rows of a symbol in a time range
/// from its Parquet files — what `strata lake verify` and a cold tier read with.
///
/// A read prunes three times: by the manifest (a file whose time span or symbols miss the
/// query is not opened), by row-group statistics (the timestamp's and the symbol's min and max),
/// and by rows (row groups are one symbol's rows in time order: the range is cut by binary search).
///
/// ```swift
/// let lake = LakeReader(root: "/data/lake")
/// for batch in try lake.read(schema: .trades, symbol: btc, from: start, to: end) { … }
/// ```
public struct LakeReader: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// `<root>/table=<table>`.
    public static func tableDirectory(root: String, table: String) -> String { root + "/table=" + table }

    /// The tables with a directory in the lake.
    public func tables() -> [String] {
        (LakeFileSystem.list(root) ?? []).filter { $0.hasPrefix("table=") }.map { String($0.dropFirst(6)) }
    }

    /// The table's manifest (empty when it has none).
    /// - Throws: ``LakeError`` `.manifest` for a manifest that cannot be read.
    public func manifest(table: String) throws(LakeError) -> LakeManifest {
        try Self.manifest(tableDirectory: Self.tableDirectory(root: root, table: table))
    }

    static func manifest(tableDirectory: String) throws(LakeError) -> LakeManifest {
        let path = tableDirectory + "/" + LakeManifest.fileName
        guard let bytes = try LakeFileSystem.read(path) else { return LakeManifest() }
        return try LakeManifest(parsing: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// The rows of `symbol` with `from <= time < to` in the table's files, oldest first within
    /// each file, files in the manifest's order.
    /// - Throws: ``LakeError`` for a missing, damaged or foreign file.
    public func read(schema: RecordSchema, symbol: Symbol, from: Timestamp, to: Timestamp) throws(LakeError)
        -> [ColumnarBatch]
    {
        let layout = LakeTableLayout(schema: schema)
        let directory = Self.tableDirectory(root: root, table: schema.name)
        var batches: [ColumnarBatch] = []
        for entry in try manifest(table: schema.name).entries where entry.path.hasSuffix(".parquet") {
            guard entry.rows > 0, entry.first < to, entry.last >= from, entry.symbols.contains(symbol.name) else {
                continue
            }
            let path = directory + "/" + entry.path
            guard let bytes = try LakeFileSystem.read(path) else {
                throw LakeError(.manifest, "listed in the manifest but missing", path: path)
            }
            batches += try Self.batches(
                bytes, layout: layout, path: path, symbol: symbol, range: from.nanoseconds..<to.nanoseconds)
        }
        return batches
    }

    /// Every row of a Parquet file of `layout`'s table, a batch per row group.
    /// - Throws: ``LakeError`` for a damaged file or one of other columns.
    public static func readFile(_ path: String, layout: LakeTableLayout) throws(LakeError) -> [ColumnarBatch] {
        guard let bytes = try LakeFileSystem.read(path) else { throw LakeError(.io, "no such file", path: path) }
        return try batches(bytes, layout: layout, path: path, symbol: nil, range: .min..<Int64.max)
    }

    /// The row groups of `bytes` that may hold `symbol` (nil: any) in `range`, cut to the range.
    static func batches(
        _ bytes: [UInt8], layout: LakeTableLayout, path: String, symbol: Symbol?, range: Range<Int64>
    ) throws(LakeError) -> [ColumnarBatch] {
        let file: ParquetFile
        do {
            file = try ParquetFile(bytes: bytes)
        } catch {
            throw LakeError(error.code, error.message, path: path)
        }
        guard file.columnNames == layout.columnNames else {
            throw LakeError(
                .corrupt, "the columns \(file.columnNames) are not table \(layout.schema.name)'s \(layout.columnNames)",
                path: path)
        }
        let wanted = symbol.map { Array($0.name.utf8) }
        var batches: [ColumnarBatch] = []
        for group in file.rowGroups.indices where file.rowGroups[group].rows > 0 {
            if let times = file.int64Range(group: group, column: 0),
                times.upperBound < range.lowerBound || times.lowerBound >= range.upperBound
            {
                continue
            }
            if let wanted, let symbols = file.bytesRange(group: group, column: 1),
                wanted.lexicographicallyPrecedes(symbols.minimum) || symbols.maximum.lexicographicallyPrecedes(wanted)
            {
                continue
            }
            var data: [LakeColumnData]
            do {
                data = try file.read(group: group)
            } catch {
                throw LakeError(error.code, error.message, path: path)
            }
            var rows = file.rowGroups[group].rows
            guard case .int64(let times) = data[0].values, times.count == rows,
                case .strings(let symbolIndices, let symbolValues) = data[1].values
            else { throw LakeError(.corrupt, "row group \(group): no timestamps or symbols", path: path) }
            let first = symbolIndices.first.map { String(decoding: symbolValues[Int($0)], as: UTF8.self) } ?? ""
            if let wanted {
                if symbolValues.count > 1 {
                    // Not one symbol's rows (another writer's file): keep the rows of the symbol.
                    let keep = symbolIndices.map { symbolValues[Int($0)] == wanted }
                    data = data.map { $0.selecting(keep) }
                    rows = keep.count { $0 }
                } else if symbolValues.first != wanted {
                    continue
                }
            }
            if range != .min..<Int64.max, case .int64(let kept) = data[0].values {
                let lower = kept.partitioningIndex { $0 >= range.lowerBound }
                let upper = kept.partitioningIndex { $0 >= range.upperBound }
                if lower > 0 || upper < rows {
                    data = data.map { $0.slicing(lower..<upper, rows: rows) }
                    rows = upper - lower
                }
            }
            guard rows > 0 else { continue }
            batches.append(layout.batch(data, count: rows, symbol: Symbol(unchecked: symbol?.name ?? first)))
        }
        return batches
    }

    /// The manifest entry `path`'s file would have: its bytes read whole, and for Parquet its rows
    /// decoded and counted.
    static func describe(path: String, relative: String, layout: LakeTableLayout, format: LakeTableWriter.Format)
        throws(LakeError) -> LakeManifest.Entry
    {
        guard let bytes = try LakeFileSystem.read(path) else { throw LakeError(.io, "no such file", path: path) }
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        guard format == .parquet else {
            throw LakeError(.manifest, "a CSV file the manifest does not list", path: path)
        }
        let batches = try batches(bytes, layout: layout, path: path, symbol: nil, range: .min..<Int64.max)
        var first = Int64.max
        var last = Int64.min
        var symbols: Set<String> = []
        var rows = 0
        for batch in batches {
            rows += batch.count
            if case .timestamps(let times)? = batch.columns.first?.values {
                first = min(first, times.min() ?? first)
                last = max(last, times.max() ?? last)
            }
            if case .dictionary(let indices, let values)? = batch["symbol"]?.values {
                for index in Set(indices) { symbols.insert(values[Int(index)]) }
            }
        }
        return LakeManifest.Entry(
            path: relative, rows: rows, bytes: bytes.count, checksum: checksum,
            first: Timestamp(nanoseconds: rows > 0 ? first : 0), last: Timestamp(nanoseconds: rows > 0 ? last : 0),
            symbols: symbols.sorted())
    }
}

extension Array where Element: Comparable {
    /// The first index whose element satisfies `predicate` (false then true along the array).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension LakeColumnData {
    /// Rows `range` of `rows`.
    func slicing(_ range: Range<Int>, rows: Int) -> LakeColumnData {
        var keep = [Bool](repeating: false, count: rows)
        for row in range { keep[row] = true }
        return selecting(keep)
    }

    /// The rows `keep` marks.
    func selecting(_ keep: [Bool]) -> LakeColumnData {
        var valueKeep: [Bool] = []
        valueKeep.reserveCapacity(keep.count)
        var newPresent: [Bool] = []
        for (row, kept) in keep.enumerated() {
            let has = present?[row] ?? true
            if has { valueKeep.append(kept) }
            if kept { newPresent.append(has) }
        }
        func filter<T>(_ values: [T]) -> [T] {
            var result: [T] = []
            for (index, value) in values.enumerated() where index < valueKeep.count && valueKeep[index] {
                result.append(value)
            }
            return result
        }
        let values: LakeValues
        switch self.values {
        case .int64(let v): values = .int64(filter(v))
        case .int32(let v): values = .int32(filter(v))
        case .double(let v): values = .double(filter(v))
        case .bool(let v): values = .bool(filter(v))
        case .strings(let indices, let dictionary): values = .strings(indices: filter(indices), dictionary: dictionary)
        }
        return LakeColumnData(present: present == nil || !newPresent.contains(false) ? nil : newPresent, values: values)
    }
}
