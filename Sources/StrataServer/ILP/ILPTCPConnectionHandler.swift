import Logging
import NIOCore
import NIOPosix
import Strata
import StrataLineProtocol

/// Asks a connection to store what it has received and close (graceful shutdown).
struct ILPTCPShutdownEvent: Sendable {}

/// One ILP-over-TCP connection: parses the bytes it reads, batches the rows and appends each
/// batch on the thread pool, with QuestDB's semantics for a bad line.
///
/// Everything runs on the channel's event loop except the append. At most two batches exist per
/// connection: the one being appended (`inFlight`) and the one being filled (`pending`). The
/// pending batch is handed to the pool when it reaches `batchRows` rows or when a read burst
/// ends, whichever comes first, as soon as no append is in flight; while an append is in flight
/// and the pending batch is full, the handler withholds `read()`, so the socket's receive buffer
/// fills and TCP flow control slows the client (a slow disk never grows memory).
///
/// A line that does not parse, map or validate, or a line longer than `ilp.maxLineBytes`: the
/// lines before it are stored, the error is logged (connection id, remote address, line number
/// within the connection) and counted, nothing after it is read, and the connection is closed
/// once the earlier lines are stored. An unfinished last line when the peer closes is discarded
/// (it may be cut anywhere, even inside its timestamp).
final class ILPTCPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let ingest: ILPIngest
    private let pool: NIOThreadPool
    private let batchRows: Int
    private let metrics: ServerMetrics
    private let logger: Logger
    private let finished: EventLoopPromise<Void>

    private var parser: LineProtocol.StreamParser
    private var pending = LineMapping.Rows()
    private var inFlight = false
    /// A `read()` withheld for backpressure or because the connection is ending.
    private var readWithheld = false
    /// No more input will be read: a bad line, a failed append, shutdown or the peer's close.
    private var ending = false
    private var inactive = false
    private var finishedSignalled = false
    private var rowsStored = 0
    private var duplicates = 0

    init(
        ingest: ILPIngest, pool: NIOThreadPool, batchRows: Int, metrics: ServerMetrics, logger: Logger,
        finished: EventLoopPromise<Void>
    ) {
        self.ingest = ingest
        self.pool = pool
        self.batchRows = batchRows
        self.metrics = metrics
        self.logger = logger
        self.finished = finished
        parser = LineProtocol.StreamParser(configuration: ingest.parserConfiguration(.nanoseconds))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ending else { return }
        let bytes = unwrapInboundIn(data)
        let now = WallClock.now().nanoseconds
        let output = bytes.withUnsafeReadableBytes { parser.consume($0, defaultTimestamp: now) }
        var failure: (error: WriteError, table: String)?
        if !output.points.isEmpty {
            let stretch = ingest.streamRows(output.points)
            pending.append(stretch.rows)
            failure = stretch.failure
        }
        if failure == nil, let error = output.error {
            metrics.rejected(table: "unknown", protocol: "tcp", rows: 1)
            failure = (WriteError(parsing: error, maxLineBytes: ingest.maxLineBytes), "unknown")
        }
        if let failure {
            logger.warning(
                "ILP/TCP bad line, closing the connection after storing the lines before it",
                metadata: [
                    "line": "\(failure.error.line.map(String.init) ?? "?")", "code": "\(failure.error.code)",
                    "error": "\(failure.error.message)", "table": "\(failure.table)",
                ])
            end(context: context)
            return
        }
        if pending.count >= batchRows, !inFlight { dispatch(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !inFlight, !pending.isEmpty { dispatch(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if ending || (inFlight && pending.count >= batchRows) {
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
        ending = true
        if !inFlight, !pending.isEmpty { dispatch(context: context) }
        finishIfDone(context: context)
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
        closeIfDrained(context: context)
    }

    private func dispatch(context: ChannelHandlerContext) {
        let rows = pending
        pending = LineMapping.Rows()
        inFlight = true
        metrics.tcpBatch(rows: rows.count)
        let ingest = ingest
        pool.runIfActive(eventLoop: context.eventLoop) { try ingest.store(rows, protocol: "tcp") }
            .assumeIsolated()
            .whenComplete { result in self.appended(result, rows: rows.count, context: context) }
    }

    private func appended(_ result: Result<ILPIngest.Summary, any Error>, rows: Int, context: ChannelHandlerContext) {
        inFlight = false
        switch result {
        case .success(let summary):
            rowsStored += summary.stored
            duplicates += summary.duplicates
        case .failure(let error):
            metrics.rejected(table: "unknown", protocol: "tcp", rows: rows + pending.count)
            logger.error(
                "ILP/TCP append failed, closing the connection (the rows of this batch are not stored)",
                metadata: ["rows": "\(rows + pending.count)", "error": "\(error)"])
            pending = LineMapping.Rows()
            ending = true
        }
        if !pending.isEmpty { dispatch(context: context) }
        if ending {
            closeIfDrained(context: context)
            finishIfDone(context: context)
        } else if readWithheld {
            readWithheld = false
            context.read()
        }
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        guard !inFlight, pending.isEmpty, !inactive else { return }
        context.close(promise: nil)
    }

    private func finishIfDone(context: ChannelHandlerContext) {
        guard inactive, !inFlight, pending.isEmpty, !finishedSignalled else { return }
        finishedSignalled = true
        logger.info("ILP/TCP connection closed", metadata: ["rows": "\(rowsStored)", "duplicates": "\(duplicates)"])
        finished.succeed(())
    }
}

@available(*, unavailable)
extension ILPTCPConnectionHandler: Sendable {}
