public import Strata
public import StrataLineProtocol

/// The ILP write path shared by every transport: parse a whole body, map it to rows, validate
/// every row of every table, then append per table. A bad line anywhere stores nothing.
///
/// ```swift
/// let ingest = ILPIngest(store: store, metrics: metrics, maxLineBytes: 1 << 20)
/// let summary = try await ingest.write(body, precision: .nanoseconds, now: WallClock.now().nanoseconds, protocol: "http")
/// ```
public struct ILPIngest: Sendable {
    public let store: StrataStore
    let metrics: ServerMetrics
    let maxLineBytes: Int
    let mapping = LineMapping()

    public init(store: StrataStore, metrics: ServerMetrics, maxLineBytes: Int) {
        self.store = store
        self.metrics = metrics
        self.maxLineBytes = maxLineBytes
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
        let configuration = LineProtocol.Configuration(
            precision: precision, dialect: .questDB, maxLineLength: maxLineBytes)
        let rows: LineMapping.Rows
        do {
            let batch = try LineProtocol.parse(body, defaultTimestamp: now, configuration: configuration)
            rows = try mapping.rows(batch)
        } catch let error as LineProtocolError {
            metrics.rejected(table: "unknown", protocol: name, rows: 1)
            let status = error.code == .bodyTooLarge || error.code == .lineTooLong ? 413 : 400
            var message = error.message
            if error.code == .lineTooLong { message += " (ilp.maxLineBytes = \(maxLineBytes))" }
            throw WriteError(
                code: error.code.name, message: message, line: error.line > 0 ? error.line : nil, status: status)
        } catch let error as WriteError {
            metrics.rejected(table: "unknown", protocol: name, rows: 1)
            throw error
        } catch {
            throw WriteError(code: "internal", message: "\(error)", status: 500)
        }
        do {
            let window = store.configuration.validation.timestampWindow()
            try validate(rows.trades, lines: rows.tradeLines, window: window)
            try validate(rows.aggregatedTrades, lines: rows.aggregatedTradeLines, window: window)
            try validate(rows.quotes, lines: rows.quoteLines, window: window)
        } catch {
            metrics.rejected(table: "trades", protocol: name, rows: rows.trades.count)
            metrics.rejected(table: "aggtrades", protocol: name, rows: rows.aggregatedTrades.count)
            metrics.rejected(table: "quotes", protocol: name, rows: rows.quotes.count)
            throw error
        }
        var summary = Summary()
        try await append(rows.trades, to: store.trades, protocol: name, summary: &summary)
        try await append(rows.aggregatedTrades, to: store.aggregatedTrades, protocol: name, summary: &summary)
        try await append(rows.quotes, to: store.quotes, protocol: name, summary: &summary)
        return summary
    }

    private func validate<R: EngineRecord>(_ rows: [R], lines: [Int], window: ClosedRange<Timestamp>)
        throws(WriteError)
    {
        guard !rows.isEmpty else { return }
        do {
            try R.validate(rows, with: store.configuration.validation, window: window)
        } catch let error as ValidationError {
            let line = error.index.flatMap { $0 < lines.count ? lines[$0] : nil }
            var detail = error
            detail.index = nil
            throw WriteError(code: "validation", message: detail.description, line: line)
        } catch {
            throw WriteError(code: "validation", message: "\(error)")
        }
    }

    private func append<R: EngineRecord>(
        _ rows: [R], to table: StrataTable<R>, protocol name: String, summary: inout Summary
    ) async throws(WriteError) {
        guard !rows.isEmpty else { return }
        do {
            let report = try await table.append(rows)
            summary.stored += report.stored
            summary.duplicates += report.duplicates
            metrics.ingested(table: table.name, protocol: name, stored: report.stored, duplicates: report.duplicates)
        } catch let error as ValidationError {
            throw WriteError(code: "validation", message: error.description)
        } catch {
            // The store is closed, the WAL failed or the disk is full: worth a retry later.
            throw WriteError(code: "unavailable", message: "\(table.name): \(error)", status: 503)
        }
    }
}
