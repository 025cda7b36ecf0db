public import StrataCore

/// One committed batch in the replication log: its position, when it was committed and its rows.
public struct LogEntry: Sendable {
    /// The log's position of the batch (1-based, gapless).
    public var position: UInt64
    /// When the system of record committed it (wall-clock nanoseconds).
    public var committedAt: Int64
    /// The rows as committed (only those stored: duplicates the table dropped are not here).
    public var batch: ColumnBatch

    public init(position: UInt64, committedAt: Int64, batch: ColumnBatch) {
        self.position = position
        self.committedAt = committedAt
        self.batch = batch
    }
}

/// The payload encoding of a ``LogEntry`` (little-endian):
///
/// ```
/// u64 position · i64 committedAt · u32 rows · u16 lanes · u32 symbols
/// symbols × (u32 length, UTF-8) · rows × u32 symbol index · lanes × rows × i64
/// u32 text count · texts × (u32 length, UTF-8)      the text lanes' values, referenced 0, 1, 2…
/// ```
///
/// Text lanes are rewritten to reference the entry's own texts in order of appearance, so the
/// encoding does not depend on how the batch's ``TextHeap`` lays its bytes out.
enum LogEntryCodec {
    static func encode(_ entry: LogEntry, textLanes: [Int], into bytes: inout [UInt8]) {
        let batch = entry.batch
        func put<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        func put(string: String) {
            let utf8 = Array(string.utf8)
            put(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        put(entry.position)
        put(entry.committedAt)
        put(UInt32(batch.count))
        put(UInt16(batch.columns.count))
        put(UInt32(batch.symbols.count))
        for symbol in batch.symbols { put(string: symbol) }
        for index in batch.symbolIndex { put(index) }
        var texts: [String] = []
        let textSet = Set(textLanes)
        for (c, lane) in batch.columns.enumerated() {
            if textSet.contains(c) {
                for reference in lane {
                    if reference < 0 {
                        put(reference)
                    } else {
                        put(Int64(texts.count))
                        texts.append(batch.texts.string(reference))
                    }
                }
            } else {
                for value in lane { put(value) }
            }
        }
        put(UInt32(texts.count))
        for text in texts { put(string: text) }
    }

    /// Decodes a payload; `nil` when it is malformed (the frame's checksum passed, so only a bug
    /// or a foreign file gets here).
    static func decode(_ bytes: ArraySlice<UInt8>, textLanes: [Int]) -> LogEntry? {
        var cursor = bytes.startIndex
        func take<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard bytes.endIndex - cursor >= size else { return nil }
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { raw in
                for i in 0..<size { raw[i] = bytes[cursor + i] }
            }
            cursor += size
            return T(littleEndian: value)
        }
        func takeString() -> String? {
            guard let length = take(UInt32.self), bytes.endIndex - cursor >= Int(length) else { return nil }
            defer { cursor += Int(length) }
            return String(decoding: bytes[cursor..<cursor + Int(length)], as: UTF8.self)
        }
        guard let position = take(UInt64.self), let committedAt = take(Int64.self),
            let rows = take(UInt32.self).map(Int.init), let laneCount = take(UInt16.self).map(Int.init),
            let symbolCount = take(UInt32.self).map(Int.init),
            rows <= bytes.count, symbolCount <= bytes.count
        else { return nil }
        var symbols: [String] = []
        for _ in 0..<symbolCount {
            guard let symbol = takeString() else { return nil }
            symbols.append(symbol)
        }
        var symbolIndex: [UInt32] = []
        symbolIndex.reserveCapacity(rows)
        for _ in 0..<rows {
            guard let index = take(UInt32.self), Int(index) < symbolCount else { return nil }
            symbolIndex.append(index)
        }
        var columns: [[Int64]] = []
        for _ in 0..<laneCount {
            var lane: [Int64] = []
            lane.reserveCapacity(rows)
            for _ in 0..<rows {
                guard let value = take(Int64.self) else { return nil }
                lane.append(value)
            }
            columns.append(lane)
        }
        guard let textCount = take(UInt32.self).map(Int.init), textCount <= bytes.count else { return nil }
        var batch = ColumnBatch(symbols: symbols, symbolIndex: symbolIndex, columns: columns)
        var references: [Int64] = []
        for _ in 0..<textCount {
            guard let text = takeString() else { return nil }
            references.append(batch.texts.append(text))
        }
        for c in textLanes where c < laneCount {
            for row in 0..<rows where batch.columns[c][row] >= 0 {
                let local = Int(batch.columns[c][row])
                guard local < references.count else { return nil }
                batch.columns[c][row] = references[local]
            }
        }
        guard cursor == bytes.endIndex else { return nil }
        return LogEntry(position: position, committedAt: committedAt, batch: batch)
    }
}
