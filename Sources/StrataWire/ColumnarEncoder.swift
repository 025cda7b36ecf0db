public import StrataCore

/// The encoder of one columnar answer, Arrow or CSV: what the server's `format=arrow|csv` and
/// `strata query --format arrow|csv` share, so both write the same bytes for the same rows.
///
/// ```swift
/// var encoder = ColumnarEncoder(.arrow, table: "trades")
/// var output: [UInt8] = []
/// while let batch = try pages.next() { try encoder.write(batch, to: &output); send(output); output.removeAll() }
/// encoder.finish(schemaOf: pages.emptyBatch, to: &output)
/// ```
public struct ColumnarEncoder: Sendable {
    /// The two columnar formats.
    public enum Format: String, Sendable, CaseIterable {
        /// An Apache Arrow IPC stream (``ArrowStreamWriter``).
        case arrow
        /// CSV with a header (``ColumnarCSVWriter``).
        case csv

        /// The media type of an answer in this format.
        public var mediaType: String {
            switch self {
            case .arrow: "application/vnd.apache.arrow.stream"
            case .csv: "text/csv; charset=utf-8"
            }
        }
    }

    private var arrow: ArrowStreamWriter?
    private var csv: ColumnarCSVWriter?

    /// - Parameter table: the table read, recorded in an Arrow stream's schema metadata
    ///   (`strata.table`).
    public init(_ format: Format, table: String? = nil) {
        switch format {
        case .arrow:
            // Whole dictionaries, not deltas, when a batch adds values: polars (arrow-rs) reads no delta.
            arrow = ArrowStreamWriter(
                metadata: table.map { [("strata.table", $0)] } ?? [], dictionaryUpdates: .replacements)
        case .csv: csv = ColumnarCSVWriter()
        }
    }

    /// Appends `batch` encoded (after the schema or header, the first time).
    /// - Throws: ``ArrowWriteError`` when a batch's columns differ from the first's.
    public mutating func write(_ batch: ColumnarBatch, to output: inout [UInt8]) throws(ArrowWriteError) {
        if arrow != nil {
            try arrow!.write(batch, to: &output)
        } else {
            csv!.write(batch, to: &output)
        }
    }

    /// Appends the end of the answer: the schema or header of `empty` if no batch was written,
    /// and Arrow's end-of-stream marker.
    public mutating func finish(schemaOf empty: ColumnarBatch, to output: inout [UInt8]) {
        if arrow != nil {
            arrow!.finish(schemaOf: empty, to: &output)
        } else {
            csv!.finish(schemaOf: empty, to: &output)
        }
    }

    /// Appends `batch` encoded to a sink of the caller's (a network buffer): Arrow is written
    /// into it directly; CSV, written line by line, goes through `scratch` first.
    /// - Throws: ``ArrowWriteError`` when a batch's columns differ from the first's.
    public mutating func write(
        _ batch: ColumnarBatch, to output: inout some ByteSink, scratch: inout [UInt8]
    ) throws(ArrowWriteError) {
        if arrow != nil {
            try arrow!.write(batch, to: &output)
        } else {
            scratch.removeAll(keepingCapacity: true)
            csv!.write(batch, to: &scratch)
            scratch.withUnsafeBytes { output.append(bytes: $0) }
        }
    }

    /// ``finish(schemaOf:to:)`` to a sink of the caller's.
    public mutating func finish(schemaOf empty: ColumnarBatch, to output: inout some ByteSink, scratch: inout [UInt8]) {
        if arrow != nil {
            arrow!.finish(schemaOf: empty, to: &output)
        } else {
            scratch.removeAll(keepingCapacity: true)
            csv!.finish(schemaOf: empty, to: &scratch)
            scratch.withUnsafeBytes { output.append(bytes: $0) }
        }
    }
}
