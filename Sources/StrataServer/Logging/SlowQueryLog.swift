import Strata
import Synchronization

/// The requests that took at least `http.slowQueryMilliseconds` (0: none are kept): the newest
/// ``capacity``, with their parameters (the whole request target), status, time and request id,
/// for `GET /api/v1/stats` (`slow_queries`). Each is also logged at `warning` and counted in
/// `strata_slow_queries_total{route}`.
final class SlowQueryLog: Sendable {
    struct Entry: Sendable {
        var time: Timestamp
        var method: String
        /// The route's pattern (`/api/v1/trades/range`), as the latency histogram names it.
        var route: String
        /// Path and query string as the client sent them: the query's parameters.
        var target: String
        var status: Int
        var nanoseconds: Int64
        var requestID: String
    }

    static let capacity = 100
    let thresholdNanoseconds: Int64
    private let entries = Mutex<[Entry]>([])

    init(thresholdMilliseconds: Int) { thresholdNanoseconds = Int64(thresholdMilliseconds) * 1_000_000 }

    /// Whether a request that took `nanoseconds` is kept.
    func isSlow(_ nanoseconds: Int64) -> Bool { thresholdNanoseconds > 0 && nanoseconds >= thresholdNanoseconds }

    /// Keeps `entry` (the oldest kept goes once there are ``capacity``).
    func record(_ entry: Entry) {
        entries.withLock { entries in
            if entries.count == Self.capacity { entries.removeFirst() }
            entries.append(entry)
        }
    }

    /// The kept requests, newest first.
    var newestFirst: [Entry] { entries.withLock { $0.reversed() } }
}
