import Logging
import NIOCore
import NIOPosix
import Strata
import StrataLineProtocol

/// Asks a connection to store what it has received and close (graceful shutdown).
struct ILPTCPShutdownEvent: Sendable {}

/// One ILP-over-TCP connection: parses the bytes it reads on the event loop and hands the parsed
/// points in batches to the thread pool, which maps and validates them, then appends them in
/// stream order; with QuestDB's semantics for a bad line.
///
/// The pipeline: the event loop parses batch k+2 while the pool maps batch k+1 and appends
/// batch k (appends are serialised, in order; maps of two batches may overlap). A batch is
/// dispatched when it reaches `batchRows` lines or `batchBytes` bytes, or when a read burst
/// ends. At most `maxBatchesInFlight` batches are on the pool; when they are and the batch
/// being filled is full, the handler withholds `read()`, so the socket's receive buffer fills
/// and TCP flow control slows the client (a slow disk never grows memory).
///
/// A line that does not parse, map or validate, or a line longer than `ilp.maxLineBytes`: the
/// lines before it are stored, the error is logged (connection id, remote address, line number
/// within the connection) and counted, nothing after it is stored, and the connection is closed
/// once the earlier lines are. An unfinished last line when the peer closes is discarded (it
/// may be cut anywhere, even inside its timestamp).
final class ILPTCPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    /// Batches on the pool at once (being mapped, mapped and waiting, or being appended).
    static let maxBatchesInFlight = 2

    private let ingest: ILPIngest
    private let pool: NIOThreadPool
    private let appender: TCPAppender
    private let batchRows: Int
    private let batchBytes: Int
    private let metrics: ServerMetrics
    private let logger: Logger
    private let finished: EventLoopPromise<Void>

    private var parser: LineProtocol.StreamParser
    /// The points of the reads since the last dispatch.
    private var pending: [LineProtocol.Batch] = []
    private var pendingRows = 0
    private var pendingBytes = 0
    /// Sequence numbers: of the next batch dispatched, and of the next to append.
    private var nextBatch = 0
    private var nextAppend = 0
    /// Dispatched batches not yet appended (or dropped).
    private var inFlight = 0
    /// Mapped batches waiting for their turn to be appended, by sequence number.
    private var mapped: [Int: ILPIngest.MappedStream] = [:]
    private var appending = false
    /// Set at the first bad line or failed append: later batches are dropped, not appended.
    private var failed = false
    /// A parse error (or a line over the limit), reported once the lines before it are stored
    /// (a bad line among them would be the one to report).
    private var parseFailure: WriteError?
    /// A `read()` withheld for backpressure or because the connection is ending.
    private var readWithheld = false
    /// No more input will be read: a bad line, a failed append, shutdown or the peer's close.
    private var ending = false
    private var inactive = false
    private var finishedSignalled = false
    private var rowsStored = 0
    private let niceness: Int32
    private var duplicates = 0

    init(
        ingest: ILPIngest, pool: NIOThreadPool, appender: TCPAppender, batchRows: Int, batchBytes: Int,
        niceness: Int32 = IngestPriority.niceness, metrics: ServerMetrics,
        logger: Logger, finished: EventLoopPromise<Void>
    ) {
        self.ingest = ingest
        self.pool = pool
        self.appender = appender
        self.batchRows = batchRows
        self.batchBytes = batchBytes
        self.niceness = niceness
        self.metrics = metrics
        self.logger = logger
        self.finished = finished
        parser = LineProtocol.StreamParser(configuration: ingest.parserConfiguration(.nanoseconds))
    }

    private var pendingIsFull: Bool { pendingRows >= batchRows || pendingBytes >= batchBytes }
    private var canDispatch: Bool { inFlight < Self.maxBatchesInFlight && !pending.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ending else { return }
        let bytes = unwrapInboundIn(data)
        let now = WallClock.now().nanoseconds
        let output = bytes.withUnsafeReadableBytes { parser.consume($0, defaultTimestamp: now) }
        if !output.points.isEmpty {
            pending.append(output.points)
            pendingRows += output.points.count
        }
        pendingBytes += bytes.readableBytes
        if let error = output.error {
            parseFailure = WriteError(parsing: error, maxLineBytes: ingest.maxLineBytes)
            end(context: context)
            return
        }
        if pendingIsFull, canDispatch { dispatch(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if canDispatch { dispatch(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if ending || (pendingIsFull && inFlight >= Self.maxBatchesInFlight) {
            readWithheld = true
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        if parser.bufferedByteCount > 0 {
            logger.notice(
                "ILP/TCP connection closed in the middle of a line: its bytes are discarded",
                metadata: ["bytes": "\(parser.bufferedByteCount)"])
        }
        end(context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ILPTCPShutdownEvent {
            end(context: context)
            return
        }
        // No bytes for ilp.tcp.idleTimeoutMilliseconds. Reads withheld for backpressure are the
        // server's doing, not the client's silence: only an idle, caught-up connection ends.
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, !readWithheld, inFlight == 0 {
            metrics.connectionRefused(protocol: "tcp", reason: "idle")
            logger.info("ILP/TCP connection idle, closing")
            end(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("ILP/TCP connection error", metadata: ["error": "\(error)"])
        end(context: context)
    }

    /// Stops reading, stores what was received (the pending batch), then closes.
    private func end(context: ChannelHandlerContext) {
        ending = true
        if canDispatch { dispatch(context: context) }
        settle(context: context)
    }

    /// Sends the pending batch to the pool to be mapped.
    private func dispatch(context: ChannelHandlerContext) {
        let batches = pending
        let sequence = nextBatch
        metrics.tcpBatch(rows: pendingRows)
        pending = []
        pendingRows = 0
        pendingBytes = 0
        nextBatch += 1
        inFlight += 1
        let ingest = ingest
        let niceness = niceness
        pool.runIfActive(eventLoop: context.eventLoop) {
            IngestPriority.lower(to: niceness)
            return ingest.mapStream(batches)
        }
        .assumeIsolated()
        .whenComplete { result in
            switch result {
            case .success(let stream): self.mapped[sequence] = stream
            // The pool stopped (it stops after the connections): nothing to store.
            case .failure: self.mapped[sequence] = ILPIngest.MappedStream()
            }
            self.appendNext(context: context)
        }
    }

    /// Appends the next batch in stream order once it is mapped and no append is running.
    private func appendNext(context: ChannelHandlerContext) {
        while !appending, let stream = mapped.removeValue(forKey: nextAppend) {
            if failed {
                // After a bad line: what was parsed later is not stored.
                done(context: context)
                continue
            }
            appending = true
            let ingest = ingest
            let rows = stream.rows
            // At normal priority (see StoreExecutor), on the one appender thread (see TCPAppender).
            appender.submit(on: context.eventLoop) {
                try ingest.store(rows, protocol: "tcp")
            }
            .assumeIsolated()
            .whenComplete { result in self.appended(result, stream: stream, context: context) }
        }
    }

    private func appended(
        _ result: Result<ILPIngest.Summary, any Error>, stream: ILPIngest.MappedStream, context: ChannelHandlerContext
    ) {
        appending = false
        switch result {
        case .success(let summary):
            rowsStored += summary.stored
            duplicates += summary.duplicates
            if let failure = stream.failure {
                reportBadLine(failure.error, table: failure.table)
                quarantine(failure, context: context)
                fail()
            }
        case .failure(let error):
            metrics.rejected(table: "unknown", protocol: "tcp", rows: stream.rows.count)
            logger.error(
                "ILP/TCP append failed, closing the connection (the rows of this batch are not stored)",
                metadata: ["rows": "\(stream.rows.count)", "error": "\(error)"])
            fail()
        }
        done(context: context)
        appendNext(context: context)
    }

    /// A dispatched batch is appended or dropped: room for the next one.
    private func done(context: ChannelHandlerContext) {
        inFlight -= 1
        nextAppend += 1
        // What arrived meanwhile goes now: a client that went quiet sees it stored promptly.
        if canDispatch, !failed { dispatch(context: context) }
        if !ending, readWithheld, !(pendingIsFull && inFlight >= Self.maxBatchesInFlight) {
            readWithheld = false
            context.read()
        }
        settle(context: context)
    }

    /// The first bad line or a failed append: nothing after it is stored.
    private func fail() {
        failed = true
        ending = true
        pending = []
        pendingRows = 0
        pendingBytes = 0
        parseFailure = nil
    }

    /// Keeps the bad line in its table's quarantine (``RefusedLines``), on the pool: the write
    /// and its fsync never run on the event loop.
    private func quarantine(
        _ failure: (error: WriteError, table: String, text: String), context: ChannelHandlerContext
    ) {
        let refused = ingest.refused
        let logger = logger
        let source = "tcp connection " + (logger[metadataKey: "connection"].map { "\($0)" } ?? "?")
        _ = pool.runIfActive(eventLoop: context.eventLoop) {
            refused.keep(
                failure.text, line: failure.error.line ?? 0, table: failure.table == "unknown" ? nil : failure.table,
                reason: failure.error.code + ": " + failure.error.message, source: source, precision: .nanoseconds,
                logger: logger)
        }
    }

    private func reportBadLine(_ error: WriteError, table: String) {
        logger.warning(
            "ILP/TCP bad line, closing the connection after storing the lines before it",
            metadata: [
                "line": "\(error.line.map(String.init) ?? "?")", "code": "\(error.code)", "error": "\(error.message)",
                "table": "\(table)",
            ])
    }

    /// Once ending and nothing is left to store: reports a parse error, closes, and signals the
    /// end of the connection when the channel is inactive.
    private func settle(context: ChannelHandlerContext) {
        guard ending, inFlight == 0, pending.isEmpty else { return }
        if let error = parseFailure {
            parseFailure = nil
            metrics.rejected(table: "unknown", protocol: "tcp", rows: 1)
            reportBadLine(error, table: "unknown")
        }
        if !inactive {
            context.close(promise: nil)
        } else if !finishedSignalled {
            finishedSignalled = true
            logger.info(
                "ILP/TCP connection closed", metadata: ["rows": "\(rowsStored)", "duplicates": "\(duplicates)"])
            finished.succeed(())
        }
    }
}

@available(*, unavailable)
extension ILPTCPConnectionHandler: Sendable {}
