import NIOCore
import StrataCore

/// A batch as `COPY … FROM STDIN` text (tab-separated, `\N` for absent values): the table's
/// columns, then — for the staging table — the row's place in the batch and its partition's
/// bounds, or — straight into the table (``Target/table``) — its `_strata_seq`, written as 19
/// zero-padded digits set once the append has reserved its range (``sequenced(_:base:)``).
///
/// (postgres-nio's `copyFrom` speaks the text format only, so binary COPY is not used.)
struct PostgresCopyEncoder {
    let layout: PostgresTableLayout

    /// Where the rows go.
    enum Target {
        /// The staging table: then `_strata_ord`, `_strata_lo`, `_strata_hi`.
        case stage
        /// The table itself: then `_strata_seq`.
        case table
    }

    /// Encoded rows: the chunks, and for ``Target/table`` the offset of each row's sequence
    /// digits in its chunk.
    struct Encoded: Sendable {
        var chunks: [ByteBuffer] = []
        var sequenceOffsets: [[Int]] = []
    }

    /// Bytes per chunk handed to the connection.
    static let chunkSize = 1 << 20
    /// Digits of a sequence placeholder (an `Int64` is at most 19).
    static let sequenceDigits = 19

    /// The chunks, and the partitions the batch's rows fall in.
    func encode(_ batch: ColumnBatch) -> (chunks: [ByteBuffer], partitions: Set<Int64>) {
        let (encoded, partitions) = encode(batch, for: .stage)
        return (encoded.chunks, partitions)
    }

    /// `encoded`'s chunks with row `i`'s `_strata_seq` set to `base + i` (`base + i` > 0).
    static func sequenced(_ encoded: Encoded, base: Int64) -> [ByteBuffer] {
        var row: Int64 = 0
        return zip(encoded.chunks, encoded.sequenceOffsets).map { chunk, offsets in
            var chunk = chunk
            for offset in offsets {
                var value = UInt64(base &+ row)
                var index = offset + sequenceDigits - 1
                while value > 0 {
                    chunk.setInteger(UInt8(ascii: "0") + UInt8(value % 10), at: index)
                    value /= 10
                    index -= 1
                }
                row += 1
            }
            return chunk
        }
    }

    /// The rows of `batch` for `target`, and the partitions they fall in.
    func encode(_ batch: ColumnBatch, for target: Target) -> (Encoded, partitions: Set<Int64>) {
        let columns = layout.columns
        let laneOf: [Int?] = columns.map { column in layout.lanes.firstIndex { $0.name == column.name } }
        let timeLane = layout.lanes.firstIndex { $0.name == layout.schema.timestamp }!
        let nullable = columns.map { layout.isNullable($0) }
        let symbolTexts: [[UInt8]] = batch.symbols.map { Self.escaped(Array($0.utf8)) }
        var chunks: [ByteBuffer] = []
        var sequenceOffsets: [[Int]] = []
        var offsets: [Int] = []
        var partitions = Set<Int64>()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.chunkSize + 4096)
        var lastPartition = Int64.min
        var bounds = (lo: Int64(0), hi: Int64(0))
        for row in 0..<batch.count {
            for (c, column) in columns.enumerated() {
                if c > 0 { bytes.append(UInt8(ascii: "\t")) }
                guard let lane = laneOf[c] else {
                    bytes.append(contentsOf: symbolTexts[Int(batch.symbolIndex[row])])
                    continue
                }
                let value = batch.columns[lane][row]
                if nullable[c] && value == column.kind.absentLane {
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                    continue
                }
                switch column.kind {
                case .timestamp, .int64, .int8:
                    Self.appendInteger(Int128(value), to: &bytes)
                case .decimal(let scale):
                    Self.appendDecimal(value, scale: scale, to: &bytes)
                case .float64:
                    bytes.append(contentsOf: Array("\(Double(bitPattern: UInt64(bitPattern: value)))".utf8))
                case .bool:
                    bytes.append(value != 0 ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                case .text, .symbol:
                    batch.texts.withBytes(value) { raw in Self.appendEscaped(raw, to: &bytes) }
                }
            }
            let time = batch.columns[timeLane][row]
            let partition = layout.partition(of: time)
            if partition != lastPartition {
                lastPartition = partition
                bounds = layout.bounds(of: partition)
                partitions.insert(partition)
            }
            bytes.append(UInt8(ascii: "\t"))
            switch target {
            case .stage:
                Self.appendInteger(Int128(row), to: &bytes)
                bytes.append(UInt8(ascii: "\t"))
                Self.appendInteger(Int128(bounds.lo), to: &bytes)
                bytes.append(UInt8(ascii: "\t"))
                Self.appendInteger(Int128(bounds.hi), to: &bytes)
            case .table:
                offsets.append(bytes.count)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: Self.sequenceDigits))
            }
            bytes.append(UInt8(ascii: "\n"))
            if bytes.count >= Self.chunkSize {
                chunks.append(ByteBuffer(bytes: bytes))
                sequenceOffsets.append(offsets)
                offsets.removeAll()
                bytes.removeAll(keepingCapacity: true)
            }
        }
        if !bytes.isEmpty {
            chunks.append(ByteBuffer(bytes: bytes))
            sequenceOffsets.append(offsets)
        }
        return (Encoded(chunks: chunks, sequenceOffsets: sequenceOffsets), partitions)
    }

    static func appendInteger(_ value: Int128, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, minimum: 1, to: &bytes)
    }

    /// The decimal digits of `magnitude`, at least `minimum` of them (zeros in front), written
    /// in place (no array per value: this runs for every value of every row).
    @inline(__always)
    static func appendDigits(_ magnitude: UInt128, minimum: Int, to bytes: inout [UInt8]) {
        let start = bytes.count
        if let small = UInt64(exactly: magnitude) {
            var rest = small
            repeat {
                bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
                rest /= 10
            } while rest > 0
        } else {
            var rest = magnitude
            repeat {
                bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
                rest /= 10
            } while rest > 0
        }
        while bytes.count - start < minimum { bytes.append(UInt8(ascii: "0")) }
        bytes[start...].reverse()
    }

    /// `mantissa / 10^scale` in plain decimal notation.
    static func appendDecimal(_ mantissa: Int64, scale: Int, to bytes: inout [UInt8]) {
        guard scale > 0 else { return appendInteger(Int128(mantissa), to: &bytes) }
        if mantissa < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(UInt128(mantissa.magnitude), minimum: scale + 1, to: &bytes)
        bytes.insert(UInt8(ascii: "."), at: bytes.count - scale)
    }

    static func escaped(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        raw.withUnsafeBytes { appendEscaped($0, to: &out) }
        return out
    }

    /// COPY text escaping: backslash, tab, newline and carriage return.
    static func appendEscaped(_ raw: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        for byte in raw {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: bytes.append(byte)
            }
        }
    }
}

/// Exact decimal text (PostgreSQL's `numeric` output) as a mantissa.
enum DecimalText {
    /// `text` (`-123.4500`) as a mantissa at `scale`; digits past the scale must be zeros.
    /// - Throws: `StrataError` `.overflow` beyond Int128, `.io` for text that is not a number.
    static func mantissa(_ text: String, scale: Int) throws -> Int128 {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        var value: Int128 = 0
        var fraction = -1
        func bad() -> StrataError { StrataError(.io, "PostgreSQL answered '\(text)' where a number was expected") }
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                guard fraction < 0 else { throw bad() }
                fraction = 0
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw bad() }
            let digit = Int128(byte - UInt8(ascii: "0"))
            if fraction >= 0 {
                fraction += 1
                if fraction > scale {
                    guard digit == 0 else { throw bad() }
                    continue
                }
            }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(digit)
            if o1 || o2 { throw StrataError(.overflow, "the value \(text) does not fit 128 bits") }
            value = sum
        }
        for _ in min(max(0, fraction), scale)..<scale {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { throw StrataError(.overflow, "the value \(text) does not fit 128 bits") }
            value = times
        }
        return negative ? -value : value
    }
}
