import StrataEngine
import Synchronization

/// One commit's share for one subscriber, as buffered: cheap to enqueue under the table lock
/// (rows stay columnar and are decoded by the consumer).
enum LiveEntry: Sendable {
    /// Rows of a batch: all of them (`nil`) or these indices, in batch order.
    case rows(ColumnBatch, [Int]?)
    /// 1-minute bar updates, in (symbol, start) order.
    case bars([LiveBar])
}

/// The state of one touched 1-minute bar right after a commit.
struct LiveBar: Sendable {
    var symbol: String
    var state: BarState
    /// `true` when the bar came whole from the in-memory book; `false` for a bar of a partition
    /// already sealed to a file (late trades), which the consumer completes with a query.
    var complete: Bool
}

/// The bounded buffer between the table's writers (``enqueue(_:count:)``, called under the
/// table lock, never waits) and one consumer (``next()``).
final class LiveSubscriber: Sendable {
    enum Kind: Sendable { case rows, bars }

    enum Next: Sendable {
        case entry(LiveEntry)
        case end(LiveTermination)
    }

    let kind: Kind
    /// Symbols wanted (`nil`: all).
    let symbols: Set<String>?
    /// Most rows (or bars) buffered before the subscriber is dropped.
    let limit: Int
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var entries: [(entry: LiveEntry, count: Int)?] = []
        var head = 0
        var buffered = 0
        var termination: LiveTermination?
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Tasks waiting in ``LiveSubscriber/terminated()``, by ticket.
        var endWaiters: [Int: CheckedContinuation<LiveTermination?, Never>] = [:]
        var nextTicket = 0

        var hasEntry: Bool { head < entries.count }

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            guard !waiters.isEmpty else { return [] }
            defer { waiters = [] }
            return waiters
        }

        mutating func dropEntries() {
            entries = []
            head = 0
            buffered = 0
        }
    }

    init(kind: Kind, symbols: Set<String>?, limit: Int) {
        self.kind = kind
        self.symbols = symbols
        self.limit = limit
    }

    /// Why the subscription ended or is ending (buffered rows may remain after `.storeClosed`).
    var termination: LiveTermination? { state.withLock { $0.termination } }

    /// Rows (or bars) waiting for the consumer.
    var buffered: Int { state.withLock { $0.buffered } }

    /// Buffers one entry of `count` rows. Never waits.
    ///
    /// A subscriber whose buffer would then hold more than ``limit`` rows is ended with
    /// ``LiveTermination/slowConsumer(limit:)`` instead (its buffer is freed); an empty buffer
    /// always takes the entry, so one batch larger than the limit does not drop a consumer that
    /// has kept up.
    /// - Returns: `false` if the subscriber has ended (the hub forgets it).
    func enqueue(_ entry: LiveEntry, count: Int) -> Bool {
        let (alive, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard state.termination == nil else { return (false, []) }
            if state.buffered > 0 && state.buffered + count > limit {
                state.termination = .slowConsumer(limit: limit)
                state.dropEntries()
                let ending = state.endWaiters.values
                state.endWaiters = [:]
                for waiter in ending { waiter.resume(returning: .slowConsumer(limit: limit)) }
                return (false, state.takeWaiters())
            }
            state.entries.append((entry, count))
            state.buffered += count
            return (true, state.takeWaiters())
        }
        for waiter in waiters { waiter.resume() }
        return alive
    }

    /// Ends the subscription. `.storeClosed` lets the consumer read what is buffered first;
    /// other reasons drop the buffer. The first reason wins.
    func end(_ reason: LiveTermination) {
        let (waiters, endWaiters) = state.withLock { state in
            guard state.termination == nil else {
                return ([CheckedContinuation<Void, Never>](), [CheckedContinuation<LiveTermination?, Never>]())
            }
            state.termination = reason
            if reason != .storeClosed { state.dropEntries() }
            defer { state.endWaiters = [:] }
            return (state.takeWaiters(), Array(state.endWaiters.values))
        }
        for waiter in waiters { waiter.resume() }
        for waiter in endWaiters { waiter.resume(returning: reason) }
    }

    /// Waits until the subscription ends and returns why; `nil` if the waiting task is cancelled
    /// first.
    func terminated() async -> LiveTermination? {
        let ticket = state.withLock { state in
            state.nextTicket += 1
            return state.nextTicket
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<LiveTermination?, Never>) in
                let now = state.withLock { state -> LiveTermination?? in
                    if let termination = state.termination { return .some(termination) }
                    if Task.isCancelled { return .some(nil) }
                    state.endWaiters[ticket] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.endWaiters.removeValue(forKey: ticket) }?.resume(returning: nil)
        }
    }

    /// The next entry, waiting for one; or how the subscription ended. Task cancellation ends
    /// it with `.cancelled` (through `onCancel`, which also unsubscribes).
    func next(onCancel: @escaping @Sendable () -> Void) async -> Next {
        while true {
            if Task.isCancelled { onCancel() }
            let taken = state.withLock { state -> Next? in
                if state.hasEntry {
                    let item = state.entries[state.head]!
                    state.entries[state.head] = nil
                    state.head += 1
                    state.buffered -= item.count
                    if state.head == state.entries.count {
                        state.entries.removeAll(keepingCapacity: state.entries.count <= 1024)
                        state.head = 0
                    } else if state.head >= 1024 && state.head * 2 >= state.entries.count {
                        state.entries.removeFirst(state.head)
                        state.head = 0
                    }
                    return .entry(item.entry)
                }
                return state.termination.map { .end($0) }
            }
            if let taken { return taken }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if state.hasEntry || state.termination != nil { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                onCancel()
            }
        }
    }
}
