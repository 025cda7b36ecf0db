import CompressNIO
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Strata
import StrataLineProtocol

/// ILP over HTTP, as InfluxDB and QuestDB serve it (write access):
/// - `POST /write` (v1: `precision=n|u|ms|s|m|h`) and `POST /api/v2/write` (v2:
///   `precision=ns|us|ms|s`); both accept both spellings, default nanoseconds; `db`, `org`,
///   `bucket` are ignored (one store).
/// - `Content-Encoding: gzip` bodies; the limit `http.maxRequestBytes` applies to the body as
///   received and as decompressed (413 naming it).
/// - 204 when every line is stored; 400 `{"code","message","line","errorId"}` and nothing stored
///   when any line is bad, the bad line quarantined with the request id (``RefusedLines``); 503 only for conditions worth a retry: the store cannot write now, or
///   the server holds `http.maxInFlightWriteBytes` of bodies already and no room came within
///   `http.writeWaitMilliseconds` (`overloaded`, with `Retry-After`; see ``WriteBudget``).
/// - `GET|HEAD /ping`: 204 with `X-Influxdb-Version` (clients probe it), no token needed.
/// - `GET /settings` (``SettingsRoute``), no token needed: ILP versions 1, 2 and 3, so QuestDB's
///   clients send binary float64 (v2) and decimal (v3) values.
struct WriteRoutes {
    let ingest: ILPIngest
    let maxRequestBytes: Int
    let budget: WriteBudget
    let wait: Duration
    let metrics: ServerMetrics

    /// The version InfluxDB clients see in `X-Influxdb-Version`.
    static let influxVersion = "Strata-1.0 (InfluxDB line protocol v1)"

    func register(on router: Router<StrataRequestContext>) {
        router.post("/write") { request, context in await write(request, context: context) }
        router.post("/api/v2/write") { request, context in await write(request, context: context) }
        router.get("/ping") { _, _ in Self.ping() }
        router.head("/ping") { _, _ in Self.ping() }
        SettingsRoute(
            maxRequestBytes: maxRequestBytes, maxLineBytes: ingest.maxLineBytes,
            longestName: ingest.mapping.longestName
        ).register(on: router)
    }

    static func ping() -> Response {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Influxdb-Version")!] = influxVersion
        return Response(status: .noContent, headers: headers)
    }

    func write(_ request: Request, context: StrataRequestContext) async -> Response {
        let now = WallClock.now().nanoseconds
        var reserved = 0
        defer { budget.release(reserved) }
        var received: (body: ByteBuffer, precision: LineProtocol.Precision)?
        do {
            let precision = try precision(request)
            try refuseDeclaredOversize(request)
            guard let bytes = await budget.reserve(reservation(request), timeout: wait) else {
                metrics.writeOverloaded()
                context.logger.notice("ILP write refused: overloaded")
                var response = Responses.error(
                    status: .serviceUnavailable, code: "overloaded",
                    message: "the server holds http.maxInFlightWriteBytes = \(budget.capacity) bytes of writes "
                        + "already and none finished in time: retry later",
                    context: context)
                response.headers[.retryAfter] = "1"
                return response
            }
            reserved = bytes
            let body = try await body(request)
            received = (body, precision)
            let summary = try await ingest.write(body, precision: precision, now: now, protocol: "http")
            context.logger.debug(
                "ILP write", metadata: ["rows": "\(summary.stored)", "duplicates": "\(summary.duplicates)"])
            return Response(status: .noContent)
        } catch {
            let status: HTTPResponse.Status =
                switch error.status {
                case 413: .contentTooLarge
                case 415: .unsupportedMediaType
                case 503: .serviceUnavailable
                case 500: .internalServerError
                default: .badRequest
                }
            var metadata: Logger.Metadata = ["code": "\(error.code)", "error": "\(error)"]
            if let received,
                let path = ingest.refused.keep(
                    error, body: received.body, precision: received.precision, requestID: context.requestID,
                    logger: context.logger)
            {
                metadata["quarantine"] = "\(path)"
            }
            context.logger.notice("ILP write refused", metadata: metadata)
            var response = Responses.error(
                status: status, code: error.code, message: error.message, line: error.line, context: context)
            // Every 503 is worth a retry (the disk is full, the WAL cannot sync): say when.
            if status == .serviceUnavailable { response.headers[.retryAfter] = "5" }
            return response
        }
    }

    private func precision(_ request: Request) throws(WriteError) -> LineProtocol.Precision {
        guard let text = request.uri.queryParameters["precision"] else { return .nanoseconds }
        do {
            return try LineProtocol.Precision(parameter: String(text))
        } catch {
            throw WriteError(code: "invalidPrecision", message: error.message)
        }
    }

    /// The bytes a request reserves before its body is read: its `Content-Length` when known
    /// and not compressed, else the largest body there may be.
    private func reservation(_ request: Request) -> Int {
        guard let length = declaredLength(request) else { return maxRequestBytes }
        return min(length, maxRequestBytes)
    }

    /// The body's size as received, when the request says it: its `Content-Length`, uncompressed.
    private func declaredLength(_ request: Request) -> Int? {
        let encoding = request.headers[.contentEncoding]?.lowercased()
        guard encoding == nil || encoding == "identity",
            let length = request.headers[.contentLength].flatMap({ Int($0) }), length >= 0
        else { return nil }
        return length
    }

    /// A body declared larger than `maxRequestBytes` is refused before any of it is read.
    private func refuseDeclaredOversize(_ request: Request) throws(WriteError) {
        guard let length = declaredLength(request), length > maxRequestBytes else { return }
        throw WriteError(
            code: "requestTooLarge",
            message:
                "Content-Length \(length) is larger than http.maxRequestBytes = \(maxRequestBytes) bytes; split the batch",
            status: 413)
    }

    /// The body, decompressed if gzip, within `maxRequestBytes`.
    private func body(_ request: Request) async throws(WriteError) -> ByteBuffer {
        let tooLarge = WriteError(
            code: "requestTooLarge",
            message: "request body larger than http.maxRequestBytes = \(maxRequestBytes) bytes; split the batch",
            status: 413)
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxRequestBytes)
        } catch {
            throw tooLarge
        }
        switch request.headers[.contentEncoding]?.lowercased() {
        case nil, "identity": break
        case "gzip", "x-gzip":
            do {
                buffer = try buffer.decompress(with: .gzip(), maxSize: maxRequestBytes + 1)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw tooLarge
            } catch {
                throw WriteError(code: "invalidGzip", message: "Content-Encoding: gzip but the body is not valid gzip")
            }
            if buffer.readableBytes > maxRequestBytes { throw tooLarge }
        case let other?:
            throw WriteError(
                code: "unsupportedEncoding", message: "Content-Encoding: \(other) is not supported (use gzip or none)",
                status: 415)
        }
        return buffer  // parsed in place (``ILPIngest/write(_:precision:now:protocol:)-(ByteBuffer,_,_,_)``)
    }
}
