public import Strata

/// Moves a CSV file into a table: parse on one core, append on the other.
///
/// A producer task reads batches with a ``CSVReader`` while the caller's task appends the previous
/// batch to the table, with at most a few batches in flight. Rejected rows go to the
/// ``Quarantine`` with their line numbers and reasons; a row the table itself rejects (its
/// ``ValidationError/index`` names it) is quarantined too and the rest of its batch is appended
/// again, so one bad row never loses its neighbours.
///
/// ```swift
/// let reader = try CSVReader(path: "trades.csv", format: TradeCSVFormat())
/// let report = try await CSVImporter.run(
///     reader: reader, into: store.trades,
///     quarantine: Quarantine(dataDirectory: store.directory, table: "trades"))
/// print(report.stored, report.duplicates, report.rejected)
/// ```
public enum CSVImporter {
    /// How far an import has got, for a progress bar.
    public struct Progress: Sendable {
        /// Data rows read so far.
        public var rows: Int
        /// Input bytes consumed so far.
        public var bytesRead: Int64
        /// The input's size, when known.
        public var totalBytes: Int64?
    }

    /// Imports everything `reader` yields into `table`.
    /// - Parameters:
    ///   - reader: the CSV reader (it moves to the parsing task).
    ///   - table: the destination table.
    ///   - quarantine: where rejected rows go; `nil` only counts them.
    ///   - batchSize: rows per append.
    ///   - keepingRejections: how many rejections the report lists (``CSVImportReport/firstRejections``).
    ///   - progress: called after each appended batch.
    /// - Returns: the counts, the first few rejections, and the time taken.
    /// - Throws: ``CSVHeaderError`` for a header that does not fit the table (nothing is appended);
    ///   ``StrataError`` from reading the file, writing the quarantine or appending (the rows
    ///   appended before the failure stay stored).
    // Pre-specialised for the store's tables: the command calls this from generic code, and an
    // unspecialised parse loop and `StrataTable.append` spend a large share of their time looking up
    // generic metadata. `@_specialize` makes the generic entry dispatch to these copies at run time.
    @_specialize(where Format == TradeCSVFormat, Table == StrataTable<Trade>)
    @_specialize(where Format == AggregatedTradeCSVFormat, Table == StrataTable<AggregatedTrade>)
    @_specialize(where Format == QuoteCSVFormat, Table == StrataTable<Quote>)
    public static func run<Format: CSVRecordFormat, Table: TimeSeriesStore<Format.Record>>(
        reader: sending CSVReader<Format>,
        into table: Table,
        quarantine: Quarantine?,
        batchSize: Int = 10_000,
        keepingRejections: Int = CSVImportReport.keptRejections,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> CSVImportReport {
        try await pump(
            reader: reader, quarantine: quarantine, batchSize: batchSize, keepingRejections: keepingRejections,
            progress: progress
        ) {
            try await table.append($0)
        }
    }

    /// Imports everything `reader` yields into a table by rows (any table: a user-defined one,
    /// with ``SchemaCSVFormat``), as ``run(reader:into:quarantine:batchSize:progress:)-(_,Table,_,_,_)``
    /// does into a typed one.
    /// - Parameters:
    ///   - reader: the CSV reader (it moves to the parsing task).
    ///   - table: the destination table.
    ///   - quarantine: where rejected rows go; `nil` only counts them.
    ///   - batchSize: rows per append.
    ///   - keepingRejections: how many rejections the report lists (``CSVImportReport/firstRejections``).
    ///   - progress: called after each appended batch.
    /// - Returns: the counts, the first few rejections, and the time taken.
    /// - Throws: ``CSVHeaderError`` for a header that does not fit the table (nothing is
    ///   appended); ``StrataError`` from reading the file, writing the quarantine or appending.
    public static func run<Format: CSVRecordFormat>(
        reader: sending CSVReader<Format>,
        into table: DynamicTable,
        quarantine: Quarantine?,
        batchSize: Int = 10_000,
        keepingRejections: Int = CSVImportReport.keptRejections,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> CSVImportReport where Format.Record == Row {
        try await pump(
            reader: reader, quarantine: quarantine, batchSize: batchSize, keepingRejections: keepingRejections,
            progress: progress
        ) {
            try await table.append($0)
        }
    }

    /// The import loop: `append` stores a batch.
    private static func pump<Format: CSVRecordFormat>(
        reader: sending CSVReader<Format>,
        quarantine: Quarantine?,
        batchSize: Int,
        keepingRejections: Int,
        progress: (@Sendable (Progress) -> Void)?,
        append: ([Format.Record]) async throws -> AppendReport
    ) async throws -> CSVImportReport {
        // The header first, here: one that does not fit the table fails the import before anything is stored.
        try reader.readHeader()
        let clock = ContinuousClock()
        let started = clock.now
        let source = reader.source
        let totalBytes = reader.totalBytes
        let format = reader.format
        // How quarantined rows read again: a refused line under the input's header (or the
        // layout's own, without one); a row the table refused as the layout writes it.
        let inputFormat = QuarantineFormat.csv(
            header: reader.header.map { $0.names.map(CSVField.quoted).joined(separator: ",") },
            symbol: format.fixedSymbol?.name)
        let recordFormat = QuarantineFormat.csv(header: reader.format.lineHeader, symbol: nil)
        let channel = BatchChannel<CSVBatch<Format.Record>>(capacity: 3)
        let producer = Task.detached {
            do {
                while let batch = try reader.nextBatch(maxRows: batchSize) {
                    if await !channel.send(batch) { return }
                }
                await channel.finish()
            } catch {
                await channel.finish(throwing: error)
            }
        }
        var report = CSVImportReport(source: source, quarantinePath: quarantine?.path)
        do {
            while let batch = try await channel.next() {
                report.rowsRead += batch.rowCount
                try reject(
                    batch.rejections, into: &report, keeping: keepingRejections, quarantine: quarantine, source: source,
                    format: inputFormat)
                var records = batch.records
                var lines = batch.lineNumbers
                while !records.isEmpty {
                    do {
                        let appended = try await append(records)
                        report.stored += appended.stored
                        report.duplicates += appended.duplicates
                        break
                    } catch var error as ValidationError {
                        guard let index = error.index, records.indices.contains(index) else { throw error }
                        error.index = nil
                        let rejection = CSVRejection(
                            line: lines[index], raw: format.line(for: records[index]), error: error)
                        try reject(
                            [rejection], into: &report, keeping: keepingRejections, quarantine: quarantine,
                            source: source, format: recordFormat)
                        records.remove(at: index)
                        lines.remove(at: index)
                    }
                }
                progress?(Progress(rows: report.rowsRead, bytesRead: batch.bytesRead, totalBytes: totalBytes))
            }
        } catch {
            await channel.cancel()
            _ = await producer.value
            throw error
        }
        _ = await producer.value
        try quarantine?.sync()
        report.elapsed = clock.now - started
        return report
    }

    private static func reject(
        _ rejections: [CSVRejection], into report: inout CSVImportReport, keeping: Int, quarantine: Quarantine?,
        source: String, format: QuarantineFormat
    ) throws {
        guard !rejections.isEmpty else { return }
        report.rejected += rejections.count
        let room = keeping - report.firstRejections.count
        if room > 0 { report.firstRejections += rejections.prefix(room) }
        try quarantine?.add(rejections, source: source, format: format)
    }
}

/// What ``CSVImporter/run(reader:into:quarantine:batchSize:progress:)`` did.
public struct CSVImportReport: Sendable {
    /// How many rejections ``firstRejections`` keeps.
    public static let keptRejections = 5

    /// The input's name.
    public var source: String
    /// Data rows read (header and blank lines excluded): stored + duplicates + rejected.
    public var rowsRead = 0
    /// Rows stored.
    public var stored = 0
    /// Rows not stored because the table already had them (same symbol and dedup key).
    public var duplicates = 0
    /// Rows rejected (and quarantined when a quarantine was given).
    public var rejected = 0
    /// The first few rejections (``keptRejections`` unless the import asked for more), for a summary.
    public var firstRejections: [CSVRejection] = []
    /// The quarantine file, if one was given.
    public var quarantinePath: String?
    /// Wall time of the import.
    public var elapsed: Duration = .zero

    /// An empty report.
    /// - Parameters:
    ///   - source: the input's name.
    ///   - quarantinePath: the quarantine file.
    public init(source: String, quarantinePath: String?) {
        self.source = source
        self.quarantinePath = quarantinePath
    }

    /// Rows read per second of ``elapsed`` (0 if no time passed).
    public var rowsPerSecond: Int {
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        return nanoseconds > 0 ? Int(Int64(rowsRead) * 1_000_000_000 / nanoseconds) : 0
    }
}
