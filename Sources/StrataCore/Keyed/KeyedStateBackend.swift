/// Keyed state (orders, the job queue, active anomalies) owned by a backend: where their current
/// state lives when several nodes share one backend.
///
/// Design (issue 10, items 1 and 5): the *rules* of each keyed state stay in its value type here
/// — ``Order/applying(_:at:)`` and ``OrderRegistry``, ``JobQueue``, ``ActiveAnomalies`` — and are
/// the only place a transition is checked, so an illegal one is the same typed error
/// (``OrderError``, ``JobQueueError``, ``AnomalyError``) on every backend. What differs is where
/// the current state is kept:
///
/// - the embedded engine keeps it in memory, rebuilt from an event table and snapshots
///   (`EventSourcedTable` in `Strata`): a ``StorageBackend`` whose ``StorageBackend/keyedState``
///   is nil;
/// - a shared backend (PostgreSQL) keeps it in its own tables, read and changed inside its
///   transactions (a row locked, the value type's transition applied, the new state and the event
///   written): its ``StorageBackend/keyedState`` returns one of these.
///
/// `StrataStore` asks its backend once, when it opens its trading records; `store.orders`,
/// `store.jobs` and `store.anomalies` forward to what it got, so everything above them (the
/// server's routes, the CLI) is the same for both.
public protocol KeyedStateBackend: Sendable {
    /// The orders, their lifecycle and their events (creating what the backend needs).
    func orderState() throws -> any OrderStateBackend
    /// The job queue, retrying by `policy`.
    func jobState(policy: RetryPolicy) throws -> any JobStateBackend
    /// The active anomalies and their history.
    func anomalyState() throws -> any AnomalyStateBackend
}

/// The orders of a ``KeyedStateBackend``: the operations and queries of `OrderStore`.
///
/// Every operation checks the change with ``Order/applying(_:at:)`` / ``OrderRegistry`` and
/// throws what they throw (``OrderError``); a failure of the storage is a ``StrataError``.
/// Query results are sorted by id.
public protocol OrderStateBackend: Sendable {
    func save(_ order: Order) throws -> Order
    func update(id: Int64, _ change: OrderChange, at time: Timestamp) throws -> Order
    func remove(id: Int64, at time: Timestamp) throws
    /// The operations in order, each checked against the state the ones before left; all the
    /// accepted ones stored or none.
    func perform(_ operations: [OrderOperation]) throws -> [Result<Order, OrderError>]

    func order(id: Int64) throws -> Order?
    func allOrders() throws -> [Order]
    func orders(user: String) throws -> [Order]
    func orders(symbol: Symbol) throws -> [Order]
    func orders(side: OrderSide) throws -> [Order]
    func orders(status: OrderStatus) throws -> [Order]
    func openOrders(user: String) throws -> [Order]
    func openOrderCount() throws -> Int
    /// A user's orders created in `[from, to)`.
    func orders(user: String, from: Timestamp, to: Timestamp) throws -> [Order]
    /// Every change of order `id` (of `symbol`), in order.
    func events(of id: Int64, symbol: Symbol) throws -> [OrderEvent]
}

/// The job queue of a ``KeyedStateBackend``: the operations and queries of `JobStore`, each
/// job's transitions checked by a ``JobQueue`` holding that job (one holder at a time, completed
/// is final, retries and dead letters by the queue's ``RetryPolicy``).
public protocol JobStateBackend: Sendable {
    func enqueue(id: Int64, queue: String, payload: String, priority: Int, notBefore: Timestamp, now: Timestamp)
        throws
    func dequeue(limit: Int, worker: String, now: Timestamp, leaseDuration: Int64, queues: Set<String>?) throws
        -> [LeasedJob]
    func heartbeat(id: Int64, token: Int64, now: Timestamp, extendBy: Int64) throws
    func complete(id: Int64, token: Int64, now: Timestamp) throws
    func fail(id: Int64, token: Int64, now: Timestamp, error: String) throws
    func expireLeases(now: Timestamp) throws
    func requeue(id: Int64, now: Timestamp) throws
    /// The operations in order, all the accepted ones stored or none.
    func perform(_ operations: [JobOperation]) throws -> [JobOutcome]

    func job(id: Int64) throws -> Job?
    func counts() throws -> JobCounts
    func deadLetters() throws -> [Job]
    func oldestWaiting() throws -> Timestamp?
    func allJobs() throws -> [Int64: Job]
}

/// The active anomalies of a ``KeyedStateBackend``, checked by ``ActiveAnomalies``.
public protocol AnomalyStateBackend: Sendable {
    func save(_ anomaly: Anomaly) throws -> Anomaly
    /// - Returns: how many were cleared.
    func remove(type: String, symbol: Symbol?, at time: Timestamp) throws -> Int
    func removeMarketWide(type: String, at time: Timestamp) throws -> Int
    /// By type, then symbol (the whole market's first).
    func activeAnomalies() throws -> [Anomaly]
    func anomaly(type: String, symbol: Symbol?) throws -> Anomaly?
    func history(type: String, symbol: Symbol?) throws -> [AnomalyEvent]
}

/// How many jobs are in each state.
public struct JobCounts: Sendable, Hashable {
    public var ready: Int
    public var leased: Int
    public var dead: Int
    public var completed: Int

    public init(ready: Int = 0, leased: Int = 0, dead: Int = 0, completed: Int = 0) {
        self.ready = ready
        self.leased = leased
        self.dead = dead
        self.completed = completed
    }
}
