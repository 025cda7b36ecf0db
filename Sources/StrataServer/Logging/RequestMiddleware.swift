import HTTPTypes
import Hummingbird
import Logging
import Strata

/// The outermost middleware: gives each request a correlation id (the client's `X-Request-Id`
/// when it is short and printable, else a new one), logs with it as `request_id`, echoes it in
/// the response, and records the request's latency in ``ServerMetrics``. The rest of the chain runs
/// on ``StoreExecutor`` (threads that may block on the store), not on the cooperative pool —
/// except point reads (``runsInline(_:)``), which never wait for the disk and answer in
/// microseconds: for them the hop to another thread was most of the latency on a busy machine.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = StrataRequestContext
    let metrics: ServerMetrics
    let slowQueries: SlowQueryLog
    /// Whether point reads may run on the event loop: only over the embedded engine. Over
    /// PostgreSQL a point read is a network round trip, which must not hold an HTTP event loop.
    var inlineReads = true

    static let header = HTTPField.Name("X-Request-Id")!
    /// `Server-Timing: app;dur=<ms>`: the time the server spent on the request, from routing to
    /// the response (not the network, nor waiting to be read), so a client can tell the two apart.
    static let serverTiming = HTTPField.Name("Server-Timing")!

    func handle(
        _ request: Request, context: StrataRequestContext,
        next: (Request, StrataRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.acceptable(request.headers[Self.header]) ?? Self.generateID()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response: Response
        let handlerContext = context
        do {
            if inlineReads && Self.runsInline(request) {
                response = try await next(request, handlerContext)
            } else {
                response = try await StoreExecutor.shared.run { try await next(request, handlerContext) }
            }
        } catch let error as any HTTPResponseError {
            response = Responses.error(
                status: error.status, code: error.status == .notFound ? "notFound" : "httpError",
                message: error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : "\(error)",
                context: context)
        }
        response.headers[Self.header] = context.requestID
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        response.headers[Self.serverTiming] = "app;dur=" + Self.milliseconds(nanoseconds)
        let route = context.endpointPath ?? "unmatched"
        metrics.requestDuration(method: request.method.rawValue, route: route, nanoseconds: nanoseconds)
        let slow = slowQueries.isSlow(nanoseconds)
        if slow {
            slowQueries.record(
                .init(
                    time: WallClock.now(), method: request.method.rawValue, route: route,
                    target: request.uri.description, status: Int(response.status.code), nanoseconds: nanoseconds,
                    requestID: context.requestID))
            metrics.slowQuery(route: route)
        }
        let level: Logger.Level =
            response.status.code >= 500 || slow ? .warning : response.status.code >= 400 ? .info : .debug
        context.logger.log(
            level: level,
            "\(slow ? "slow query: " : "")\(request.method) \(request.uri.description) \(response.status.code)",
            metadata: ["duration_ms": "\(Double(nanoseconds) / 1e6)"])
        return response
    }

    /// Requests answered on the thread that received them: `GET` of a table's `latest` or `last`
    /// (a few rows copied from memory or a mapped file under the table's lock), `/ping` and
    /// `/health/live`. Everything that writes (a WAL fsync), scans (range, bars, stats) or
    /// walks files (metrics) goes to ``StoreExecutor``.
    static func runsInline(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let path = request.uri.path
        if path == "/ping" || path == "/health/live" { return true }
        guard path.hasPrefix("/api/v1/") else { return false }
        return path.hasSuffix("/latest") || path.hasSuffix("/last")
    }

    /// Nanoseconds as milliseconds with three decimals (`0.412`).
    static func milliseconds(_ nanoseconds: Int64) -> String {
        let micros = max(0, nanoseconds) / 1_000
        let fraction = String(micros % 1_000)
        return String(micros / 1_000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The client's id if it is 1-128 printable ASCII characters.
    static func acceptable(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }

    static func generateID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt32
        return hex(high, 16) + hex(UInt64(low), 8)
    }

    private static func hex(_ value: UInt64, _ digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }
}
