import Logging
import NIOCore
import NIOPosix
import Strata
import StrataLineProtocol

/// Asks a connection to store what it has received and close (graceful shutdown).
struct ILPTCPShutdownEvent: Sendable {}

/// One ILP-over-TCP connection: parses the bytes it reads on the event loop, and hands the
/// parsed points in batches to the thread pool, which maps, validates and appends them; with
/// QuestDB's semantics for a bad line.
///
/// At most two batches exist per connection: the one on the pool (`inFlight`) and the one being
/// filled (`pending`), so batch k+1 is parsed while batch k is mapped and appended. The pending
/// batch goes to the pool when it reaches `batchRows` lines or `batchBytes` bytes, or when a
/// read burst ends, as soon as no batch is in flight; while one is in flight and the pending
/// batch is full, the handler withholds `read()`, so the socket's receive buffer fills and TCP
/// flow control slows the client (a slow disk never grows memory).
///
/// A line that does not parse, map or validate, or a line longer than `ilp.maxLineBytes`: the
/// lines before it are stored, the error is logged (connection id, remote address, line number
/// within the connection) and counted, nothing after it is stored, and the connection is closed
/// once the earlier lines are. An unfinished last line when the peer closes is discarded (it
/// may be cut anywhere, even inside its timestamp).
final class ILPTCPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let ingest: ILPIngest
    private let pool: NIOThreadPool
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
    private var inFlight = false
    private var inFlightRows = 0
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
    private var duplicates = 0

    init(
        ingest: ILPIngest, pool: NIOThreadPool, batchRows: Int, batchBytes: Int, metrics: ServerMetrics,
        logger: Logger, finished: EventLoopPromise<Void>
    ) {
        self.ingest = ingest
        self.pool = pool
        self.batchRows = batchRows
        self.batchBytes = batchBytes
        self.metrics = metrics
        self.logger = logger
        self.finished = finished
        parser = LineProtocol.StreamParser(configuration: ingest.parserConfiguration(.nanoseconds))
    }

    private var pendingIsFull: Bool { pendingRows >= batchRows || pendingBytes >= batchBytes }

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
        if pendingIsFull, !inFlight { dispatch(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !inFlight, !pending.isEmpty { dispatch(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if ending || (inFlight && pendingIsFull) {
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
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("ILP/TCP connection error", metadata: ["error": "\(error)"])
        end(context: context)
    }

    /// Stops reading, stores what was received (the pending batch), then closes.
    private func end(context: ChannelHandlerContext) {
        ending = true
        if !inFlight, !pending.isEmpty { dispatch(context: context) }
        settle(context: context)
    }

    private func dispatch(context: ChannelHandlerContext) {
        let batches = pending
        metrics.tcpBatch(rows: pendingRows)
        inFlightRows = pendingRows
        pending = []
        pendingRows = 0
        pendingBytes = 0
        inFlight = true
        let ingest = ingest
        pool.runIfActive(eventLoop: context.eventLoop) { try ingest.storeStream(batches) }
            .assumeIsolated()
            .whenComplete { result in self.stored(result, context: context) }
    }

    private func stored(_ result: Result<ILPIngest.StreamResult, any Error>, context: ChannelHandlerContext) {
        inFlight = false
        switch result {
        case .success(let result):
            rowsStored += result.summary.stored
            duplicates += result.summary.duplicates
            if let failure = result.failure {
                // The first bad line: what was parsed after it (pending, a later parse error) goes.
                reportBadLine(failure.error, table: failure.table)
                discardPending()
            }
        case .failure(let error):
            metrics.rejected(table: "unknown", protocol: "tcp", rows: inFlightRows + pendingRows)
            logger.error(
                "ILP/TCP append failed, closing the connection (the rows of this batch are not stored)",
                metadata: ["rows": "\(inFlightRows + pendingRows)", "error": "\(error)"])
            discardPending()
        }
        if !pending.isEmpty {
            dispatch(context: context)
        } else if !ending, readWithheld {
            readWithheld = false
            context.read()
        }
        settle(context: context)
    }

    private func discardPending() {
        pending = []
        pendingRows = 0
        pendingBytes = 0
        parseFailure = nil
        ending = true
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
        guard ending, !inFlight, pending.isEmpty else { return }
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
