import Synchronization

/// The bytes of ILP-over-HTTP bodies the server holds at once (`http.maxInFlightWriteBytes`):
/// what bounds the write path's memory when many clients write together, or when the disk is
/// slow and requests pile up behind its fsyncs.
///
/// A request reserves its body's size before reading it (its `Content-Length`, or the largest a
/// body may be when that is unknown or the body is gzip) and returns it when it is answered. When
/// the budget is spent, a request waits its turn (first come, first served; its body stays unread,
/// so TCP slows its client) for up to `http.writeWaitMilliseconds`, and then gets 503 `overloaded`
/// with `Retry-After`: memory never grows past the budget, and a client learns to come back
/// rather than to give up.
final class WriteBudget: Sendable {
    /// Bytes that may be reserved at once.
    let capacity: Int

    private struct Waiter {
        var id: Int
        var bytes: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(available: max(1, capacity)))
    }

    /// Bytes reserved now (for metrics and tests).
    var reserved: Int { capacity - state.withLock { $0.available } }

    /// Reserves `bytes` (at most ``capacity``), waiting up to `timeout` behind earlier requests.
    /// - Returns: the bytes reserved (pass them to ``release(_:)``), or nil if the wait timed out.
    func reserve(_ bytes: Int, timeout: Duration) async -> Int? {
        let bytes = min(max(0, bytes), capacity)
        enum Immediate {
            case granted
            case queued(Int)
        }
        let granted: Bool = await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> Immediate in
                if state.waiters.isEmpty, state.available >= bytes {
                    state.available -= bytes
                    return .granted
                }
                let id = state.nextID
                state.nextID += 1
                state.waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
                return .queued(id)
            }
            switch outcome {
            case .granted:
                continuation.resume(returning: true)
            case .queued(let id):
                Task {
                    try? await Task.sleep(for: timeout)
                    self.expire(id)
                }
            }
        }
        return granted ? bytes : nil
    }

    /// Returns reserved bytes, letting waiting requests in, in order.
    func release(_ bytes: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.available = min(capacity, state.available + bytes)
            return admit(&state)
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// A waiter whose time is up leaves the queue (if it is still there) and is refused.
    private func expire(_ id: Int) {
        let (expired, woken) = state.withLock {
            state -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            let waiter = state.waiters.remove(at: index)
            // The head leaving may let the next ones in.
            return (waiter.continuation, admit(&state))
        }
        expired?.resume(returning: false)
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Grants the waiters at the head of the queue that now fit.
    private func admit(_ state: inout State) -> [CheckedContinuation<Bool, Never>] {
        var woken: [CheckedContinuation<Bool, Never>] = []
        while let first = state.waiters.first, first.bytes <= state.available {
            state.available -= first.bytes
            woken.append(state.waiters.removeFirst().continuation)
        }
        return woken
    }
}
