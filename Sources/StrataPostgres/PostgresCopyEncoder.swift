import NIOCore
import StrataCore

/// A batch as `COPY … FROM STDIN` text (tab-separated, `\N` for absent values): the staging
/// table's columns, then the row's place in the batch and its partition's bounds.
struct PostgresCopyEncoder {
    let layout: PostgresTableLayout

    /// Bytes per chunk handed to the connection.
    static let chunkSize = 1 << 20

    /// The chunks, and the partitions the batch's rows fall in.
    func encode(_ batch: ColumnBatch) -> (chunks: [ByteBuffer], partitions: Set<Int64>) {
        let columns = layout.columns
        let laneOf: [Int?] = columns.map { column in layout.lanes.firstIndex { $0.name == column.name } }
        let timeLane = layout.lanes.firstIndex { $0.name == layout.schema.timestamp }!
        let nullable = columns.map { layout.isNullable($0) }
        let symbolTexts: [[UInt8]] = batch.symbols.map { Self.escaped(Array($0.utf8)) }
        var chunks: [ByteBuffer] = []
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
            Self.appendInteger(Int128(row), to: &bytes)
            bytes.append(UInt8(ascii: "\t"))
            Self.appendInteger(Int128(bounds.lo), to: &bytes)
            bytes.append(UInt8(ascii: "\t"))
            Self.appendInteger(Int128(bounds.hi), to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
            if bytes.count >= Self.chunkSize {
                chunks.append(ByteBuffer(bytes: bytes))
                bytes.removeAll(keepingCapacity: true)
            }
        }
        if !bytes.isEmpty { chunks.append(ByteBuffer(bytes: bytes)) }
        return (chunks, partitions)
    }

    static func appendInteger(_ value: Int128, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes.append(contentsOf: digits.reversed())
    }

    /// `mantissa / 10^scale` in plain decimal notation.
    static func appendDecimal(_ mantissa: Int64, scale: Int, to bytes: inout [UInt8]) {
        guard scale > 0 else { return appendInteger(Int128(mantissa), to: &bytes) }
        if mantissa < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = mantissa.magnitude
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        while digits.count <= scale { digits.append(UInt8(ascii: "0")) }
        let reversed = Array(digits.reversed())
        bytes.append(contentsOf: reversed[..<(reversed.count - scale)])
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: reversed[(reversed.count - scale)...])
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
