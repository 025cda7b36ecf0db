import Hummingbird
package import Strata

/// `GET /api/v1/{table}/aggregate`: count, sum, min, max, first, last and VWAP over any numeric
/// column, for a symbol set (or all) and a time range, grouped by symbol, by time bucket, both or
/// not at all — the full-scan query ("Σ qty and count per symbol over the day").
///
/// Parameters: `fn` (required: `count`, `sum(qty)`, `min(price)`, `max(price)`, `first(price)`,
/// `last(price)`, `vwap` or `vwap(price,qty)`, comma-separated), `symbols` (comma-separated;
/// default all), `from`, `to` (default: all time), `by` (`symbol`, `bucket`, `symbol,bucket`),
/// `bucket` (`30s`, `5m`, `1h`, `1d`). Each row has `symbol` and `bucket_ns`/`bucket` when grouped
/// so, then one member per function named as written: integers as numbers (strings beyond
/// 2^63), decimals as exact strings, float64 results as strings, no value as null. In Arrow or
/// CSV (`format=arrow|csv`), the columns of ``ColumnarBatch/init(aggregate:functions:grouping:)``.
package struct AggregateRoute {
    static func answer(
        table name: String, _ request: Request, _ aggregate: (AggregateQuery) async throws -> [AggregateRow]
    ) async throws -> Response {
        let format = try AnswerFormat(request)
        let query = QueryParameters(request)
        let functions = try functions(query)
        let symbols = try query.optional("symbols").map { text in
            try text.split(separator: ",").map { name throws(ParameterError) -> Symbol in
                do {
                    return try Symbol(String(name), field: "symbols")
                } catch {
                    throw ParameterError(parameter: "symbols", message: "symbols: \(error)")
                }
            }
        }
        let from = try query.optional("from").map { _ throws(ParameterError) in try query.timestamp("from") } ?? .min
        let to = try query.optional("to").map { _ throws(ParameterError) in try query.timestamp("to") } ?? .max
        guard from <= to else { throw ParameterError(parameter: "to", message: "to: must not be before from") }
        let grouping: AggregateGrouping
        do {
            grouping = try AggregateGrouping(by: query.optional("by"), bucket: query.optional("bucket"))
        } catch let error as StrataError {
            let parameter = error.message.hasPrefix("by") ? "by" : "bucket"
            throw ParameterError(parameter: parameter, message: error.message)
        }
        let rows = try await aggregate(
            AggregateQuery(functions, symbols: symbols, from: from, to: to, grouping: grouping))
        if format.isColumnar {
            return try ColumnarAnswer.whole(
                ColumnarBatch(aggregate: rows, functions: functions, grouping: grouping), format: format, table: name)
        }
        return Responses.json(
            .object([
                ("table", .string(name)), ("functions", .array(functions.map { .string($0.description) })),
                ("count", .int(rows.count)), ("rows", .array(objects(rows, functions: functions))),
            ]))
    }

    /// Each row as the API writes it: `symbol`, `bucket_ns`/`bucket` when grouped so, then one
    /// member per function.
    static func objects(_ rows: [AggregateRow], functions: [AggregateFunction]) -> [JSON] {
        let names = functions.map(\.description)
        return rows.map { row in
            var members: [(String, JSON)] = []
            if let symbol = row.symbol { members.append(("symbol", .string(symbol.name))) }
            if let start = row.bucketStart {
                members += [("bucket_ns", .string(String(start.nanoseconds))), ("bucket", .string(start.iso8601))]
            }
            for (name, value) in zip(names, row.values) { members.append((name, json(value))) }
            return .object(members)
        }
    }

    /// The API's row objects as text: what `strata query aggregate --format json` prints.
    package static func apiJSON(_ rows: [AggregateRow], functions: [AggregateFunction]) -> [String] {
        objects(rows, functions: functions).map { $0.serialized() }
    }

    /// `fn` (see ``AggregateFunction/list(_:)``).
    static func functions(_ query: QueryParameters) throws -> [AggregateFunction] {
        do {
            return try AggregateFunction.list(try query.required("fn"))
        } catch let error as StrataError {
            throw ParameterError(parameter: "fn", message: error.message)
        }
    }

    static func json(_ value: AggregateValue) -> JSON {
        switch value {
        case .integer(let integer): Int64(exactly: integer).map(JSON.int) ?? .string(String(integer))
        case .decimal(let amount): .string(amount.description)
        case .float(let double): .string(String(double))
        case .absent: .null
        }
    }
}
