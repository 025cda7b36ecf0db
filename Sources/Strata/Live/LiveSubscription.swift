/// A live feed of what a table stores from now on: an `AsyncSequence` of row batches, one per
/// commit (the rows of one append that the subscription's symbols filter kept), in commit order.
///
/// ```swift
/// let feed = try store.trades.subscribe(symbols: ["BTCUSDT", "ETHUSDT"], bufferLimit: 50_000)
/// do {
///     for try await trades in feed {          // [Trade], one stored batch at a time
///         handle(trades)
///     }
///     // ended normally: feed.termination is .storeClosed (or .cancelled)
/// } catch .slowConsumer(let limit) {
///     // fell more than `limit` rows behind: resubscribe and fill the gap with a range query
/// }
/// ```
///
/// - Every stored row arrives exactly once, in the order of the WAL; duplicates the table
///   dropped and rows of failed appends never do. Rows stored before the subscription began
///   are not replayed (query them; ``StrataTable/lastTimestamp(symbol:)`` finds the gap).
/// - Appends never wait for a subscriber: each commit is only enqueued in the subscription's
///   bounded buffer. A subscriber whose buffer would exceed its limit is dropped: the
///   sequence throws ``LiveFeedError/slowConsumer(limit:)`` and the other subscribers and the
///   writers are unaffected.
/// - ``StrataStore/close()`` ends every subscription after what is buffered: the sequence
///   finishes (`nil`) and ``termination`` is ``LiveTermination/storeClosed``.
/// - ``cancel()``, cancelling the iterating task, or releasing the subscription and its
///   iterator unsubscribes.
///
/// One task should iterate a subscription at a time. See the Live article for the design.
public final class LiveSubscription<Row: Sendable>: AsyncSequence, Sendable {
    public typealias Element = [Row]
    public typealias Failure = LiveFeedError

    let subscriber: LiveSubscriber
    let hub: LiveHub
    let produce: @Sendable (LiveEntry) async throws(LiveFeedError) -> [Row]

    init(
        subscriber: LiveSubscriber, hub: LiveHub,
        produce: @escaping @Sendable (LiveEntry) async throws(LiveFeedError) -> [Row]
    ) {
        self.subscriber = subscriber
        self.hub = hub
        self.produce = produce
    }

    deinit { cancel() }

    /// The symbols this subscription receives (`nil`: every symbol).
    public var symbols: Set<Symbol>? { subscriber.symbols.map { Set($0.map(Symbol.init(unchecked:))) } }

    /// Most rows (bars, for a bar subscription) it may have waiting before it is dropped.
    public var bufferLimit: Int { subscriber.limit }

    /// Rows waiting to be read.
    public var bufferedRows: Int { subscriber.buffered }

    /// Why the subscription ended, or is ending (`nil` while it is live). After
    /// ``LiveTermination/storeClosed`` the rows buffered before the close are still delivered.
    public var termination: LiveTermination? { subscriber.termination }

    /// Waits until the subscription ends — while another task iterates it — and returns why
    /// (`nil` if the waiting task is cancelled first). A slow consumer's
    /// ``LiveTermination/slowConsumer(limit:)`` is reported at once, even while its reader is
    /// busy elsewhere (the WebSocket route closes the connection with it).
    public var terminated: LiveTermination? {
        get async { await subscriber.terminated() }
    }

    /// Stops the subscription now: the buffer is dropped, the iterator finishes, and the table
    /// forgets the subscriber. Idempotent.
    public func cancel() {
        subscriber.end(.cancelled)
        hub.remove(subscriber)
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [Row]
        public typealias Failure = LiveFeedError
        let subscription: LiveSubscription

        /// The next commit's rows (never empty); `nil` once the subscription was cancelled or
        /// the store closed and the buffer is drained.
        /// - Throws: ``LiveFeedError/slowConsumer(limit:)`` when the subscriber was dropped.
        public mutating func next() async throws(LiveFeedError) -> [Row]? {
            let subscription = self.subscription
            while true {
                switch await subscription.subscriber.next(onCancel: { subscription.cancel() }) {
                case .entry(let entry):
                    let rows = try await subscription.produce(entry)
                    if !rows.isEmpty { return rows }
                case .end(.slowConsumer(let limit)):
                    throw .slowConsumer(limit: limit)
                case .end:
                    return nil
                }
            }
        }
    }
}

/// Why a ``LiveSubscription`` ended.
public enum LiveTermination: Sendable, Hashable, CustomStringConvertible {
    /// ``LiveSubscription/cancel()``, task cancellation, or the subscription was released.
    case cancelled
    /// The store (its table) was closed; rows buffered before were still delivered.
    case storeClosed
    /// The subscriber fell more than `limit` rows behind and was dropped.
    case slowConsumer(limit: Int)

    public var description: String {
        switch self {
        case .cancelled: "cancelled"
        case .storeClosed: "store closed"
        case .slowConsumer(let limit): "slow consumer: more than \(limit) rows behind"
        }
    }
}

/// What ends a ``LiveSubscription`` with an error.
public enum LiveFeedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The subscriber's buffer would have exceeded `limit` rows; it was dropped, and what it had
    /// not read was discarded. Resubscribe, then fill the gap with a range query.
    case slowConsumer(limit: Int)
    /// A late bar update could not be completed from the stored bars (a damaged partition, or
    /// the store closed meanwhile).
    case unavailable(StrataError)

    public var description: String {
        switch self {
        case .slowConsumer(let limit): "slow consumer: more than \(limit) rows behind"
        case .unavailable(let error): "live bar unavailable: \(error)"
        }
    }
}
