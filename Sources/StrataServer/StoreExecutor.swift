import NIOCore
import NIOPosix
import StrataEngine

/// Where the server's requests run: a pool of threads that may block, instead of Swift's
/// cooperative pool (one thread per core, which a WAL fsync or a read of a cold mmapped block
/// must never hold).
///
/// The store's API is synchronous underneath (its `async` methods block their thread for the
/// engine's work, see ``StrataTable``). ``RequestMiddleware`` runs every route under this
/// executor's task-executor preference, so the handlers and the store calls they make run on
/// these threads; an fsync that takes milliseconds holds one of them, not a core of the
/// cooperative pool that every other request and the ILP/TCP connections need.
///
/// ILP/TCP appends run here too, at normal priority, while that pipeline's parsing and mapping run
/// niced (``IngestPriority``): an append holds the table's state lock while it applies a batch,
/// and a niced thread holding it could be kept off the CPU while a query waits for the lock.
///
/// One pool per process (like NIO's singletons): servers in tests share it, nothing to shut down.
enum StoreExecutor {
    /// Threads that may all block in an fsync at once before a further request waits for one.
    static let threads = 16

    static let shared = PoolExecutor(threads: threads)
}

/// A task executor on a pool of threads of its own (``StoreExecutor``, ``AnswerExecutor``).
final class PoolExecutor: TaskExecutor {
    private let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }

    /// Runs `body` with this executor preferred: its nonisolated async calls run on the pool.
    func run<T>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(self, operation: body)
    }
}

/// The one thread that applies ILP/TCP batches, at normal priority, in the order they are handed
/// over (each connection's batches stay in stream order).
///
/// Appends to a table are serialised by its commit lock anyway; handed to the request pool, the
/// batches of eight connections kept eight threads waiting on that lock at once, and a query on
/// the event loop waited for the CPU behind them (latest-100 p99 grew with the connection count:
/// 7 ms with two connections, 19 ms with eight). One appender thread keeps the throughput and
/// leaves the other core to the queries.
///
/// **Its priority is its creator's**: Linux gives a new thread the nice value of the thread that
/// spawns it, and an unprivileged thread cannot raise its own back. Created lazily on the first
/// append — on an ILP/TCP event loop, already at nice +10 — the appender ran niced while it held
/// the table's state lock, the lock kept for milliseconds while the thread waited for a CPU, and
/// latest-100 waited with it (p99 4.8–5.9 ms in a 45 s soak, almost all of it lock wait). So
/// ``ILPTCPService`` creates its appender in `run()`, before it lowers anything, and
/// ``niceness()`` lets the service check it.
final class TCPAppender: Sendable {
    private let pool: NIOThreadPool

    /// Starts the thread, at the calling thread's priority.
    init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Runs `body` on the appender thread, completing the future on `eventLoop`.
    func submit<T: Sendable>(on eventLoop: any EventLoop, _ body: @escaping @Sendable () throws -> T)
        -> EventLoopFuture<T>
    {
        pool.runIfActive(eventLoop: eventLoop, body)
    }

    /// The appender thread's nice value (0 is the default priority).
    func niceness(on eventLoop: any EventLoop) -> EventLoopFuture<Int32> {
        submit(on: eventLoop) { BackgroundPriority.currentNiceness() }
    }

    func shutdown() async { try? await pool.shutdownGracefully() }
}

/// Where bulk columnar answers (Arrow and CSV ranges, ASOF joins) are read and encoded: two
/// threads (a core each on the machines we size for), not the request pool's sixteen.
///
/// Why a pool of its own: such an answer allocates megabytes per page (the engine's lanes, the
/// encoded page in its network buffer) and frees them when the page is sent. The C allocator
/// keeps freed memory per arena, and a thread keeps its arena: spread over sixteen request
/// threads, each new thread's first answers faulted their pages in afresh from the kernel (775
/// minor faults, 3 MiB, per 120k-row answer for the first five answers, then 77; see
/// BENCHMARKS.md, "Arrow answers at wire speed"). On two threads the pages of one answer serve
/// the next after the first. Their tasks interleave page by page, so a long answer does not hold
/// a short one back for more than a page.
enum AnswerExecutor {
    static let threads = 2

    static let shared = PoolExecutor(threads: threads)
}
