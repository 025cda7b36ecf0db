import Hummingbird
import Strata

/// `GET /api/v1/asof`: the ASOF join of two tables for one symbol and a time range (each left row
/// with the last right row at or before its time, within `tolerance`; see
/// `StrataStore.asofJoin`). JSON a page at a time (`limit`, `cursor`, as a range); Arrow and CSV
/// stream to the end, one page of each side in memory.
struct AsofRoute {
    let store: StrataStore

    static let path = "/api/v1/asof"

    func register(on router: Router<StrataRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context in
            await respond(context) { try await answer(request) }
        }
    }

    private func answer(_ request: Request) async throws -> Response {
        let format = try AnswerFormat(request)
        let query = QueryParameters(request)
        let leftName = try query.required("left")
        let rightName = try query.required("right")
        let left = try table(leftName, "left")
        let right = try table(rightName, "right")
        let range = try RangeParameters(query, paged: !format.isColumnar)
        guard range.from < range.to else {
            throw ParameterError(parameter: "to", message: "to: must be after from")
        }
        var tolerance: Int64?
        if let text = query.optional("tolerance") {
            guard let nanoseconds = DurationText.nanoseconds(text) else {
                throw ParameterError(
                    parameter: "tolerance",
                    message:
                        "tolerance: expected a duration of 0 or more (500ms, 1s, 5m, or integer nanoseconds), got '\(text)'"
                )
            }
            tolerance = nanoseconds
        }
        let prefix = query.optional("prefix")
        if format.isColumnar {
            let pages = try left.asofJoin(
                right, symbol: range.symbol, from: range.from, to: range.to, tolerance: tolerance, prefix: prefix,
                batchRows: ColumnarPages.defaultBatchRows, limit: range.limit, after: range.cursor)
            return try await ColumnarAnswer.stream(pages, format: format, table: "asof(\(left.name),\(right.name))")
        }
        let limit = range.limit ?? QueryRoutes.defaultRangeLimit
        var pages = try left.asofJoin(
            right, symbol: range.symbol, from: range.from, to: range.to, tolerance: tolerance, prefix: prefix,
            batchRows: min(limit, ColumnarPages.defaultBatchRows), limit: limit, after: range.cursor)
        var rows = JSONWriter(capacity: 256)
        rows.beginArray()
        var count = 0
        while let batch = try pages.next() {
            ColumnarJSON.write(batch, to: &rows)
            count += batch.count
        }
        rows.endArray()
        let next = pages.cursor
        return Responses.json(
            .object([
                ("left", .string(left.name)), ("right", .string(right.name)), ("symbol", .string(range.symbol.name)),
                ("tolerance_ns", tolerance.map { .string(String($0)) } ?? .null), ("count", .int(count)),
                ("truncated", .bool(next != nil)), ("next_cursor", next.map { .string($0.description) } ?? .null),
                ("rows", .raw(rows.buffer)),
            ]))
    }

    /// The table `name` for the side `parameter`; a 400 naming the parameter when there is none.
    private func table(_ name: String, _ parameter: String) throws -> TableReader {
        do {
            return try store.asofReader(name, parameter)
        } catch let error as StrataError {
            throw ParameterError(parameter: parameter, message: error.message)
        }
    }

    /// The route in the OpenAPI document.
    static var openAPI: JSON {
        typealias Parameter = OpenAPIDocument.Parameter
        typealias Schema = OpenAPIDocument.Schema
        let answer = Schema.object([
            "left": Schema.string, "right": Schema.string, "symbol": Schema.string,
            "tolerance_ns": Schema.nullableString, "count": Schema.integer, "truncated": Schema.boolean,
            "next_cursor": Schema.nullableString,
            "rows": Schema.array(
                of: [
                    "type": "object",
                    "description":
                        "The left table's row (its timestamp, time, symbol, its columns), then the right row's columns prefixed (<prefix>ts, …; no symbol), null where no right row qualifies.",
                ]),
        ])
        return OpenAPIDocument.operation(
            "ASOF join: each row of the left table (symbol, from <= time < to) with the last row of the right table at or before its time.",
            description:
                "pandas merge_asof(direction=backward, by=symbol, allow_exact_matches=True): a right row at the left row's very time qualifies; among right rows at one time the last stored wins; with tolerance, a right row older than it is not taken. Right columns are named <prefix><column> (prefix: the right table's name and _), its timestamp <prefix>ts. JSON is paged as a range (limit, next_cursor); Arrow or CSV (format=arrow|csv) stream to the end, limit counting every row.",
            parameters: [
                Parameter.query("left", required: true, "The table whose rows are joined (trades, a declared table…)."),
                Parameter.query("right", required: true, "The table looked up (quotes, a declared table…)."),
                Parameter.symbol, Parameter.from, Parameter.to,
                Parameter.query(
                    "tolerance",
                    "Oldest a right row may be before the left row, inclusive: 500ms, 1s, 5m, 1h, 1d, or integer nanoseconds (default: any age)."
                ),
                Parameter.query("prefix", "Before the right columns' names (default <right>_)."),
                Parameter.limit(
                    "Most left rows returned", default: QueryRoutes.defaultRangeLimit,
                    then: "; truncated tells if more exist, next_cursor where they start"),
                Parameter.query(
                    "cursor", "The next_cursor of the previous page (<epoch ns>:<rows to skip>).", ["type": "string"]),
                Parameter.format,
            ],
            responses: [OpenAPIDocument.okAnswer(answer)] + OpenAPIDocument.queryErrors)
    }
}
