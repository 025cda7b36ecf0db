public import NIOCore
public import Strata
public import StrataLineProtocol

/// The ILP write path shared by every transport: parse, map lines to rows of their tables'
/// lanes and check each once (``LineMapping``), append per table. Over HTTP (``write(_:precision:now:protocol:)``) a bad line
/// anywhere stores nothing; over TCP (``ILPTCPService``) the lines before a bad one are stored.
///
/// ```swift
/// let ingest = ILPIngest(store: store, metrics: metrics, maxLineBytes: 1 << 20)
/// let summary = try await ingest.write(body, precision: .nanoseconds, now: WallClock.now().nanoseconds, protocol: "http")
/// ```
public struct ILPIngest: Sendable {
    public let store: StrataStore
    let metrics: ServerMetrics
    let maxLineBytes: Int
    let mapping: LineMapping
    /// Where refused lines are kept (the tables' quarantines).
    let refused: RefusedLines
    /// The tiers, for the tables whose writes wait for sync tiers (``ServerTiers/awaitSync(table:)``).
    let tiers: ServerTiers?

    /// - Parameter measurements: measurements declared in the configuration (`ilp.measurements`).
    public init(
        store: StrataStore, metrics: ServerMetrics, maxLineBytes: Int, measurements: [DeclaredMeasurement] = [],
        tiers: ServerTiers? = nil
    ) {
        self.store = store
        self.tiers = tiers
        self.metrics = metrics
        self.maxLineBytes = maxLineBytes
        mapping = LineMapping(tables: store.ingestTables, declared: measurements)
        refused = RefusedLines(dataDirectory: store.directory, mapping: mapping)
    }

    /// What a write stored.
    public struct Summary: Sendable, Hashable {
        public var stored = 0
        public var duplicates = 0
    }

    /// Stores every line of `body`, or nothing.
    ///
    /// Atomicity: every line is parsed, mapped and validated before the first append, so bad input
    /// never stores part of a request. Each table's append is atomic; a request that spans tables
    /// and hits an I/O failure between two tables' appends (503) may have stored the first
    /// tables' rows: retrying is safe for trades and aggregated trades (deduplicated by id).
    /// - Parameters:
    ///   - body: the (decompressed) request body.
    ///   - precision: unit of the lines' timestamps.
    ///   - now: nanoseconds since the epoch for lines without a timestamp.
    ///   - protocol: the transport's name in metrics (`http`).
    /// - Throws: ``WriteError``: 400 for a bad line (with its number), 413 for a line over the
    ///   limit, 503 when the store cannot take writes now.
    @discardableResult
    public func write(
        _ body: [UInt8], precision: LineProtocol.Precision, now: Int64, protocol name: String
    ) async throws(WriteError) -> Summary {
        try await write(body.withUnsafeBytes { parse($0, precision: precision, now: now) }, protocol: name)
    }

    /// ``write(_:precision:now:protocol:)`` for a request body as received: parsed in place from
    /// the buffer's readable bytes, never copied.
    @discardableResult
    public func write(
        _ body: ByteBuffer, precision: LineProtocol.Precision, now: Int64, protocol name: String
    ) async throws(WriteError) -> Summary {
        try await write(body.withUnsafeReadableBytes { parse($0, precision: precision, now: now) }, protocol: name)
    }

    private func parse(
        _ bytes: UnsafeRawBufferPointer, precision: LineProtocol.Precision, now: Int64
    ) -> Result<LineProtocol.Batch, LineProtocolError> {
        Result { () throws(LineProtocolError) in
            try LineProtocol.parse(bytes, defaultTimestamp: now, configuration: parserConfiguration(precision))
        }
    }

    private func write(
        _ parsed: Result<LineProtocol.Batch, LineProtocolError>, protocol name: String
    ) async throws(WriteError) -> Summary {
        let batch: LineProtocol.Batch
        switch parsed {
        case .success(let parsed):
            batch = parsed
        case .failure(let error):
            metrics.rejected(table: "unknown", protocol: name, rows: 1)
            throw WriteError(parsing: error, maxLineBytes: maxLineBytes)
        }
        var rows = LineMapping.Rows()
        if let failure = mapping.map(batch, into: &rows) {
            metrics.rejected(table: failure.table, protocol: name, rows: 1)
            var error = failure.error
            if failure.table != "unknown" { error.table = failure.table }
            throw error
        }
        return try store(rows, protocol: name)
    }

    /// What ``replay(_:precision:now:)`` did: the lines still refused, by index, with why, and
    /// what the others stored.
    public struct Replayed: Sendable {
        public var refused: [Int: String] = [:]
        public var summary = Summary()
    }

    /// Stores each of `lines` that parses, maps and validates, and says why each other one does
    /// not (`strata quarantine replay` of lines the server quarantined): unlike a request, a
    /// bad line does not stop the rest.
    /// - Throws: ``WriteError`` 503 when the store cannot take writes now (nothing is stored).
    public func replay(_ lines: [String], precision: LineProtocol.Precision, now: Int64) throws(WriteError) -> Replayed
    {
        var replayed = Replayed()
        var rows = LineMapping.Rows()
        for (index, line) in lines.enumerated() {
            let parsed = Array(line.utf8).withUnsafeBytes { parse($0, precision: precision, now: now) }
            switch parsed {
            case .failure(let error):
                replayed.refused[index] = WriteError(parsing: error, maxLineBytes: maxLineBytes).message
            case .success(let batch) where batch.isEmpty:
                replayed.refused[index] = "the line is empty"
            case .success(let batch):
                if let failure = mapping.map(batch, into: &rows) { replayed.refused[index] = failure.error.message }
            }
        }
        replayed.summary = try store(rows, protocol: "replay")
        return replayed
    }

    /// The parser settings of every transport: QuestDB's dialect, the configured line limit.
    func parserConfiguration(_ precision: LineProtocol.Precision) -> LineProtocol.Configuration {
        LineProtocol.Configuration(precision: precision, dialect: .questDB, maxLineLength: maxLineBytes)
    }

    /// The rows of a stretch of a stream (TCP) up to its first bad line, and that line's error
    /// and table, if it has one.
    struct MappedStream: Sendable {
        var rows = LineMapping.Rows()
        var failure: (error: WriteError, table: String, text: String)?
    }

    /// Maps and validates the points of a stretch of a stream (on a thread pool), up to its
    /// first bad line; ``store(_:protocol:)`` then appends the rows.
    func mapStream(_ batches: [LineProtocol.Batch]) -> MappedStream {
        var result = MappedStream()
        for batch in batches {
            result.failure = streamRows(batch, into: &result.rows)
            if result.failure != nil { break }
        }
        return result
    }

    /// Maps the points of one read of a stream (TCP) into `rows`, after the rows already there,
    /// each checked as it is mapped. At the first point that does not map or breaks a rule, the
    /// rows before it stay (they are to be stored) and its error is returned with its table
    /// (`unknown` when it did not map), counted as rejected.
    func streamRows(_ batch: LineProtocol.Batch, into rows: inout LineMapping.Rows) -> (
        error: WriteError, table: String, text: String
    )? {
        let failure = mapping.map(batch, into: &rows)
        if let failure { metrics.rejected(table: failure.table, protocol: "tcp", rows: 1) }
        return failure
    }

    /// Appends validated rows, table by table (each table's append is atomic). Blocks the
    /// calling thread for the engine's work (a WAL write and, by policy, an fsync): HTTP calls it
    /// from its request task, TCP from its thread pool, never from an event loop.
    /// - Throws: ``WriteError`` 503 when the store cannot take writes now.
    @discardableResult
    func store(_ rows: LineMapping.Rows, protocol name: String) throws(WriteError) -> Summary {
        var summary = Summary()
        for table in rows.nonEmpty {
            // Checked as each line was mapped (``LaneRows/commitRow()``): appended as they are.
            try record(table: table.table.name, protocol: name, summary: &summary) { try table.table.append(table) }
            try tiers?.awaitSync(table: table.table.name)
        }
        return summary
    }

    /// Runs one table's append, counting what it stored; its errors become write errors.
    private func record(
        table: String, protocol name: String, summary: inout Summary, _ append: () throws -> AppendReport
    ) throws(WriteError) {
        do {
            let report = try append()
            summary.stored += report.stored
            summary.duplicates += report.duplicates
            metrics.ingested(table: table, protocol: name, stored: report.stored, duplicates: report.duplicates)
        } catch let error as ValidationError {
            throw WriteError(code: error.rule.rawValue, message: error.description)
        } catch let error as StrataError where error.code == .limitExceeded {
            throw WriteError(code: "limitExceeded", message: error.message)
        } catch {
            // The store is closed, the WAL failed or the disk is full: worth a retry later.
            throw WriteError(code: "unavailable", message: "\(table): \(error)", status: 503)
        }
    }
}

extension WriteError {
    /// A parse error as a write error: 413 for a line over `ilp.maxLineBytes` (named), else 400.
    init(parsing error: LineProtocolError, maxLineBytes: Int) {
        let status = error.code == .bodyTooLarge || error.code == .lineTooLong ? 413 : 400
        var message = error.message
        if error.code == .lineTooLong { message += " (ilp.maxLineBytes = \(maxLineBytes))" }
        self.init(code: error.code.name, message: message, line: error.line > 0 ? error.line : nil, status: status)
    }
}
