import Strata
import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// What the engine harnesses share: the table they open, and reading all of it.
enum FuzzTable {
    static let partitionDuration: Int64 = 60_000_000_000
    static let schema = Trade.engineSchema(partitionDuration: partitionDuration)
    /// The seeds' rows start here (partition 28,333,333 of one minute).
    static let base: Int64 = 1_700_000_000_000_000_000
    static let sealedPartition: Int64 = base / partitionDuration
    static let sealedFileName = "p\(sealedPartition).g1.col"

    /// A row of the trades schema: ts, trade id, price, qty, maker.
    struct Row: Hashable, Comparable, CustomStringConvertible {
        var symbol: String
        var values: [Int64]
        static func < (a: Row, b: Row) -> Bool {
            a.symbol != b.symbol ? a.symbol < b.symbol : a.values.lexicographicallyPrecedes(b.values)
        }
        var description: String { "\(symbol) \(values)" }
    }

    /// Rows the seeds hold: two symbols, ordinary values and extremes.
    static func seedBatch(count: Int, first: Int64) -> ColumnBatch {
        var batch = ColumnBatch(columnCount: schema.columns.count, capacity: count)
        batch.symbols = ["BTCUSDT", "ETHUSDT"]
        for i in 0..<Int64(count) {
            batch.symbolIndex.append(UInt32(i % 2))
            let values: [Int64] = [
                base + (first + i) * 1_000_003, first + i, 6_400_000_000_000 + i * 37, 1 + i % 5, i % 2,
            ]
            for (c, v) in values.enumerated() { batch.columns[c].append(v) }
        }
        return batch
    }

    static func rows(of batch: ColumnBatch) -> [Row] {
        (0..<batch.count).map { r in
            Row(symbol: batch.symbols[Int(batch.symbolIndex[r])], values: batch.columns.map { $0[r] })
        }
    }

    /// Every row of the table, sorted, reading each symbol in three ways that must agree.
    static func readAll(_ table: EngineTable, harness: String) throws(FuzzFailure) -> [Row] {
        var all: [Row] = []
        for symbol in table.symbols() {
            let range: RowSet
            let latest: RowSet
            let last: Int64?
            do {
                range = try table.range(symbol: symbol, from: .min, to: .max)
                latest = try table.latest(symbol: symbol, limit: 7)
                last = try table.lastTimestamp(symbol: symbol)
            } catch let error as StrataError {
                // A damaged block is a typed error; the harness only requires that.
                _ = error
                continue
            } catch {
                throw FuzzFailure(harness: harness, message: "untyped error reading \(symbol): \(error)")
            }
            let ts = schema.timestampIndex
            let times = range.count > 0 ? range.columns[ts] : []
            try check(
                zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, harness,
                "range of \(symbol) is not in time order")
            try check(
                last == times.last, harness,
                "lastTimestamp \(String(describing: last)) vs range \(String(describing: times.last))")
            try check(
                latest.count == min(7, range.count), harness, "latest 7 has \(latest.count) rows of \(range.count)")
            if latest.count > 0 {
                let newest = latest.columns[ts]
                try check(
                    Array(newest.reversed()) == Array(times.suffix(latest.count)), harness,
                    "latest of \(symbol) \(newest) is not the end of its range \(times.suffix(latest.count))")
            }
            for r in 0..<range.count { all.append(Row(symbol: symbol, values: range.columns.map { $0[r] })) }
        }
        return all.sorted()
    }

    static func open(_ directory: String, harness: String) throws(FuzzFailure) -> EngineTable? {
        do {
            return try EngineTable(directory: directory, schema: schema, durability: .osBuffered)
        } catch let error as StrataError {
            // Refusing to open is allowed for a format it does not know, never for damage.
            try check(
                error.code == .unsupportedFormat, harness, "opening failed with \(error) instead of reporting damage")
            return nil
        } catch {
            throw FuzzFailure(harness: harness, message: "untyped error opening: \(error)")
        }
    }
}

/// Fuzzes WAL recovery: the input is a WAL segment, opened as a table's log.
///
/// Properties: opening never traps (a bad frame is cut and reported); the rows read back agree
/// across `range`, `latest` and `lastTimestamp`; a row appended after recovery and the rows
/// recovered are all there after a second open, which replays without cutting anything (recovery
/// is idempotent and the cut never hides later writes). For a valid segment (see
/// ``validSegment()``) the rows read back are exactly those written.
public enum WALHarness {
    static let name = "wal"

    public static func fuzzOne(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        _ = try replay(bytes)
        // Mutations rarely keep a frame's checksum right, so most never reach the payload decoder:
        // the same input again with every plausible frame's checksum made right.
        var resealed = Array(bytes)
        if reseal(&resealed) {
            do {
                _ = try resealed.withUnsafeBytes { try replay($0) }
            } catch let failure as FuzzFailure {
                throw failure
            } catch {
                throw FuzzFailure(harness: name, message: "\(error)")
            }
        }
    }

    /// Recomputes the CRC-32C of each frame whose magic and length are plausible (frame header:
    /// magic, payload length, checksum, all little-endian UInt32). Returns whether anything changed.
    static func reseal(_ segment: inout [UInt8]) -> Bool {
        var offset = 16  // the segment header
        var changed = false
        while offset + 12 <= segment.count {
            func word(_ at: Int) -> UInt32 {
                (0..<4).reduce(UInt32(0)) { $0 | UInt32(segment[at + $1]) << (8 * UInt32($1)) }
            }
            guard word(offset) == 0x4C41_5753 else { break }
            let length = Int(word(offset + 4))
            guard length <= segment.count - offset - 12 else { break }
            let crc = segment.withUnsafeBytes {
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(offset + 12)..<(offset + 12 + length)]))
            }
            if crc != word(offset + 8) {
                for b in 0..<4 { segment[offset + 8 + b] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(b))) }
                changed = true
            }
            offset += 12 + length
        }
        return changed
    }

    /// Opens the segment as a table's log; returns the rows recovered.
    @discardableResult
    public static func replay(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) -> [String] {
        let directory = FuzzFiles.freshDirectory("wal")
        defer { FuzzFiles.removeTree(directory) }
        mkdir(directory + "/wal", 0o755)
        try FuzzFiles.write(Array(bytes), to: directory + "/wal/0000000000000001.wal")
        guard let table = try FuzzTable.open(directory, harness: name) else { return [] }
        let recovered = try FuzzTable.readAll(table, harness: name)
        try check(
            table.recovery.damagedFiles.isEmpty, name, "a WAL alone made files damaged: \(table.recovery.damagedFiles)")
        // One more row after recovery.
        let extra = FuzzTable.seedBatch(count: 1, first: 9_000_000)
        let appended: AppendReport
        do {
            appended = try table.append(extra)
            try table.close()
        } catch {
            throw FuzzFailure(harness: name, message: "append or close after recovery failed: \(error)")
        }
        guard let again = try FuzzTable.open(directory, harness: name) else {
            throw FuzzFailure(harness: name, message: "the second open refused the store")
        }
        defer { try? again.close() }
        try check(
            again.recovery.bytesTruncated == 0, name,
            "the second open cut \(again.recovery.bytesTruncated) bytes: \(again.recovery)")
        let after = try FuzzTable.readAll(again, harness: name)
        let expected = appended.stored == 1 ? (recovered + FuzzTable.rows(of: extra)).sorted() : recovered
        try check(
            after == expected, name,
            "after a second open \(after.count) rows, expected \(expected.count): \(Set(after).symmetricDifference(expected).prefix(4))"
        )
        return recovered.map(\.description)
    }

    /// A valid segment of three batches (the seed), and the rows it holds.
    public static func validSegment() throws -> (bytes: [UInt8], rows: [String]) {
        let directory = FuzzFiles.freshDirectory("wal-seed")
        defer { FuzzFiles.removeTree(directory) }
        let table = try EngineTable(directory: directory, schema: FuzzTable.schema, durability: .osBuffered)
        var rows: [FuzzTable.Row] = []
        for (count, first) in [(5, 0), (1, 100), (12, 200)] {
            let batch = FuzzTable.seedBatch(count: count, first: Int64(first))
            try table.append(batch)
            rows += FuzzTable.rows(of: batch)
        }
        try table.close()
        let bytes = FuzzFiles.read(directory + "/wal/0000000000000001.wal") ?? []
        return (bytes, rows.sorted().map(\.description))
    }
}

/// Fuzzes the sealed-partition reader: the input is a sealed partition file, placed in a table's
/// partitions directory and opened with it.
///
/// Properties: opening never traps (an unreadable file is reported in `recovery.damagedFiles`
/// and its partition marked damaged); reading every symbol either returns rows that agree across
/// `range`, `latest` and `lastTimestamp`, or throws a typed ``StrataError``; a late row merged
/// into the partition by compaction leaves the file's rows and that row (or a reported error);
/// a second open reads the same. For a valid file (see ``validFile()``) the rows read back are
/// exactly those written.
public enum SealedHarness {
    static let name = "sealed"

    public static func fuzzOne(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        _ = try open(bytes)
        // The same file with its footer checksum made right, so that mutations reach the footer's
        // decoding instead of stopping at the checksum.
        var resealed = Array(bytes)
        if reseal(&resealed) {
            do {
                _ = try resealed.withUnsafeBytes { try open($0) }
            } catch let failure as FuzzFailure {
                throw failure
            } catch {
                throw FuzzFailure(harness: name, message: "\(error)")
            }
        }
    }

    /// Recomputes the footer's CRC-32C when the trailer (last 24 bytes: footer offset UInt64,
    /// footer length UInt32, checksum UInt32, magic) places the footer plausibly. Returns whether
    /// anything changed.
    static func reseal(_ file: inout [UInt8]) -> Bool {
        guard file.count >= 24 + 16 else { return false }
        let trailer = file.count - 24
        func value(_ at: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(file[at + $1]) << (8 * UInt64($1)) }
        }
        let offset = value(trailer, 8)
        let length = value(trailer + 8, 4)
        guard offset >= 16, offset <= UInt64(trailer), length == UInt64(trailer) - offset else { return false }
        let crc = file.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<trailer])) }
        guard UInt64(crc) != value(trailer + 12, 4) else { return false }
        for b in 0..<4 { file[trailer + 12 + b] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(b))) }
        return true
    }

    /// Opens the file as partition 28,333,333 of a table; returns its rows (empty if damaged).
    @discardableResult
    public static func open(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) -> [String] {
        let directory = FuzzFiles.freshDirectory("sealed")
        defer { FuzzFiles.removeTree(directory) }
        mkdir(directory + "/partitions", 0o755)
        try FuzzFiles.write(Array(bytes), to: directory + "/partitions/" + FuzzTable.sealedFileName)
        guard let table = try FuzzTable.open(directory, harness: name) else { return [] }
        let damaged = !table.recovery.damagedFiles.isEmpty
        let rows = try FuzzTable.readAll(table, harness: name)
        _ = table.stats()
        _ = try? table.summarize(column: "price")
        // A late row for the sealed partition, merged by compaction.
        let late = FuzzTable.seedBatch(count: 1, first: 7_000_000)
        var late0 = late
        late0.columns[FuzzTable.schema.timestampIndex][0] = FuzzTable.base + 1
        let appended: AppendReport
        do {
            appended = try table.append(late0)
        } catch {
            throw FuzzFailure(harness: name, message: "append of a late row failed: \(error)")
        }
        let report = table.compact(now: Timestamp(nanoseconds: FuzzTable.base))
        let afterCompaction = try FuzzTable.readAll(table, harness: name)
        if report.errors.isEmpty && !damaged {
            let expected = appended.stored == 1 ? (rows + FuzzTable.rows(of: late0)).sorted() : rows
            try check(
                afterCompaction == expected, name,
                "after compaction \(afterCompaction.count) rows, expected \(expected.count)")
        }
        do { try table.close() } catch {
            throw FuzzFailure(harness: name, message: "close failed: \(error)")
        }
        guard let again = try FuzzTable.open(directory, harness: name) else {
            throw FuzzFailure(harness: name, message: "the second open refused the table")
        }
        defer { try? again.close() }
        let reread = try FuzzTable.readAll(again, harness: name)
        try check(
            reread == afterCompaction, name, "a second open reads \(reread.count) rows, before \(afterCompaction.count)"
        )
        return damaged ? [] : rows.map(\.description)
    }

    /// A valid sealed file (the seed) of partition 28,333,333, and the rows it holds.
    public static func validFile() throws -> (bytes: [UInt8], rows: [String]) {
        let directory = FuzzFiles.freshDirectory("sealed-seed")
        defer { FuzzFiles.removeTree(directory) }
        let table = try EngineTable(directory: directory, schema: FuzzTable.schema, durability: .osBuffered)
        let batch = FuzzTable.seedBatch(count: 40, first: 0)
        try table.append(batch)
        let report = table.compact(now: Timestamp(nanoseconds: Int64.max))
        if let error = report.errors.first { throw error }
        try table.close()
        let bytes = FuzzFiles.read(directory + "/partitions/" + FuzzTable.sealedFileName) ?? []
        return (bytes, FuzzTable.rows(of: batch).sorted().map(\.description))
    }
}
