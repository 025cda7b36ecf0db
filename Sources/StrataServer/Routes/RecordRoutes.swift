import Hummingbird
import NIOCore
import Strata

/// The trading records over HTTP (issue 9): orders and their lifecycle, the durable job queue,
/// the signal history and the active anomalies — ``StrataStore/orders``, ``StrataStore/jobs``,
/// ``StrataStore/saveSignals(_:)``, ``StrataStore/anomalies``.
///
/// - Reads are `GET` (a read token); every other method needs a write token (``AuthMiddleware``).
/// - Bodies are JSON objects read exactly (``JSONInput``): prices and sizes as strings or numbers,
///   taken from their text (never through `Double`); times as ISO-8601 or epoch nanoseconds
///   (integers or strings); an unknown member is refused. Answers write decimals as strings and
///   each time twice, `<name>_ns` (epoch ns, a string) and `<name>` (ISO-8601).
/// - Errors share the server's shape: 400 `invalidBody` / a validation rule naming the `field`, 400
///   `invalidParameter` naming the query `parameter`, 404 for an unknown order or job, 409 for an
///   operation the record's state refuses (a fill on a filled order, a duplicate id, a lost
///   lease), 413 for a body over `http.maxRequestBytes`, 503 when the store is closed.
///
/// The routes are in `OrderRoutes.swift`, `JobRoutes.swift`, `SignalRoutes.swift` and
/// `AnomalyRoutes.swift`; the records' tables open on the first request that needs them.
struct RecordRoutes {
    let store: StrataStore
    /// Largest body read (`http.maxRequestBytes`).
    let maxRequestBytes: Int

    /// Most orders, jobs or signals one list answer holds.
    static let maximumLimit = 100_000
    /// Items a list answer holds without a `limit`.
    static let defaultLimit = 1_000

    func register(on router: Router<StrataRequestContext>) {
        registerOrders(on: router)
        registerJobs(on: router)
        registerSignals(on: router)
        registerAnomalies(on: router)
    }

    // MARK: - Requests

    /// The request's body as one JSON value (an empty body is `{}`: `cancel` needs nothing).
    /// - Throws: ``BodyError``: 413 over `maxRequestBytes`, 415 for a compressed body, 400 when
    ///   it is not JSON.
    func body(_ request: Request) async throws(BodyError) -> JSONInput {
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity": break
        case let other?:
            throw BodyError(
                field: "body", message: "Content-Encoding: \(other) is not supported here (send plain JSON)",
                status: 415, code: "unsupportedEncoding")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxRequestBytes)
        } catch {
            throw BodyError(
                field: "body", message: "request body larger than http.maxRequestBytes = \(maxRequestBytes) bytes",
                status: 413, code: "requestTooLarge")
        }
        let bytes = Array(buffer.readableBytesView)
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            return JSONInput(kind: .object([]), source: [])
        }
        return try JSONInput.parse(bytes)
    }

    /// The body as an object whose members are all in `known`.
    func object(_ request: Request, known: Set<String>) async throws(BodyError) -> BodyObject {
        let fields = try BodyObject(try await body(request))
        try fields.only(known)
        return fields
    }

    /// The `{id}` of the path, a positive integer.
    func id(_ context: StrataRequestContext) throws(ParameterError) -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else {
            throw ParameterError(parameter: "id", message: "id: expected a positive integer, got '\(text)'")
        }
        return id
    }

    /// The `limit` query parameter of a list.
    static func limit(_ query: QueryParameters) throws(ParameterError) -> Int {
        try query.integer("limit", default: defaultLimit, range: 1...maximumLimit)
    }

    /// An optional query parameter that must be a valid symbol.
    static func symbol(_ query: QueryParameters, _ name: String = "symbol") throws(ParameterError) -> Symbol? {
        guard let text = query.optional(name) else { return nil }
        guard Symbol.isValid(text) else {
            throw ParameterError(parameter: name, message: "\(name): invalid symbol '\(text)'")
        }
        return Symbol(unchecked: text)
    }

    /// An optional `true`/`false` query parameter.
    static func flag(_ query: QueryParameters, _ name: String) throws(ParameterError) -> Bool {
        switch query.optional(name) {
        case nil, "false"?: return false
        case "true"?: return true
        case let other?:
            throw ParameterError(parameter: name, message: "\(name): expected true or false, got '\(other)'")
        }
    }

    /// An optional time query parameter (ISO-8601 or epoch ns).
    static func time(_ query: QueryParameters, _ name: String) throws(ParameterError) -> Timestamp? {
        guard query.optional(name) != nil else { return nil }
        return try query.timestamp(name)
    }

    /// A list answer: `count`, `truncated` (more matched than `limit`) and the items under `name`.
    static func list(_ name: String, _ items: [JSON], limit: Int, extra: [(String, JSON)] = []) -> JSON {
        .object(
            extra + [
                ("count", .int(min(items.count, limit))), ("truncated", .bool(items.count > limit)),
                (name, .array(Array(items.prefix(limit)))),
            ])
    }
}

// MARK: - Answers

/// The JSON pieces the record routes share.
enum RecordFields {
    /// `<name>_ns` (epoch ns as a string) and `<name>` (ISO-8601).
    static func time(_ name: String, _ time: Timestamp) -> [(String, JSON)] {
        [("\(name)_ns", .string(String(time.nanoseconds))), (name, .string(time.iso8601))]
    }

    /// `<name>_ns` and `<name>`, both null when there is no time.
    static func time(_ name: String, _ time: Timestamp?) -> [(String, JSON)] {
        guard let time else { return [("\(name)_ns", .null), (name, .null)] }
        return Self.time(name, time)
    }

    /// An exact decimal as a string; null when absent.
    static func decimal<D: FixedPointDecimal>(_ value: D?) -> JSON { value.map { .string($0.description) } ?? .null }

    /// A float (a confidence, a severity) as the string of its shortest exact text, as rows write them.
    static func float(_ value: Double) -> JSON { .string("\(value)") }

    /// Text that holds JSON (metadata, a payload) as the JSON value it is; other text as a string.
    static func embedded(_ text: String) -> JSON {
        JSONSyntax.isValue(text) ? .raw(ByteBuffer(string: text)) : .string(text)
    }
}

// MARK: - Errors

/// The status and shape of a refused order or job operation.
enum RecordErrors {
    /// 404 for an unknown order, 409 for one whose status refuses the operation (`status` names
    /// it), a duplicate id or a fill beyond the size, 400 for an invalid order or change.
    static func response(_ error: OrderError, context: StrataRequestContext) -> Response {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .unknownOrder: .notFound
            case .illegalTransition, .duplicateOrder, .overfill: .conflict
            case .invalid: .badRequest
            }
        // An invalid order's message starts with the field it is about (`price: …`).
        let field = error.kind == .invalid ? error.message.split(separator: ":").first.map(String.init) : nil
        return Responses.error(
            status: status, code: error.kind.rawValue, message: error.description, field: field,
            details: [("order", .int(error.order)), ("status", error.status.map { .string($0.rawValue) } ?? .null)],
            context: context)
    }

    /// 404 for an unknown job, 409 for a duplicate id, a lease that is not the job's live one, a
    /// completed job, a requeue of a job that is not dead; 400 for an invalid job.
    static func response(_ error: JobQueueError, context: StrataRequestContext) -> Response {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .unknownJob: .notFound
            case .duplicateJob, .leaseLost, .alreadyCompleted, .notDead: .conflict
            case .invalidJob: .badRequest
            }
        return Responses.error(
            status: status, code: error.kind.rawValue, message: error.description, details: [("job", .int(error.job))],
            context: context)
    }
}
