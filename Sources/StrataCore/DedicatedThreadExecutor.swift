import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `TaskExecutor` on one thread of its own: where work runs that must make progress whatever
/// the cooperative pool is doing.
///
/// The pool has one thread per core (two on the machines Strata is sized for). Whatever blocks
/// its threads — a synchronous caller waiting for async work, a long synchronous job — stops
/// every task queued behind it. Two kinds of work must not wait for that: a synchronous seam's
/// async half (the PostgreSQL backend: its caller waits on a semaphore, maybe on a pool thread)
/// and a loop that feeds other systems in the background (the tier replicator: a tier that
/// stops receiving while the process is busy falls behind for no reason). Such work runs here,
/// with `withTaskExecutorPreference`; its thread only ever runs jobs and waits for the next.
///
/// An executor lives as long as the process (its thread is never joined): make one per role and
/// keep it in a `static let`.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let jobs = Mutex<[UnownedJob]>([])
    /// Counts queued jobs; the thread waits on it. Allocated once, never freed (see above).
    private let available: UnsafeMutablePointer<sem_t>

    /// Starts the thread; `name` says what it is for in errors.
    public init(name: String) {
        available = .allocate(capacity: 1)
        sem_init(available, 0, 0)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { context in
                let executor = Unmanaged<DedicatedThreadExecutor>.fromOpaque(context!).takeUnretainedValue()
                executor.loop()
            }, context)
        precondition(started == 0, "pthread_create failed for the executor \(name): \(started)")
        pthread_detach(thread)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        sem_post(available)
    }

    private func loop() -> Never {
        while true {
            while sem_wait(available) != 0 {}  // EINTR: wait again
            let next = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            next?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
