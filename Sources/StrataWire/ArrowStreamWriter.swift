public import StrataCore

/// Writes one Arrow IPC stream: schema message, then dictionary batches and record batches.
///
/// # The stream
///
/// Arrow's IPC *streaming* format, metadata version V5, little-endian, uncompressed: each message
/// is encapsulated (`0xFFFFFFFF`, the metadata's length, a FlatBuffers `Message` padded so the
/// body starts on an 8-byte boundary, then the body, every buffer starting on an 8-byte boundary
/// and padded to one), and the stream ends with `0xFFFFFFFF 0x00000000`. In order: the schema
/// (from the first batch, with the `metadata` given as its custom metadata), then per batch any
/// dictionary batches it needs, then its record batch.
///
/// # Types
///
/// | ``ColumnarValues`` | Arrow |
/// |---|---|
/// | `.timestamps` | `Timestamp(NANOSECOND, "UTC")` |
/// | `.int64`, `.int8` | `Int(64, signed)`, `Int(8, signed)` |
/// | `.decimals(_, scale)` | `Decimal(38, scale, 128)`: the mantissa sign-extended to 16 bytes |
/// | `.wideDecimals(_, scale)` | the same: the `Int128` mantissa as it is |
/// | `.float64` | `FloatingPoint(DOUBLE)` |
/// | `.bool` | `Bool` (bit-packed, least significant bit first) |
/// | `.strings` | `Utf8` |
/// | `.dictionary` | `Utf8` dictionary-encoded: `DictionaryEncoding(id, Int(32, signed), unordered)` |
/// | `.levels` | `List<item: Struct<price: Decimal(38, priceScale), size: Decimal(38, sizeScale)>>` |
///
/// A column's `present` becomes its validity bitmap and null count (no bitmap when every row
/// has a value). Every top-level field is declared nullable: the first batch cannot tell whether
/// a later one will lack a value, and a reader may refuse nulls in a field declared without
/// them. The list's item, the struct's price and size are never null and declared so.
///
/// # Dictionaries
///
/// A column's type is fixed by the first batch. A column first given as `.dictionary` is a
/// dictionary field for the whole stream (ids 0, 1… in column order): the writer keeps the
/// stream's dictionary and maps each batch's own values onto it, so a batch may bring new values
/// (sent before its record batch as a *delta* dictionary batch, `isDelta = true`, holding only
/// the new values; the first dictionary batch holds all values known then) and its indices are
/// rewritten into the stream's. A later batch may give such a column as `.strings`: the writer
/// dictionary-encodes it. A column first given as `.strings` stays `Utf8`, and a later
/// `.dictionary` is expanded to text.
///
/// Readers built on arrow-rs (polars 2.1, DataFusion) refuse delta dictionary batches; with
/// ``DictionaryUpdates/replacements`` a dictionary that gained values is sent whole instead
/// (`isDelta = false`, replacing the previous one; the indices of the values already sent do not
/// change), which every stream reader takes.
///
/// The work is linear in the batch: fixed-width columns are copied into `output` as they are,
/// decimals, bits and indices are converted in place in `output`; nothing is allocated per value
/// (dictionary lookups hash the values' bytes in place).
public struct ArrowStreamWriter: Sendable {
    private let metadata: [(String, String)]
    /// The schema, once written.
    private var fields: [StreamField]?
    /// Per dictionary id, the stream's dictionary.
    private var memos: [DictionaryMemo] = []
    /// Per column, the current batch's dictionary indices into the stream's dictionary (a column
    /// given as `.strings`) or the map from the batch's own dictionary to the stream's (`.dictionary`).
    private var scratch: [[Int32]] = []
    private var builder = FlatBufferBuilder()
    private var body = BodyLayout()
    private var finished = false

    /// How a dictionary that gained values is sent again.
    public enum DictionaryUpdates: Sendable {
        /// Only the new values, in a dictionary batch with `isDelta` set: the least to send, read
        /// by Arrow C++ (pyarrow, and DuckDB over it) but not by arrow-rs readers (polars 2.1
        /// refuses "delta dictionary batches").
        case deltas
        /// Every value so far, in a dictionary batch that replaces the previous one (indices
        /// stay the same): what every stream reader takes.
        case replacements
    }

    private let dictionaryUpdates: DictionaryUpdates

    /// A writer whose schema carries `metadata` as its custom metadata, sending dictionaries
    /// that gained values as `dictionaryUpdates` says.
    public init(metadata: [(String, String)] = [], dictionaryUpdates: DictionaryUpdates = .deltas) {
        self.metadata = metadata
        self.dictionaryUpdates = dictionaryUpdates
    }

    /// Appends to `output` the encapsulated messages for `batch`: the first call also writes the
    /// schema message (derived from this batch's columns: names, types, nullability), then any
    /// dictionary batches needed (first the full dictionary, later only deltas with isDelta=true),
    /// then the record batch. Every later batch must have the same column names and value kinds.
    ///
    /// With ``DictionaryUpdates/replacements``, a dictionary that gained values is sent whole
    /// instead of as a delta. A batch refused (checked before anything is written) leaves
    /// `output` as it was; only a dictionary outgrowing Arrow's 32-bit offsets, found while
    /// encoding, can leave a first batch's schema written.
    public mutating func write(_ batch: ColumnarBatch, to output: inout some ByteSink) throws(ArrowWriteError) {
        guard !finished else { throw ArrowWriteError("a batch after the end of the stream") }
        let fields: [StreamField]
        if let known = self.fields { fields = known } else { fields = try Self.fields(of: batch) }
        try Self.validate(batch, against: fields)
        if self.fields == nil {
            self.fields = fields
            let dictionaries = fields.count { if case .dictionary = $0.type { true } else { false } }
            memos = Array(repeating: DictionaryMemo(), count: dictionaries)
            scratch = Array(repeating: [], count: fields.count)
            writeSchema(fields, to: &output)
        }

        // The stream's dictionaries take this batch's values first: deltas go before the batch.
        for (position, field) in fields.enumerated() {
            guard case .dictionary(let id) = field.type else { continue }
            Self.encode(batch.columns[position], count: batch.count, memo: &memos[id], into: &scratch[position])
            if memos[id].overflowed {
                throw ArrowWriteError("the dictionary exceeds Arrow's 32-bit offsets", column: field.name)
            }
        }
        for id in memos.indices where !memos[id].sentOnce || memos[id].sent < memos[id].count {
            writeDictionaryBatch(id: id, to: &output)
        }
        writeRecordBatch(batch, fields: fields, to: &output)
    }

    /// Appends the end-of-stream marker (0xFFFFFFFF, 0x00000000); if no batch was written, first
    /// the schema of `empty` (an empty batch carrying the column kinds) so every answer has a schema.
    ///
    /// Without a batch written nor `empty` (or with an `empty` whose decimals' scales Arrow cannot
    /// hold), the schema written has no fields. Finishing twice writes nothing the second time.
    public mutating func finish(schemaOf empty: ColumnarBatch?, to output: inout some ByteSink) {
        guard !finished else { return }
        finished = true
        if fields == nil {
            let fields = (try? empty.map(Self.fields(of:))) ?? []
            self.fields = fields
            writeSchema(fields, to: &output)
        }
        withUnsafeBytes(of: (UInt32.max, UInt32(0))) { output.append(bytes: $0) }
    }

    // MARK: Schema

    /// The schema the first batch sets.
    private static func fields(of batch: ColumnarBatch) throws(ArrowWriteError) -> [StreamField] {
        var fields: [StreamField] = []
        var dictionaries = 0
        for column in batch.columns {
            let type: StreamType
            switch column.values {
            case .timestamps: type = .timestamp
            case .int64: type = .int64
            case .int8: type = .int8
            case .decimals(_, let scale), .wideDecimals(_, let scale):
                try checkScale(scale, column: column.name)
                type = .decimal(scale: scale)
            case .float64: type = .float64
            case .bool: type = .bool
            case .strings: type = .utf8
            case .dictionary:
                type = .dictionary(id: dictionaries)
                dictionaries += 1
            case .levels(let levels):
                try checkScale(levels.priceScale, column: column.name)
                try checkScale(levels.sizeScale, column: column.name)
                type = .levels(priceScale: levels.priceScale, sizeScale: levels.sizeScale)
            }
            fields.append(StreamField(name: column.name, type: type))
        }
        return fields
    }

    private static func checkScale(_ scale: Int, column: String) throws(ArrowWriteError) {
        guard (0...38).contains(scale) else {
            throw ArrowWriteError("decimal scale \(scale) is outside Decimal128(38)'s 0...38", column: column)
        }
    }

    private mutating func writeSchema(_ fields: [StreamField], to output: inout some ByteSink) {
        builder.reset()
        let message = ArrowFlatBuffers.schemaMessage(fields, metadata: metadata, builder: &builder)
        appendMessage(message, bodyLength: 0, to: &output)
    }

    // MARK: Validation

    /// Checks `batch` against the schema before anything is written: the columns' names and
    /// kinds, one value per row, offsets and dictionary indices in range.
    private static func validate(_ batch: ColumnarBatch, against fields: [StreamField]) throws(ArrowWriteError) {
        guard batch.count >= 0 else { throw ArrowWriteError("a negative row count") }
        for (position, field) in fields.enumerated() {
            guard position < batch.columns.count else {
                throw ArrowWriteError("missing from the batch", column: field.name)
            }
            let column = batch.columns[position]
            guard column.name == field.name else {
                throw ArrowWriteError("the batch has \"\(column.name)\" where the schema has it", column: field.name)
            }
            guard column.values.count == batch.count, (column.present?.count ?? batch.count) == batch.count else {
                throw ArrowWriteError(
                    "\(column.values.count) values and \(column.present?.count ?? batch.count) presence flags "
                        + "for \(batch.count) rows", column: field.name)
            }
            try checkKind(column, field)
        }
        if batch.columns.count > fields.count {
            throw ArrowWriteError("not in the stream's schema", column: batch.columns[fields.count].name)
        }
    }

    private static func checkKind(_ column: ColumnarColumn, _ field: StreamField) throws(ArrowWriteError) {
        let matches: Bool
        switch (field.type, column.values) {
        case (.timestamp, .timestamps), (.int64, .int64), (.int8, .int8), (.float64, .float64), (.bool, .bool):
            matches = true
        case (.decimal(let scale), .decimals(_, let given)), (.decimal(let scale), .wideDecimals(_, let given)):
            matches = scale == given
        case (.utf8, .strings), (.dictionary, .strings): matches = true
        case (.utf8, .dictionary(let indices, let values)), (.dictionary, .dictionary(let indices, let values)):
            try checkIndices(indices, dictionary: values.count, present: column.present, column: field.name)
            matches = true
        case (.levels(let priceScale, let sizeScale), .levels(let levels)):
            matches = priceScale == levels.priceScale && sizeScale == levels.sizeScale
            if matches { try checkLevels(levels, column: field.name) }
        default: matches = false
        }
        guard matches else {
            throw ArrowWriteError(
                "the stream's schema has \(field.type.kindName), the batch \(column.values.kindName)",
                column: field.name)
        }
        if case .strings(let strings) = column.values, strings.bytes.count > Int(Int32.max) {
            throw ArrowWriteError("more text than Arrow's 32-bit offsets reach", column: field.name)
        }
    }

    /// Every row with a value has an index into its dictionary (rows without one may hold any).
    private static func checkIndices(
        _ indices: [Int32], dictionary: Int, present: [Bool]?, column: String
    ) throws(ArrowWriteError) {
        let limit = UInt32(truncatingIfNeeded: dictionary)
        var bad = -1
        indices.withUnsafeBufferPointer { indices in
            if let present {
                present.withUnsafeBufferPointer { present in
                    for row in indices.indices where present[row] && UInt32(bitPattern: indices[row]) >= limit {
                        bad = row
                        return
                    }
                }
            } else {
                for row in indices.indices where UInt32(bitPattern: indices[row]) >= limit {
                    bad = row
                    return
                }
            }
        }
        if bad >= 0 {
            throw ArrowWriteError(
                "row \(bad)'s dictionary index \(indices[bad]) is outside its \(dictionary) values", column: column)
        }
    }

    /// The levels' offsets start at 0, never decrease, and end at the number of prices and sizes.
    private static func checkLevels(_ levels: BookLevels, column: String) throws(ArrowWriteError) {
        guard levels.prices.count == levels.sizes.count, levels.offsets.first == 0,
            Int(levels.offsets.last ?? 0) == levels.prices.count
        else {
            throw ArrowWriteError(
                "levels offsets end at \(levels.offsets.last ?? 0) for \(levels.prices.count) prices and "
                    + "\(levels.sizes.count) sizes", column: column)
        }
        let ordered = levels.offsets.withUnsafeBufferPointer { offsets in
            var ordered = true
            for index in 1..<offsets.count { ordered = ordered && offsets[index - 1] <= offsets[index] }
            return ordered
        }
        guard ordered else { throw ArrowWriteError("levels offsets decrease", column: column) }
    }

    // MARK: Dictionaries

    /// Adds `column`'s values to the stream's dictionary, leaving in `scratch` either each row's
    /// index into it (a column given as `.strings`) or the map from the column's own dictionary
    /// to it (`.dictionary`).
    private static func encode(
        _ column: ColumnarColumn, count: Int, memo: inout DictionaryMemo, into scratch: inout [Int32]
    ) {
        scratch.removeAll(keepingCapacity: true)
        switch column.values {
        case .dictionary(_, let values):
            scratch.reserveCapacity(values.count)
            lookUp(values, rows: 0..<values.count, present: nil, memo: &memo, into: &scratch)
        case .strings(let strings):
            scratch.reserveCapacity(count)
            lookUp(strings, rows: 0..<count, present: column.present, memo: &memo, into: &scratch)
        default:
            preconditionFailure("a dictionary field takes strings; validate checked")
        }
        // A row without a value points at index 0: there must be one.
        if column.absentCount > 0 && memo.count == 0 {
            _ = memo.index(of: UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// The stream's index of each of `strings` in `rows` (0 for a row without a value).
    private static func lookUp(
        _ strings: StringColumn, rows: Range<Int>, present: [Bool]?, memo: inout DictionaryMemo,
        into scratch: inout [Int32]
    ) {
        strings.bytes.withUnsafeBytes { bytes in
            strings.offsets.withUnsafeBufferPointer { offsets in
                for row in rows {
                    if let present, !present[row] {
                        scratch.append(0)
                        continue
                    }
                    let text = UnsafeRawBufferPointer(rebasing: bytes[Int(offsets[row])..<Int(offsets[row + 1])])
                    scratch.append(memo.index(of: text))
                }
            }
        }
    }

    /// Sends dictionary `id`'s values not sent yet (a delta), or all of them (the first time, or
    /// replacing the dictionary sent before).
    private mutating func writeDictionaryBatch(id: Int, to output: inout some ByteSink) {
        let memo = memos[id]
        let isDelta = memo.sentOnce && dictionaryUpdates == .deltas
        let first = isDelta ? memo.sent : 0
        let values = memo.values
        let count = values.count - first
        let byteStart = Int(values.offsets[first])
        let byteCount = Int(values.offsets[values.count]) - byteStart

        body.reset()
        body.node(count, nulls: 0)
        body.skipBuffer()  // validity
        body.plan(4 * (count + 1))
        body.plan(byteCount)

        builder.reset()
        let data = ArrowFlatBuffers.recordBatch(
            length: count, nodes: body.nodes, bufferLengths: body.lengths, builder: &builder)
        let header = ArrowFlatBuffers.dictionaryBatch(id: id, data: data, isDelta: isDelta, builder: &builder)
        let message = ArrowFlatBuffers.message(
            header: header, tag: ArrowFlatBuffers.HeaderTag.dictionaryBatch, bodyLength: body.bodyLength,
            builder: &builder)
        appendMessage(message, bodyLength: body.bodyLength, to: &output)

        let bodyStart = output.count
        values.offsets.withUnsafeBufferPointer { offsets in
            BodyLayout.fill(&output, length: 4 * (count + 1)) { out in
                let base = offsets[first]
                for index in 0...count {
                    out.storeBytes(
                        of: (offsets[first + index] - base).littleEndian, toByteOffset: 4 * index, as: Int32.self)
                }
            }
        }
        values.bytes.withUnsafeBytes {
            BodyLayout.copy(&output, UnsafeRawBufferPointer(rebasing: $0[byteStart..<(byteStart + byteCount)]))
        }
        precondition(output.count - bodyStart == body.bodyLength, "the dictionary body is as planned")

        memos[id].sent = values.count
        memos[id].sentOnce = true
    }

    // MARK: Record batches

    private mutating func writeRecordBatch(
        _ batch: ColumnarBatch, fields: [StreamField], to output: inout some ByteSink
    ) {
        var body = self.body
        self.body = BodyLayout()
        body.reset()
        for (position, field) in fields.enumerated() {
            Self.emit(batch.columns[position], field: field, scratch: scratch[position], body: &body, output: &output)
        }
        builder.reset()
        let header = ArrowFlatBuffers.recordBatch(
            length: batch.count, nodes: body.nodes, bufferLengths: body.lengths, builder: &builder)
        let message = ArrowFlatBuffers.message(
            header: header, tag: ArrowFlatBuffers.HeaderTag.recordBatch, bodyLength: body.bodyLength, builder: &builder)
        appendMessage(message, bodyLength: body.bodyLength, to: &output)

        let bodyStart = output.count
        body.writing = true
        for (position, field) in fields.enumerated() {
            Self.emit(batch.columns[position], field: field, scratch: scratch[position], body: &body, output: &output)
        }
        precondition(output.count - bodyStart == body.bodyLength, "the record batch body is as planned")
        self.body = body
    }

    /// Plans (`body.writing` false) or writes (true) one column's nodes and buffers, in Arrow's
    /// depth-first order: the same code both times, so the metadata describes what is written.
    private static func emit(
        _ column: ColumnarColumn, field: StreamField, scratch: [Int32], body: inout BodyLayout,
        output: inout some ByteSink
    ) {
        let count = column.values.count
        let nulls = column.absentCount
        body.node(count, nulls: nulls)
        if nulls > 0, let present = column.present {
            body.buffer((count + 7) / 8, &output) { out in
                present.withUnsafeBufferPointer { packBits($0, into: out) }
            }
        } else {
            body.skipBuffer()
        }
        switch (field.type, column.values) {
        case (.timestamp, .timestamps(let values)), (.int64, .int64(let values)):
            values.withUnsafeBytes { body.copy($0, &output) }
        case (.int8, .int8(let values)):
            values.withUnsafeBytes { body.copy($0, &output) }
        case (.float64, .float64(let values)):
            values.withUnsafeBytes { body.copy($0, &output) }
        case (.decimal, .decimals(let mantissas, _)):
            emitDecimals(mantissas, body: &body, output: &output)
        case (.decimal, .wideDecimals(let mantissas, _)):
            // Int128 is 16 bytes, two's complement, little-endian: Arrow's decimal128 as it is.
            mantissas.withUnsafeBytes { body.copy($0, &output) }
        case (.bool, .bool(let values)):
            body.buffer((count + 7) / 8, &output) { out in values.withUnsafeBufferPointer { packBits($0, into: out) } }
        case (.utf8, .strings(let strings)):
            strings.offsets.withUnsafeBytes { body.copy($0, &output) }
            strings.bytes.withUnsafeBytes { body.copy($0, &output) }
        case (.utf8, .dictionary(let indices, let values)):
            emitExpanded(indices, values, body: &body, output: &output)
        case (.dictionary, .strings):
            scratch.withUnsafeBytes { body.copy($0, &output) }
        case (.dictionary, .dictionary(let indices, _)):
            body.buffer(4 * count, &output) { out in
                scratch.withUnsafeBufferPointer { map in
                    indices.withUnsafeBufferPointer { indices in
                        let limit = UInt32(truncatingIfNeeded: map.count)
                        for row in 0..<indices.count {
                            let index = indices[row]
                            // Rows without a value may hold any index: 0 then.
                            let mapped = UInt32(bitPattern: index) < limit ? map[Int(index)] : 0
                            out.storeBytes(of: mapped.littleEndian, toByteOffset: 4 * row, as: Int32.self)
                        }
                    }
                }
            }
        case (.levels, .levels(let levels)):
            levels.offsets.withUnsafeBytes { body.copy($0, &output) }
            body.node(levels.prices.count, nulls: 0)  // the struct
            body.skipBuffer()
            body.node(levels.prices.count, nulls: 0)  // price
            body.skipBuffer()
            emitDecimals(levels.prices, body: &body, output: &output)
            body.node(levels.sizes.count, nulls: 0)  // size
            body.skipBuffer()
            emitDecimals(levels.sizes, body: &body, output: &output)
        default:
            preconditionFailure("validate checked the column's kind")
        }
    }

    /// Each mantissa as a 16-byte little-endian two's complement integer.
    private static func emitDecimals(_ mantissas: [Int64], body: inout BodyLayout, output: inout some ByteSink) {
        body.buffer(16 * mantissas.count, &output) { out in
            mantissas.withUnsafeBufferPointer { mantissas in
                for index in 0..<mantissas.count {
                    let value = mantissas[index]
                    out.storeBytes(
                        of: UInt64(bitPattern: value).littleEndian, toByteOffset: 16 * index, as: UInt64.self)
                    out.storeBytes(
                        of: UInt64(bitPattern: value >> 63).littleEndian, toByteOffset: 16 * index + 8, as: UInt64.self)
                }
            }
        }
    }

    /// A dictionary column written as text: offsets and bytes of each row's value.
    private static func emitExpanded(
        _ indices: [Int32], _ values: StringColumn, body: inout BodyLayout, output: inout some ByteSink
    ) {
        values.offsets.withUnsafeBufferPointer { offsets in
            let limit = UInt32(truncatingIfNeeded: values.count)
            // Rows without a value may hold any index: an empty string then.
            @inline(__always) func range(_ index: Int32) -> Range<Int> {
                UInt32(bitPattern: index) < limit ? Int(offsets[Int(index)])..<Int(offsets[Int(index) + 1]) : 0..<0
            }
            var total = 0
            for index in indices { total += range(index).count }
            body.buffer(4 * (indices.count + 1), &output) { out in
                var end: Int32 = 0
                out.storeBytes(of: 0, toByteOffset: 0, as: Int32.self)
                for row in 0..<indices.count {
                    end += Int32(truncatingIfNeeded: range(indices[row]).count)
                    out.storeBytes(of: end.littleEndian, toByteOffset: 4 * (row + 1), as: Int32.self)
                }
            }
            body.buffer(total, &output) { out in
                values.bytes.withUnsafeBytes { bytes in
                    var at = 0
                    for index in indices {
                        let source = range(index)
                        guard !source.isEmpty else { continue }
                        (out.baseAddress! + at).copyMemory(
                            from: bytes.baseAddress! + source.lowerBound, byteCount: source.count)
                        at += source.count
                    }
                }
            }
        }
    }

    /// Packs `bits` into bytes, least significant bit first.
    private static func packBits(_ bits: UnsafeBufferPointer<Bool>, into out: UnsafeMutableRawBufferPointer) {
        let whole = bits.count / 8
        for byte in 0..<whole {
            var packed: UInt8 = 0
            for bit in 0..<8 where bits[8 * byte + bit] { packed |= 1 << bit }
            out[byte] = packed
        }
        if whole * 8 < bits.count {
            var packed: UInt8 = 0
            for bit in 0..<(bits.count - whole * 8) where bits[8 * whole + bit] { packed |= 1 << bit }
            out[whole] = packed
        }
    }

    // MARK: Framing

    /// `0xFFFFFFFF`, the metadata's length, the metadata padded so the body starts 8-aligned.
    private mutating func appendMessage(
        _ message: FlatBufferBuilder.Offset, bodyLength: Int, to output: inout some ByteSink
    ) {
        let metadata = builder.finish(root: message)
        let metadataLength = padded(8 + metadata.count) - 8
        output.reserve(additional: 8 + metadataLength + bodyLength)
        withUnsafeBytes(of: (UInt32.max, Int32(metadataLength).littleEndian)) { output.append(bytes: $0) }
        metadata.withUnsafeBytes { output.append(bytes: $0) }
        output.append(zeros: metadataLength - metadata.count)
    }
}

/// A message body's nodes and buffers: planned first (lengths, for the metadata), then written.
struct BodyLayout: Sendable {
    var nodes: [(length: Int, nulls: Int)] = []
    var lengths: [Int] = []
    var bodyLength = 0
    /// Whether buffers are written to the output (else only planned).
    var writing = false

    mutating func reset() {
        nodes.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        bodyLength = 0
        writing = false
    }

    mutating func node(_ length: Int, nulls: Int) {
        if !writing { nodes.append((length, nulls)) }
    }

    /// An absent buffer (no validity bitmap when every value is present).
    mutating func skipBuffer() {
        if !writing { lengths.append(0) }
    }

    mutating func plan(_ length: Int) {
        lengths.append(length)
        bodyLength += padded(length)
    }

    /// A buffer of `length` bytes that `fill` writes.
    mutating func buffer(_ length: Int, _ output: inout some ByteSink, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        if writing { Self.fill(&output, length: length, fill) } else { plan(length) }
    }

    /// A buffer copied from `bytes`.
    mutating func copy(_ bytes: UnsafeRawBufferPointer, _ output: inout some ByteSink) {
        if writing { Self.copy(&output, bytes) } else { plan(bytes.count) }
    }

    static func fill(_ output: inout some ByteSink, length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        output.append(count: length, fill)
        output.append(zeros: padded(length) - length)
    }

    static func copy(_ output: inout some ByteSink, _ bytes: UnsafeRawBufferPointer) {
        output.append(bytes: bytes)
        output.append(zeros: padded(bytes.count) - bytes.count)
    }
}
