import Hummingbird
import Logging
import Strata
import StrataTiers

/// The JSON query API (GET, read access): latest, range and last timestamp of each table, bars,
/// stats. Every parameter error is a 400 naming the parameter (see `openapi.json`).
struct QueryRoutes {
    let store: StrataStore
    let slowQueries: SlowQueryLog
    /// The tiers (`tiers` block): JSON latest-N and first range pages of a table with read tiers go
    /// through its ``StrataTiers/TieredReader`` (``TieredAnswers``).
    var tiers: ServerTiers? = nil

    /// Most rows `latest` and `range` return in one answer.
    static let maximumLimit = 100_000
    /// Rows `latest` and `range` return without a `limit`.
    static let defaultLatestLimit = 100
    static let defaultRangeLimit = 10_000
    /// Widest bar `offset`, either way, in minutes (one day).
    static let maximumOffsetMinutes = 1_440

    func register(on router: Router<StrataRequestContext>) {
        let readers = store.readers
        for table in readers { register(table.schema, { table }, on: router) }
        // The trading records' tables not open yet: served once they are (the first request opens
        // them), so a server started before the first order answers its order events' queries.
        let store = store
        for schema in RecordSchema.tradingRecords where !readers.contains(where: { $0.name == schema.name }) {
            register(
                schema,
                {
                    guard let reader = store.reader(named: schema.name) else {
                        throw StrataError(.closed, "the trading records cannot be opened (see /health/ready)")
                    }
                    return reader
                }, on: router)
        }
        router.get("/api/v1/bars") { request, context in
            await respond(context) { try await bars(QueryParameters(request), format: AnswerFormat(request)) }
        }
        router.get("/api/v1/indicators") { request, context in
            await respond(context) { try await indicators(QueryParameters(request), format: AnswerFormat(request)) }
        }
        router.get("/api/v1/quotes/bars") { request, context in
            await respond(context) { try await quoteBars(QueryParameters(request), format: AnswerFormat(request)) }
        }
        let slowQueries = slowQueries
        router.get("/api/v1/stats") { _, context in
            await answer(context) { () async throws -> JSON in
                .object([
                    ("tables", .rows(store.stats())), ("storage", .rows(store.storage())),
                    ("slow_query_threshold_ms", .int(slowQueries.thresholdNanoseconds / 1_000_000)),
                    ("slow_queries", .rows(slowQueries.newestFirst)),
                ])
            }
        }
    }

    /// A table's routes — latest, range (paged), aggregate, symbols and last — alike for every
    /// table, built-in or user-defined; its rows as its schema lays them out (``RowJSON``).
    private func register(
        _ schema: RecordSchema, _ reader: @escaping @Sendable () throws -> TableReader,
        on router: Router<StrataRequestContext>
    ) {
        let path = schema.name
        let writer = RowJSON(schema: schema)
        let tiered = tiers?.reader(table: path)
        router.get("/api/v1/\(path)/latest") { request, context in
            await respond(context) {
                let table = try reader()
                let format = try AnswerFormat(request)
                let latest = try LatestParameters(QueryParameters(request))
                if format.isColumnar {
                    return try ColumnarAnswer.whole(
                        table.latestBatch(symbol: latest.symbol, limit: latest.limit), format: format, table: path)
                }
                if let tiered {
                    let answer = try await tiered.latest(
                        table: path, symbol: latest.symbol.name, limit: latest.limit)
                    return TieredAnswers.respond(
                        rowsJSON(
                            table: path, symbol: latest.symbol, count: answer.rows.count,
                            rows: writer.array(answer.rows, symbol: latest.symbol), truncated: false),
                        tier: answer.tier)
                }
                let rows = try table.latest(symbol: latest.symbol, limit: latest.limit)
                return Responses.json(
                    rowsJSON(
                        table: path, symbol: latest.symbol, count: rows.count,
                        rows: writer.array(rows, symbol: latest.symbol), truncated: false))
            }
        }
        router.get("/api/v1/\(path)/range") { request, context in
            await respond(context) {
                let table = try reader()
                let format = try AnswerFormat(request)
                let range = try RangeParameters(QueryParameters(request), paged: !format.isColumnar)
                if format.isColumnar {
                    // No ceiling: the range streams to its end (or to `limit`), page by page.
                    let pages = table.rangeBatches(
                        symbol: range.symbol, from: range.from, to: range.to, limit: range.limit, after: range.cursor)
                    return try await ColumnarAnswer.stream(pages, format: format, table: path)
                }
                let limit = range.limit ?? Self.defaultRangeLimit
                if let tiered, range.cursor == nil,
                    let answer = await TieredAnswers.range(
                        tiered, table: path, symbol: range.symbol, from: range.from, to: range.to, limit: limit,
                        timestampLane: schema.timestampLane)
                {
                    return TieredAnswers.respond(
                        rowsJSON(
                            table: path, symbol: range.symbol, count: answer.rows.count,
                            rows: writer.array(answer.rows, symbol: range.symbol), truncated: answer.next != nil,
                            next: .some(answer.next)),
                        tier: answer.tier)
                }
                tiered?.countSystemOfRecord()
                let page = try table.range(
                    symbol: range.symbol, from: range.from, to: range.to, limit: limit, after: range.cursor)
                return Responses.json(
                    rowsJSON(
                        table: path, symbol: range.symbol, count: page.rows.count,
                        rows: writer.array(page.rows, symbol: range.symbol), truncated: page.next != nil,
                        next: .some(page.next)))
            }
        }
        router.get("/api/v1/\(path)/aggregate") { request, context in
            await respond(context) {
                let table = try reader()
                return try await AggregateRoute.answer(table: path, request) { try table.aggregate($0) }
            }
        }
        router.get("/api/v1/\(path)/symbols") { _, context in
            await answer(context) { () async throws -> JSON in
                let symbols = try reader().symbolListing()
                return .object([("table", .string(path)), ("count", .int(symbols.count)), ("symbols", .rows(symbols))])
            }
        }
        router.get("/api/v1/\(path)/last") { request, context in
            await answer(context) { () async throws -> JSON in
                let symbol = try QueryParameters(request).symbol()
                let last = try reader().lastTimestamp(symbol: symbol)
                return .object(
                    [("table", .string(path)), ("symbol", .string(symbol.name))]
                        + (last?.jsonMembers ?? [("ts_ns", .null), ("time", .null)]))
            }
        }
    }

    /// The `timeframe` parameter.
    private func timeframe(_ query: QueryParameters) throws -> Timeframe {
        let text = try query.required("timeframe")
        do {
            return try Timeframe(text)
        } catch {
            throw ParameterError(
                parameter: "timeframe", message: "timeframe: expected 1m, 5m, 15m, 1h, 4h, 1d…, got '\(text)'")
        }
    }

    /// Best bid and ask OHLC of the quotes in each bucket (`GET /api/v1/quotes/bars`).
    private func quoteBars(_ query: QueryParameters, format: AnswerFormat) async throws -> Response {
        let symbol = try query.symbol()
        let timeframe = try timeframe(query)
        let from = try query.timestamp("from")
        let to = try query.timestamp("to")
        let bars = try await store.quoteBars(symbol: symbol, timeframe: timeframe, from: from, to: to)
        if format.isColumnar { return try ColumnarAnswer.whole(ColumnarBatch(quoteBars: bars), format: format) }
        return Responses.json(
            .object([
                ("symbol", .string(symbol.name)), ("timeframe", .string(timeframe.description)),
                ("count", .int(bars.count)), ("bars", .rows(bars)),
            ]))
    }

    /// The bars a bar route reads: `symbol`, `timeframe`, `from`, `to` and `offset` (minutes).
    private struct BarWindow {
        var symbol: Symbol
        var timeframe: Timeframe
        var from: Timestamp
        var to: Timestamp
        /// In nanoseconds.
        var offset: Int64
    }

    private func barWindow(_ query: QueryParameters) throws -> BarWindow {
        let offsetMinutes = try query.integer(
            "offset", default: 0, range: -Self.maximumOffsetMinutes...Self.maximumOffsetMinutes)
        return BarWindow(
            symbol: try query.symbol(), timeframe: try timeframe(query), from: try query.timestamp("from"),
            to: try query.timestamp("to"), offset: Int64(offsetMinutes) * 60_000_000_000)
    }

    private func bars(_ query: QueryParameters, format: AnswerFormat) async throws -> Response {
        let window = try barWindow(query)
        let empty: EmptyBucketPolicy
        switch query.optional("empty") ?? "omit" {
        case "omit": empty = .omit
        case "carry": empty = .carryForward
        case let other:
            throw ParameterError(parameter: "empty", message: "empty: expected omit or carry, got '\(other)'")
        }
        let bars = try await store.bars(
            symbol: window.symbol, timeframe: window.timeframe, from: window.from, to: window.to,
            offset: window.offset, emptyBuckets: empty)
        if format.isColumnar { return try ColumnarAnswer.whole(ColumnarBatch(bars: bars), format: format) }
        return Responses.json(
            .object([
                ("symbol", .string(window.symbol.name)), ("timeframe", .string(window.timeframe.description)),
                ("count", .int(bars.count)),
                ("bars", .rows(bars)),
            ]))
    }

    /// Bars with indicators beside them (`GET /api/v1/indicators`): `indicators` is a list such
    /// as `ema(9),rsi,macd` (see ``Indicator``); bars as `GET /api/v1/bars` answers them.
    private func indicators(_ query: QueryParameters, format: AnswerFormat) async throws -> Response {
        let window = try barWindow(query)
        let text = try query.required("indicators")
        let indicators: [Indicator]
        do {
            indicators = try Indicator.list(text)
        } catch let error as ValidationError {
            throw ParameterError(parameter: "indicators", message: "indicators: \(error.detail ?? error.explanation)")
        }
        let answer = try await store.indicators(
            indicators, symbol: window.symbol, timeframe: window.timeframe, from: window.from, to: window.to,
            offset: window.offset)
        if format.isColumnar { return try ColumnarAnswer.whole(ColumnarBatch(answer), format: format) }
        return Responses.json(
            .object([
                ("symbol", .string(window.symbol.name)), ("timeframe", .string(window.timeframe.description)),
                ("indicators", .array(indicators.map { .string($0.description) })),
                ("warm_up_bars", .int(answer.warmUpBars)), ("count", .int(answer.bars.count)),
                ("bars", .rows(answer.jsonBars)),
            ]))
    }

    /// A rows answer; a range answer also has `next_cursor` (null on its last page).
    private func rowsJSON(
        table: String, symbol: Symbol, count: Int, rows: JSON, truncated: Bool, next: RangeCursor?? = nil
    ) -> JSON {
        var members: [(String, JSON)] = [
            ("table", .string(table)), ("symbol", .string(symbol.name)), ("count", .int(count)),
            ("truncated", .bool(truncated)),
        ]
        if let next { members.append(("next_cursor", next.map { .string($0.description) } ?? .null)) }
        members.append(("rows", rows))
        return .object(members)
    }
}

/// Runs a query (or a trading record operation) and turns its errors into the shared error
/// shape: 400 naming the parameter or the body's field, 400 for an argument the store refuses,
/// 404 / 409 for an unknown or conflicting order or job (``RecordErrors``), 503 when the store is
/// closed, 500 otherwise.
func answer(
    _ context: StrataRequestContext, status: HTTPResponse.Status = .ok, _ body: () async throws -> JSON
) async -> Response {
    await respond(context) { Responses.json(try await body(), status: status) }
}

/// Runs a query that makes its own response (JSON, Arrow or CSV), with ``answer(_:status:_:)``'s
/// errors.
func respond(_ context: StrataRequestContext, _ body: () async throws -> Response) async -> Response {
    do {
        return try await body()
    } catch let error as ParameterError {
        return Responses.error(
            status: .badRequest, code: "invalidParameter", message: error.message, parameter: error.parameter,
            context: context)
    } catch let error as BodyError {
        return Responses.error(
            status: HTTPResponse.Status(code: error.status), code: error.code, message: error.message,
            field: error.field, context: context)
    } catch let error as OrderError {
        return RecordErrors.response(error, context: context)
    } catch let error as JobQueueError {
        return RecordErrors.response(error, context: context)
    } catch let error as AnomalyError {
        return Responses.error(
            status: .badRequest, code: "invalidAnomaly", message: error.description, field: error.field,
            context: context)
    } catch let error as ValidationError {
        return Responses.error(
            status: .badRequest, code: error.rule.rawValue, message: error.description, field: error.field,
            details: error.index.map { [("index", .int($0))] } ?? [], context: context)
    } catch let error as StrataError where error.code == .invalidArgument {
        return Responses.error(status: .badRequest, code: "invalidArgument", message: error.message, context: context)
    } catch let error as StrataError where error.code == .closed {
        // A store closing (the server stopping) or a backend's pool closed: another node, or this
        // one restarted, answers a retry.
        var response = Responses.error(
            status: .serviceUnavailable, code: "unavailable", message: error.message, context: context)
        response.headers[.retryAfter] = "5"
        return response
    } catch let error as StrataError where error.code == .corruptFile {
        // Recorded as an incident by the store (health shows it); the answer names the damage.
        context.logger.error("query met damaged data", metadata: ["error": "\(error)"])
        return Responses.error(
            status: .internalServerError, code: "dataDamaged",
            message: "stored data needed by this query is damaged: \(error.description); see /health/ready",
            context: context)
    } catch let error as StrataError where error.code == .io {
        context.logger.error("query failed reading the disk", metadata: ["error": "\(error)"])
        var response = Responses.error(
            status: .serviceUnavailable, code: "unavailable", message: "\(error.description)", context: context)
        response.headers[.retryAfter] = "5"
        return response
    } catch {
        context.logger.error("query failed", metadata: ["error": "\(error)"])
        return Responses.error(status: .internalServerError, code: "internal", message: "\(error)", context: context)
    }
}

/// `symbol` and `limit` of a `latest` query.
struct LatestParameters {
    let symbol: Symbol
    let limit: Int

    init(_ query: QueryParameters) throws(ParameterError) {
        symbol = try query.symbol()
        limit = try query.integer(
            "limit", default: QueryRoutes.defaultLatestLimit, range: 1...QueryRoutes.maximumLimit)
    }
}

/// `symbol`, `from`, `to`, `limit` and `cursor` (a `next_cursor` of this range) of a `range` query.
struct RangeParameters {
    let symbol: Symbol
    let from: Timestamp
    let to: Timestamp
    /// Most rows: for a paged (JSON) answer, of the page (1…100,000; nil: the default page);
    /// streamed (Arrow, CSV), of the whole answer (any positive number; nil: to the end).
    let limit: Int?
    let cursor: RangeCursor?

    init(_ query: QueryParameters, paged: Bool = true) throws(ParameterError) {
        symbol = try query.symbol()
        from = try query.timestamp("from")
        to = try query.timestamp("to")
        guard from <= to else { throw ParameterError(parameter: "to", message: "to: must not be before from") }
        if query.optional("limit") == nil {
            limit = nil
        } else {
            limit = try query.integer("limit", default: 0, range: 1...(paged ? QueryRoutes.maximumLimit : Int.max))
        }
        if let text = query.optional("cursor") {
            guard let parsed = RangeCursor(text), parsed.timestamp >= from, parsed.timestamp < to else {
                throw ParameterError(
                    parameter: "cursor",
                    message: "cursor: expected a next_cursor of this range (<epoch ns>:<skip>), got '\(text)'")
            }
            cursor = parsed
        } else {
            cursor = nil
        }
    }
}
