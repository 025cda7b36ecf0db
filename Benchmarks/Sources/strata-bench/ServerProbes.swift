import Foundation
import Synchronization

/// Threads that talk to the server while it ingests: the stored-count poller and the
/// latest-100 latency client. Each runs on its own `Thread` (not on Swift's cooperative pool,
/// which has one thread per core) with its own keep-alive connection.
enum ServerProbes {
    /// The `rows` of the `trades` table in a `GET /api/v1/stats` answer.
    static func tradesRows(_ response: HTTPConnection.Response) -> Int? {
        guard response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let tables = object["tables"] as? [[String: Any]],
            let trades = tables.first(where: { $0["table"] as? String == "trades" })
        else { return nil }
        return (trades["rows"] as? NSNumber)?.intValue
    }
}

/// Polls `GET /api/v1/stats` every `interval` until the `trades` table holds `target` rows, and
/// keeps the timeline of what it saw.
final class StoredCountPoller: Sendable {
    struct Sample: Sendable {
        var nanoseconds: Int64
        var rows: Int
    }

    struct Result: Sendable {
        /// When the count first reached the target; nil if it never did.
        var reached: Int64?
        var samples: [Sample] = []
        var lastRows = 0
        var error: String?
    }

    let port: UInt16
    let target: Int
    let interval: Int64
    let deadline: Int64
    /// Give up when the count has not moved for this long.
    let stall: Int64
    private let state = Mutex(Result())
    private let finished = DispatchSemaphore(value: 0)

    init(port: UInt16, target: Int, intervalMilliseconds: Int64 = 10, timeoutSeconds: Int64, stallSeconds: Int64 = 20) {
        self.port = port
        self.target = target
        interval = intervalMilliseconds * 1_000_000
        deadline = monotonicNanoseconds() + timeoutSeconds * 1_000_000_000
        stall = stallSeconds * 1_000_000_000
    }

    func start() {
        let thread = Thread { [self] in
            poll()
            finished.signal()
        }
        thread.name = "stored-count-poller"
        thread.start()
    }

    /// Waits for the poller to stop (target reached, stalled or timed out).
    func wait() -> Result {
        finished.wait()
        return state.withLock { $0 }
    }

    private func poll() {
        let connection = HTTPConnection(port: port)
        var lastChange = monotonicNanoseconds()
        var lastRows = -1
        var next = monotonicNanoseconds()
        while true {
            let now = monotonicNanoseconds()
            if now < next { sleepNanoseconds(next - now) }
            next += interval
            let rows: Int
            do {
                let response = try connection.get("/api/v1/stats")
                guard let count = ServerProbes.tradesRows(response) else {
                    state.withLock {
                        $0.error = "unreadable /api/v1/stats (\(response.status)): \(response.text.prefix(300))"
                    }
                    return
                }
                rows = count
            } catch {
                state.withLock { $0.error = "GET /api/v1/stats: \(error)" }
                return
            }
            let at = monotonicNanoseconds()
            state.withLock {
                $0.samples.append(Sample(nanoseconds: at, rows: rows))
                $0.lastRows = rows
                if rows >= target { $0.reached = at }
            }
            if rows >= target { return }
            if rows != lastRows {
                lastRows = rows
                lastChange = at
            }
            if at - lastChange > stall {
                state.withLock { $0.error = "the stored count stopped at \(rows) for \(stall / 1_000_000_000) s" }
                return
            }
            if at > deadline {
                state.withLock { $0.error = "timed out with \(rows) rows stored" }
                return
            }
        }
    }
}

/// Issues `GET target` in a loop on one keep-alive connection, at `rate` requests per second
/// (0: back to back), and records each request's latency: from the first byte of the request
/// written to the last byte of the response read.
final class LatencyProbe: Sendable {
    struct Result: Sendable {
        var nanoseconds: [Int64] = []
        /// The server's own time for each answer (its `Server-Timing: app;dur=` header), when sent.
        var serverNanoseconds: [Int64] = []
        var errors = 0
        var firstError: String?
        /// Requests that started more than one interval after their slot (the previous one ran
        /// long): the schedule was not kept.
        var late = 0
        var samples: Samples { Samples(nanoseconds: nanoseconds) }
    }

    let port: UInt16
    let target: String
    let rate: Double
    let limit: Int?
    private let stopFlag = Atomic<Bool>(false)
    private let state = Mutex(Result())
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter limit: stop by itself after this many requests (nil: run until ``stop()``).
    init(port: UInt16, target: String, rate: Double, limit: Int? = nil) {
        self.port = port
        self.target = target
        self.rate = rate
        self.limit = limit
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "latency-probe"
        thread.start()
    }

    /// Stops the loop after the request in flight and returns what it measured.
    func stop() -> Result {
        stopFlag.store(true, ordering: .relaxed)
        return wait()
    }

    /// Waits for the loop to end by itself (`limit` requests).
    func wait() -> Result {
        finished.wait()
        return state.withLock { $0 }
    }

    /// `Server-Timing: app;dur=0.412` in nanoseconds.
    static func serverTime(_ response: HTTPConnection.Response) -> Int64? {
        guard let value = response.header("server-timing"), let range = value.range(of: "dur="),
            let milliseconds = Double(value[range.upperBound...].prefix { $0.isNumber || $0 == "." })
        else { return nil }
        return Int64(milliseconds * 1e6)
    }

    private func run() {
        let connection = HTTPConnection(port: port)
        let interval = rate > 0 ? Int64(1e9 / rate) : 0
        var next = monotonicNanoseconds()
        var done = 0
        var latencies: [Int64] = []
        latencies.reserveCapacity(100_000)
        var serverTimes: [Int64] = []
        serverTimes.reserveCapacity(100_000)
        defer {
            state.withLock {
                $0.nanoseconds = latencies
                $0.serverNanoseconds = serverTimes
            }
        }
        while !stopFlag.load(ordering: .relaxed) {
            if let limit, done >= limit { return }
            if interval > 0 {
                let now = monotonicNanoseconds()
                if now < next {
                    sleepNanoseconds(next - now)
                } else if now - next > interval {
                    state.withLock { $0.late += 1 }
                    next = now
                }
                next += interval
            }
            let start = monotonicNanoseconds()
            do {
                let response = try connection.get(target)
                let elapsed = monotonicNanoseconds() - start
                if response.status == 200 {
                    latencies.append(elapsed)
                    if let time = Self.serverTime(response) { serverTimes.append(time) }
                } else {
                    state.withLock {
                        $0.errors += 1
                        if $0.firstError == nil { $0.firstError = "\(response.status): \(response.text.prefix(300))" }
                    }
                }
            } catch {
                state.withLock {
                    $0.errors += 1
                    if $0.firstError == nil { $0.firstError = "\(error)" }
                }
                connection.disconnect()
                sleepNanoseconds(10_000_000)
            }
            done += 1
        }
    }
}

func sleepNanoseconds(_ nanoseconds: Int64) {
    guard nanoseconds > 0 else { return }
    var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}
