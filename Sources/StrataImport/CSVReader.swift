public import StrataCore

/// Reads a CSV file into batches of records and rejections, fast.
///
/// The file is read in large chunks (4 MiB by default) with POSIX `read`; lines are split in
/// place and fields are parsed from their UTF-8 bytes (exact decimals, no floating point, no
/// per-field strings). Each data row becomes either a record or a ``CSVRejection`` with its
/// 1-based line number, the raw line and the reason; a rejection never stops the reader.
///
/// - The first non-blank line is a header if the format says it is one
///   (``CSVRecordFormat/isHeader(_:)``): its names are mapped onto the format's table
///   (``CSVHeader``, ``CSVRecordFormat/arrange(_:)``), and a header that does not fit is a
///   ``CSVHeaderError`` for the whole input. ``headerLine`` and ``header`` tell what was found;
///   ``readHeader()`` reads it up front (``nextBatch(maxRows:)`` does otherwise).
/// - Blank lines are skipped and counted in line numbers, not as rows.
/// - Records are validated with ``rules`` as the store would, so that one bad row is quarantined
///   instead of failing the whole batch it arrives in.
///
/// ```swift
/// let reader = try CSVReader(path: "trades.csv", format: TradeCSVFormat())
/// while let batch = try reader.nextBatch(maxRows: 10_000) {
///     try await store.trades.append(batch.records)
///     for rejection in batch.rejections { print(rejection.line, rejection.reason) }
/// }
/// ```
///
/// A reader is a single-owner object: use it from one task at a time.
public final class CSVReader<Format: CSVRecordFormat> {
    /// The input's name: the path given, or `<text>`.
    public let source: String
    /// The rules records are validated with.
    public let rules: ValidationRules
    /// The line number of the header, if one was detected.
    public private(set) var headerLine: Int?
    /// The header, if one was detected.
    public private(set) var header: CSVHeader?
    /// Data rows read so far (records and rejections; not the header or blank lines).
    public private(set) var rowsRead = 0

    var format: Format
    private let lines: CSVLineSource
    private let splitter = CSVFieldSplitter()
    private var sawFirstLine = false
    /// For each field the format decodes, the input field holding it (from the header); `nil`:
    /// rows go to the format as they are.
    private var order: [Int]?
    /// Why the header was refused: every later read throws it again.
    private var headerFailure: CSVHeaderError?

    /// Opens a CSV file.
    /// - Parameters:
    ///   - path: the file; `-` reads standard input.
    ///   - format: the layout.
    ///   - rules: the validation rules records must pass (use the store's).
    ///   - chunkSize: bytes per `read`.
    /// - Throws: ``StrataError`` (`.io`) if the file cannot be opened or is a directory.
    public init(path: String, format: Format, rules: ValidationRules = .standard, chunkSize: Int = 4 << 20) throws {
        source = path
        self.format = format
        self.rules = rules
        lines = try CSVLineSource(path: path, chunkSize: chunkSize)
    }

    /// A reader over CSV text in memory.
    /// - Parameters:
    ///   - text: the CSV content.
    ///   - format: the layout.
    ///   - rules: the validation rules records must pass.
    public init(text: String, format: Format, rules: ValidationRules = .standard) {
        source = "<text>"
        self.format = format
        self.rules = rules
        lines = CSVLineSource(text: text)
    }

    /// Bytes consumed from the input so far.
    public var bytesRead: Int64 { lines.bytesRead }

    /// The input's size in bytes when it is a regular file.
    public var totalBytes: Int64? { lines.totalBytes }

    /// Reads the first non-blank line and, if it is a header, maps it onto the format's table
    /// (a data line is left for ``nextBatch(maxRows:)``). Calling it again does nothing (or
    /// throws the same error again).
    /// - Returns: the header, or `nil` if the input has none.
    /// - Throws: ``CSVHeaderError`` if the header does not fit the table, or the format needs one
    ///   and the input has none; ``StrataError`` (`.io`) if reading fails.
    @discardableResult
    public func readHeader() throws -> CSVHeader? {
        if let headerFailure { throw headerFailure }
        guard !sawFirstLine else { return header }
        while let line = try lines.nextLine() {
            if line.isEmpty || isBlank(line) { continue }
            sawFirstLine = true
            let row = CSVRow(bytes: line, bounds: splitter.split(line), lineNumber: lines.lineNumber)
            do throws(CSVHeaderError) {
                guard format.isHeader(row) else {
                    if format.requiresHeader {
                        throw .noHeader(table: format.schema.name, expected: format.columnNames)
                    }
                    lines.unread()
                    return nil
                }
                let header = try CSVHeader(row, schema: format.schema)
                order = try format.arrange(header)
                self.header = header
                headerLine = lines.lineNumber
                return header
            } catch {
                headerFailure = error
                throw error
            }
        }
        sawFirstLine = true
        return nil
    }

    /// Reads up to `maxRows` data rows.
    /// - Parameter maxRows: the most rows (records plus rejections) to return.
    /// - Returns: the batch, or `nil` at the end of the input.
    /// - Throws: ``StrataError`` (`.io`) if reading fails; ``CSVHeaderError`` for a header that
    ///   does not fit (see ``readHeader()``). Bad rows never throw.
    public func nextBatch(maxRows: Int = 10_000) throws -> CSVBatch<Format.Record>? {
        if !sawFirstLine || headerFailure != nil { try readHeader() }
        var batch = CSVBatch<Format.Record>()
        batch.records.reserveCapacity(maxRows)
        batch.lineNumbers.reserveCapacity(maxRows)
        let window = rules.timestampWindow()
        let rules = rules
        let lines = lines
        let splitter = splitter
        // Work on a local copy of the format (its symbol cache), written back at the end, so that
        // the loop does not go through the class's storage (exclusivity checks, retains) per row.
        var format = format
        defer { self.format = format }
        let order = order
        var rows = 0
        while rows < maxRows, let line = try lines.nextLine() {
            if line.isEmpty || isBlank(line) { continue }
            let lineNumber = lines.lineNumber
            var row = CSVRow(bytes: line, bounds: splitter.split(line), lineNumber: lineNumber)
            rows += 1
            let failure: ValidationError
            do {
                if _slowPath(order != nil), let order {
                    guard row.count == order.count else {
                        throw ValidationError(
                            field: "columns", value: String(row.count), rule: .malformed,
                            detail: "expected \(order.count) columns, as in the header")
                    }
                    row = CSVRow(bytes: line, bounds: splitter.arrange(row.bounds, order), lineNumber: lineNumber)
                }
                let record = try format.decode(row)
                try format.validate(record, rules: rules, window: window)
                batch.records.append(record)
                batch.lineNumbers.append(lineNumber)
                continue
            } catch let error as ValidationError {
                failure = error
            } catch {
                failure = ValidationError(field: "row", value: row.raw, rule: .malformed, detail: "\(error)")
            }
            batch.rejections.append(CSVRejection(line: lineNumber, raw: row.raw, error: failure))
        }
        rowsRead += rows
        batch.bytesRead = lines.bytesRead
        return rows == 0 ? nil : batch
    }

    /// Reads the rest of the input into one batch (for small files and tests).
    /// - Returns: every remaining record and rejection.
    /// - Throws: ``StrataError`` (`.io`) if reading fails.
    public func readAll() throws -> CSVBatch<Format.Record> {
        var all = CSVBatch<Format.Record>()
        while let batch = try nextBatch(maxRows: 65_536) {
            all.records += batch.records
            all.lineNumbers += batch.lineNumbers
            all.rejections += batch.rejections
        }
        all.bytesRead = lines.bytesRead
        return all
    }

    private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 { return false }
        return true
    }
}
