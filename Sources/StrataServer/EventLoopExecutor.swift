import HummingbirdCore
import Logging
import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop of the connection the task serves.
///
/// Hummingbird handles each HTTP connection in a task on Swift's cooperative pool, so by default
/// every request crosses threads twice more than it must: the event loop reads it and wakes a
/// pool thread, which builds the response and hands the write back to the loop. On a machine
/// whose cores an ingest keeps busy each of those wake-ups can wait a scheduler slice (1-3 ms
/// here). With this executor preferred, the connection's task runs on the thread that reads
/// and writes its socket: a point read (``RequestMiddleware/runsInline(_:)``) is answered
/// without any thread switch. Work that may block still moves to ``StoreExecutor``.
final class EventLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        // From the loop's own thread this queues the job behind the current work, no wake-up.
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}

/// A server child channel whose connection tasks run on their channel's event loop
/// (``EventLoopExecutor``); setup and handling are otherwise the wrapped channel's. Open
/// connections are counted (`strata_http_connections`).
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let metrics: ServerMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        metrics.httpConnectionOpened()
        defer { metrics.httpConnectionClosed() }
        await withTaskExecutorPreference(EventLoopExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}
