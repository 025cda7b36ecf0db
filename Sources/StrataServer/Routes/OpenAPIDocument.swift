import Hummingbird
import Strata
import StrataWire

/// The server's OpenAPI 3 description, served at `GET /openapi.json` (no token needed).
///
/// Built from small pieces (one function per kind of route, shared parameters, error responses
/// and record schemas) and encoded once. It is not derived from the router: `OpenAPITests`
/// checks that every route the router has is described here and that every path described here
/// is routed.
enum OpenAPIDocument {
    /// Serves the document of a store whose user-defined tables are `tables` (every table's routes
    /// and rows are described from its schema).
    static func register(on router: Router<StrataRequestContext>, tables: [RecordSchema] = []) {
        let bytes = Array(document(tables: tables).serialized().utf8)
        router.get("/openapi.json") { _, _ in Responses.bytes(bytes, contentType: "application/json") }
    }

    static func document(tables: [RecordSchema]) -> JSON {
        [
            "openapi": "3.0.3",
            "info": [
                "title": "Strata server", "version": "1.0.0",
                "description": .string(
                    "ILP ingest, JSON queries and the trading records (orders, jobs, signals, anomalies) over a "
                        + "Strata store. Decimals are JSON strings. "
                        + "Errors: {code, message, line?, parameter?, field?, errorId}."),
            ],
            "servers": [["url": "http://127.0.0.1:9000"]],
            "security": Token.read,
            "paths": .object(paths(tables: tables)),
            "components": components,
        ]
    }

    private static func paths(tables: [RecordSchema]) -> [(String, JSON)] {
        var paths = writeRoutes
        // The built-in tables' rows are components named by their records (`Trade`); a
        // user-defined table's are described in place.
        for record in RecordSchema.builtInRecords {
            paths += tableRoutes(record.schema.name, row: Schema.ref(componentName(record)))
        }
        for schema in tables + RecordSchema.tradingRecords {
            paths += tableRoutes(schema.name, row: recordComponent(schema))
        }
        paths.append(("/api/v1/bars", ["get": bars]))
        paths.append(("/api/v1/indicators", ["get": indicators]))
        paths.append(("/api/v1/quotes/bars", ["get": quoteBars]))
        paths.append((AsofRoute.path, ["get": AsofRoute.openAPI]))
        paths.append(("/api/v1/stats", ["get": stats]))
        paths.append((QualityRoutes.path, ["get": quality]))
        paths.append((LiveFeed.path, ["get": live]))
        paths += healthRoutes
        paths += recordRoutes
        let metrics: JSON = operation(
            "Prometheus text format.",
            responses: [("200", content("Metrics.", Schema.string, type: "text/plain"))] + errors(401))
        paths.append(("/metrics", ["get": metrics]))
        let console: JSON = operation(
            "The web console (HTML, no token: the page asks for a read token before it reads any data).",
            security: Token.none, responses: [("200", content("The console page.", Schema.string, type: "text/html"))])
        paths.append(("/", ["get": console]))
        paths.append(("/console", ["get": console]))
        let document: JSON = operation("This document.", security: Token.none, responses: [ok(Schema.anyObject)])
        paths.append(("/openapi.json", ["get": document]))
        let serving: [(String, JSON)] = [("204", ["description": "Serving."])]
        let ping: JSON = operation(
            "InfluxDB client probe: 204 with X-Influxdb-Version.", security: Token.none, responses: serving)
        let pingHead: JSON = operation("InfluxDB client probe.", security: Token.none, responses: serving)
        paths.append(("/ping", ["get": ping, "head": pingHead]))
        let settings: JSON = operation(
            "QuestDB client probe: config.\"line.proto.support.versions\" (ILP 1, 2, 3), "
                + "config.\"cairo.max.file.name.length\" and Strata's request and line limits.",
            security: Token.none, responses: [ok(Schema.anyObject)])
        paths.append(("/settings", ["get": settings]))
        return paths
    }

    // MARK: - Routes

    /// `latest`, `range`, `last` and `symbols` of one table, as `QueryRoutes` registers them.
    static func tableRoutes(_ table: String, row: JSON) -> [(String, JSON)] {
        let rows = Schema.object([
            "table": Schema.string, "symbol": Schema.string, "count": Schema.integer, "truncated": Schema.boolean,
            "rows": Schema.array(of: row),
        ])
        let latest = operation(
            "Newest \(table) of a symbol, newest first.",
            parameters: [
                Parameter.symbol, Parameter.limit("Rows to return", default: QueryRoutes.defaultLatestLimit),
                Parameter.format,
            ],
            responses: [okAnswer(rows)] + queryErrors)
        let page = Schema.object([
            "table": Schema.string, "symbol": Schema.string, "count": Schema.integer, "truncated": Schema.boolean,
            "next_cursor": Schema.nullableString,
            "rows": Schema.array(of: row),
        ])
        let range = operation(
            "\(table) of a symbol with from <= time < to, oldest first, a page at a time.",
            description:
                "In Arrow or CSV (format=arrow|csv) the range streams to its end, page after page as it is read: limit, if given, is any number of rows of the whole answer.",
            parameters: [
                Parameter.symbol, Parameter.from, Parameter.to,
                Parameter.limit(
                    "Most rows returned", default: QueryRoutes.defaultRangeLimit,
                    then: "; truncated tells if more exist, next_cursor where they start"),
                Parameter.query(
                    "cursor", "The next_cursor of the previous page (<epoch ns>:<rows to skip>).", ["type": "string"]),
                Parameter.format,
            ],
            responses: [okAnswer(page)] + queryErrors)
        let listing = Schema.object([
            "table": Schema.string, "count": Schema.integer,
            "symbols": Schema.array(
                of: Schema.object([
                    "symbol": Schema.string, "rows": Schema.integer, "first_ns": Schema.string, "first": Schema.string,
                    "last_ns": Schema.string, "last": Schema.string,
                ])),
        ])
        let symbols = operation(
            "Every symbol of \(table) with rows: row count, first and last time (from indexes, no rows decoded).",
            parameters: [], responses: [ok(listing)] + queryErrors)
        let aggregateAnswer = Schema.object([
            "table": Schema.string, "functions": Schema.array(of: Schema.string), "count": Schema.integer,
            "rows": Schema.array(
                of: [
                    "type": "object",
                    "description":
                        "symbol and bucket_ns/bucket when grouped so, then one member per function as written: integers as numbers (strings beyond 2^63), decimals and float64 results as strings, no value as null.",
                ]),
        ])
        let aggregate = operation(
            "Count, sum, min, max, first, last and VWAP of \(table) over a time range, for some symbols or all, grouped by symbol and/or time bucket.",
            parameters: [
                Parameter.query(
                    "fn", required: true,
                    "Functions, comma-separated: count, sum(col), min(col), max(col), first(col), last(col), vwap, vwap(price,qty)."
                ),
                Parameter.query("symbols", "Symbols, comma-separated (default: all).", ["type": "string"]),
                Parameter.query(
                    "from", "Start, inclusive (ISO-8601 or epoch ns; default: all time).", ["type": "string"]),
                Parameter.query("to", "End, exclusive (default: all time).", ["type": "string"]),
                Parameter.query(
                    "by", "Grouping: symbol, bucket or symbol,bucket (default: one row).",
                    ["type": "string", "enum": ["symbol", "bucket", "symbol,bucket"]]),
                Parameter.query("bucket", "Bucket width: 30s, 5m, 1h, 1d…", ["type": "string"]),
                Parameter.format,
            ],
            responses: [okAnswer(aggregateAnswer)] + queryErrors)
        let last = operation(
            "Newest stored timestamp of a symbol in \(table) (null if none).", parameters: [Parameter.symbol],
            responses: [ok(Schema.ref("LastTimestamp"))] + queryErrors)
        return [
            ("/api/v1/\(table)/latest", ["get": latest]), ("/api/v1/\(table)/range", ["get": range]),
            ("/api/v1/\(table)/last", ["get": last]), ("/api/v1/\(table)/symbols", ["get": symbols]),
            ("/api/v1/\(table)/aggregate", ["get": aggregate]),
        ]
    }

    /// `symbol`, `timeframe`, `from`, `to`, `offset`: the bars a bar route reads.
    private static var barWindow: [JSON] {
        let offset = QueryRoutes.maximumOffsetMinutes
        return [
            Parameter.symbol,
            Parameter.query(
                "timeframe", required: true, "1m, 5m, 15m, 1h, 1d or any whole-minute timeframe (3m, 4h, 1w)."),
            Parameter.from, Parameter.to,
            Parameter.query(
                "offset", "Bucket offset in minutes, -\(offset)...\(offset) (default 0).",
                ["type": "integer", "minimum": .int(-offset), "maximum": .int(offset), "default": 0]),
        ]
    }

    private static var bars: JSON {
        operation(
            "OHLCV bars of trades, buckets starting in [from, to).",
            parameters: barWindow + [
                Parameter.query(
                    "empty", "Empty buckets: omit (default) or carry (flat bar at the previous close).",
                    ["type": "string", "enum": ["omit", "carry"]]),
                Parameter.format,
            ],
            responses: [
                okAnswer(
                    Schema.object([
                        "symbol": Schema.string, "timeframe": Schema.string, "count": Schema.integer,
                        "bars": Schema.array(of: Schema.ref("Bar")),
                    ]))
            ] + queryErrors)
    }

    private static var indicators: JSON {
        operation(
            "Bars of trades with indicators beside them, computed on query: sma(N), ema(N), rsi(N) (Wilder, 14), "
                + "macd(F,S,G) (12,26,9), bollinger(N,K) (20,2), atr(N) (Wilder, 14), vwap (anchored at from). "
                + "Each bar has the bar's members, then one decimal string (8 digits) or null per indicator column "
                + "(ema_9, rsi_14, macd, macd_signal, macd_histogram, bb_lower, bb_middle, bb_upper, atr_14, "
                + "anchored_vwap…). The bars before from that warm the indicators up are read, not answered.",
            parameters: barWindow + [
                Parameter.query(
                    "indicators", required: true, "Comma-separated indicators, e.g. ema(9),ema(21),rsi,macd,bollinger."),
                Parameter.format,
            ],
            responses: [
                okAnswer(
                    Schema.object([
                        "symbol": Schema.string, "timeframe": Schema.string,
                        "indicators": Schema.array(of: Schema.string),
                        "warm_up_bars": Schema.integer, "count": Schema.integer,
                        "bars": Schema.array(of: Schema.anyObject),
                    ]))
            ] + queryErrors)
    }

    private static var quoteBars: JSON {
        let ohlc = Schema.object([
            "open": Schema.decimal, "high": Schema.decimal, "low": Schema.decimal, "close": Schema.decimal,
        ])
        let bar = Schema.object([
            "ts_ns": Schema.string, "time": Schema.string, "bid": ohlc, "ask": ohlc, "quotes": Schema.integer,
        ])
        return operation(
            "Best bid and best ask OHLC of the quotes in each bucket starting in [from, to) (bid or ask null when no quote of the bucket had one).",
            parameters: [
                Parameter.symbol,
                Parameter.query("timeframe", required: true, "Any whole-minute timeframe (1m, 5m, 4h, 1d…)."),
                Parameter.from, Parameter.to, Parameter.format,
            ],
            responses: [
                okAnswer(
                    Schema.object([
                        "symbol": Schema.string, "timeframe": Schema.string, "count": Schema.integer,
                        "bars": Schema.array(of: bar),
                    ]))
            ] + queryErrors)
    }

    private static var stats: JSON {
        let tables: JSON = Schema.object(["tables": Schema.array(of: Schema.ref("TableStats"))])
        return operation(
            "Rows, symbols, partitions and bytes of every table.", responses: [ok(tables)] + errors(401))
    }

    private static var healthRoutes: [(String, JSON)] {
        let live: JSON = operation(
            "200 while the process serves HTTP.", security: Token.none, responses: [ok(Schema.anyObject)])
        let ready: JSON = operation(
            "Per-table write-path health and open incidents; 503 when any table is degraded, an incident is open "
                + "or the store is closed.",
            security: Token.none,
            responses: [ok(Schema.ref("Health")), ("503", content("Degraded or closed.", Schema.ref("Health")))])
        let incidents: JSON = operation(
            "Incidents waiting for an operator: data cut by recovery, damaged files and blocks.",
            responses: [ok(Schema.object(["incidents": Schema.array(of: Schema.ref("Incident"))]))] + errors(401))
        let acknowledge: JSON = operation(
            "Acknowledge every open incident: health stops reporting them (kept in incidents.acknowledged).",
            security: Token.write,
            responses: [ok(Schema.object(["acknowledged": Schema.integer]))] + errors(401, 403))
        // The tiers (`tiers` block, Docs/Tiers.md): 404 `notConfigured` without them.
        let tiers: JSON = operation(
            "Per table and tier: accepted vs applied log position, backlog, breaker, last error, rebuild-needed, reads.",
            responses: [ok(Schema.anyObject)] + errors(401, 404))
        let verify: JSON = operation(
            "Reconciliation: each tier's rows compared with the system of record's (count, checksum, order per symbol).",
            parameters: [Parameter.query("table", "Only this table.")],
            responses: [ok(Schema.anyObject)] + errors(400, 401, 404))
        return [
            ("/health/live", ["get": live]), ("/health/ready", ["get": ready]),
            ("/api/v1/incidents", ["get": incidents]), ("/api/v1/incidents/acknowledge", ["post": acknowledge]),
            ("/api/v1/tiers", ["get": tiers]), ("/api/v1/tiers/verify", ["get": verify]),
        ]
    }

    /// `POST /write` (InfluxDB v1) and `POST /api/v2/write` (v2): the same handler.
    private static var writeRoutes: [(String, JSON)] {
        func write(_ version: String) -> JSON {
            operation(
                "ILP over HTTP (InfluxDB \(version) endpoint); the whole body is stored or nothing. "
                    + "Content-Encoding: gzip accepted.",
                security: Token.write,
                parameters: [
                    Parameter.query("precision", "Unit of line timestamps: n|ns, u|us, ms, s, m, h (default ns)."),
                    Parameter.query("db", "Ignored (InfluxDB v1)."), Parameter.query("org", "Ignored (InfluxDB v2)."),
                    Parameter.query("bucket", "Ignored (InfluxDB v2)."),
                ],
                requestBody: [
                    "required": true,
                    "content": [
                        "text/plain": [
                            "schema": Schema.string,
                            "example": .string(exampleLine),
                        ]
                    ],
                ],
                responses: [("204", ["description": "Every line stored."])] + errors(400, 401, 403, 413, 415, 503))
        }
        return [("/write", ["post": write("v1")]), ("/api/v2/write", ["post": write("v2")])]
    }

    private static let exampleLine =
        #"trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side="buy" 1719878281500000000"# + "\n"

    private static var live: JSON {
        let channels = (RecordSchema.builtIn.map(\.name) + [LiveChannel.barsName, "any declared table"])
            .joined(separator: ", ")
        return operation(
            "Live feed over WebSocket: every row stored from now on, as JSON text messages.",
            description: #"""
                Connect with a WebSocket client (GET with Upgrade: websocket; answered 101 Switching Protocols). \#
                Messages: first {"type":"subscribed","channels","symbols","bufferLimit"}, \#
                then {"type":"rows","channel","seq","rows"} per stored batch \#
                (at most \#(LiveMessage.maximumRows) rows per message; seq counts each channel's messages from 1), \#
                rows as in the query API (bars_1m rows also carry symbol and timeframe, \#
                and are provisional updates of the current 1-minute bar). \#
                Close codes: 1008 unauthorized or invalid parameter (with the reason), \#
                1013 slow consumer (more than live.bufferLimit rows behind), \#
                1001 server shutting down or store closed. Without an upgrade: 426.
                """#,
            parameters: [
                Parameter.query("channel", required: true, "Comma-separated: \(channels)."),
                Parameter.query(
                    "symbols", "Comma-separated symbols (1...\(LiveRequest.maximumSymbols)); omitted: every symbol."),
                Parameter.query(
                    "token", "A read or write token, for clients that cannot set the Authorization header (browsers)."),
            ],
            responses: [("101", ["description": "Switching Protocols: the WebSocket is open."])] + errors(401, 426))
    }

    // MARK: - Pieces

    /// An operation object (`parameters` and `requestBody` only when there are some).
    static func operation(
        _ summary: String, description: String? = nil, security: JSON = Token.read, parameters: [JSON] = [],
        requestBody: JSON? = nil, responses: [(String, JSON)]
    ) -> JSON {
        var members: [(String, JSON)] = [("summary", .string(summary))]
        if let description { members.append(("description", .string(description))) }
        members.append(("security", security))
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let requestBody { members.append(("requestBody", requestBody)) }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    /// The security requirement of a route, as `AuthMiddleware` enforces it.
    enum Token {
        /// Public routes: no token.
        static let none: JSON = []
        /// A read or write token: `Authorization: Bearer <token>`.
        static let read: JSON = [["bearer": []]]
        /// A write token, also as `Authorization: Token <token>` (InfluxDB clients).
        static let write: JSON = [["bearer": []], ["token": []]]
    }

    /// A response with a body of `schema`.
    static func content(_ description: String, _ schema: JSON, type: String = "application/json") -> JSON {
        let body: JSON = ["schema": schema]
        return ["description": .string(description), "content": .object([(type, body)])]
    }

    /// `200 OK` with a JSON body of `schema`.
    static func ok(_ schema: JSON) -> (String, JSON) { ("200", content("OK", schema)) }

    /// `200 OK` of a query: JSON of `schema`, or its rows as an Apache Arrow IPC stream or CSV
    /// (`format`, or the `Accept` header).
    static func okAnswer(_ schema: JSON) -> (String, JSON) {
        let binary: JSON = ["schema": ["type": "string", "format": "binary"]]
        let text: JSON = ["schema": Schema.string]
        return (
            "200",
            [
                "description": "OK: JSON, or the rows as columns in Arrow or CSV.",
                "content": .object([
                    ("application/json", ["schema": schema]),
                    (ColumnarEncoder.Format.arrow.mediaType, binary), ("text/csv", text),
                ]),
            ]
        )
    }

    /// The errors of a query, as `answer` maps them: 400 for a parameter or argument, 401 without
    /// a token, 503 when the store is closed.
    static var queryErrors: [(String, JSON)] { errors(400, 401, 503) }

    /// The shared error response (`{"code","message",…}`) for each status.
    static func errors(_ statuses: Int...) -> [(String, JSON)] {
        let error: JSON = ["$ref": "#/components/responses/Error"]
        return statuses.map { status -> (String, JSON) in (String(status), error) }
    }

    /// Query parameters.
    enum Parameter {
        static func query(_ name: String, required: Bool = false, _ description: String, _ schema: JSON = Schema.string)
            -> JSON
        {
            [
                "name": .string(name), "in": "query", "required": .bool(required), "description": .string(description),
                "schema": schema,
            ]
        }

        static let symbol = query("symbol", required: true, "Instrument symbol, e.g. BTCUSDT.")
        static let format = query(
            "format",
            "json (default), arrow (an Apache Arrow IPC stream: decimals as decimal128, timestamps as timestamp[ns, UTC], symbols as dictionaries) or csv; without it, Accept: application/vnd.apache.arrow.stream or text/csv.",
            ["type": "string", "enum": ["json", "arrow", "csv"]])
        static let from = query("from", required: true, timestamp)
        static let to = query("to", required: true, timestamp)
        static let timestamp = "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds."

        /// `limit` of `latest` and `range`: 1 to `QueryRoutes.maximumLimit` rows.
        static func limit(_ lead: String, default value: Int, then trail: String = "") -> JSON {
            query(
                "limit", "\(lead), 1...\(QueryRoutes.maximumLimit) (default \(value))\(trail).",
                ["type": "integer", "minimum": 1, "maximum": .int(QueryRoutes.maximumLimit), "default": .int(value)])
        }
    }

    /// Schema objects.
    enum Schema {
        static let string: JSON = ["type": "string"]
        static let nullableString: JSON = ["type": "string", "nullable": true]
        static let integer: JSON = ["type": "integer"]
        static let int64: JSON = ["type": "integer", "format": "int64"]
        static let boolean: JSON = ["type": "boolean"]
        static let decimal: JSON = ["type": "string", "description": "Exact decimal."]
        static let anyObject: JSON = ["type": "object"]

        static func ref(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/\(name)")] }
        static func array(of items: JSON) -> JSON { ["type": "array", "items": items] }
        static func object(_ properties: KeyValuePairs<String, JSON>) -> JSON {
            ["type": "object", "properties": .object(properties.map { ($0.key, $0.value) })]
        }

        /// A value with a time: `ts_ns` and `time` first (`Timestamp.jsonMembers`), then its members.
        static func record(_ columns: KeyValuePairs<String, JSON>) -> JSON {
            record(columns.map { ($0.key, $0.value) })
        }

        static func record(_ columns: [(String, JSON)]) -> JSON {
            let timestamp: [(String, JSON)] = [
                ("ts_ns", ["type": "string", "description": "Epoch nanoseconds."]),
                ("time", ["type": "string", "format": "date-time"]),
            ]
            return ["type": "object", "properties": .object(timestamp + columns)]
        }

        /// A value of a column of `kind` as ``RowJSON`` writes it: integers as numbers, decimals
        /// as exact strings, booleans as booleans, anything else as a string.
        static func value(_ kind: ColumnKind) -> JSON {
            switch kind {
            case .int64: int64
            case .int8: integer
            case .decimal: decimal
            case .bool: boolean
            default: string
            }
        }
    }

    /// The component of a built-in record's rows: the record type's name (`Trade`).
    static func componentName(_ record: any ColumnarRecord.Type) -> String { String(describing: record) }

    /// A table's row object, from its schema, as ``RowJSON`` lays it out: the designated
    /// timestamp by its name and `time` (unless a column is called so), `symbol`, then every other
    /// column in schema order by its name; a ``BookSide`` is one member, an array of `{price, size}`.
    static func recordComponent(_ schema: RecordSchema) -> JSON {
        let level = Schema.object(["price": Schema.decimal, "size": Schema.decimal])
        var members: [(String, JSON)] = [
            (schema.timestamp, ["type": "string", "description": "Epoch nanoseconds."])
        ]
        if !schema.columns.contains(where: { $0.name == "time" }) {
            members.append(("time", ["type": "string", "format": "date-time"]))
        }
        members.append(("symbol", Schema.string))
        let booked = schema.bookColumns
        for column in schema.storageColumns where column.name != schema.timestamp {
            if let side = schema.bookSides.first(where: { $0.count == column.name }) {
                members.append((side.name, Schema.array(of: level)))
            } else if !booked.contains(column.name) {
                members.append((column.name, Schema.value(column.kind)))
            }
        }
        return ["type": "object", "properties": .object(members)]
    }

    // MARK: - Components

    private static var components: JSON {
        let status: JSON = ["type": "string", "enum": ["ok", "degraded", "closed"]]
        let fixed: JSON = [
            "Error": [
                "type": "object", "required": ["code", "message", "errorId"],
                "properties": [
                    "code": Schema.string, "message": Schema.string,
                    "line": ["type": "integer", "description": "1-based line of the ILP body."],
                    "parameter": Schema.string,
                    "field": ["type": "string", "description": "The member of the JSON body the error is about."],
                    "order": ["type": "integer", "description": "The order a refused order operation is about."],
                    "status": [
                        "type": "string", "nullable": true,
                        "description": "That order's status when refused (null: unknown order).",
                    ],
                    "job": ["type": "integer", "description": "The job a refused queue operation is about."],
                    "index": ["type": "integer", "description": "The item of a batch (signals) refused."],
                    "errorId": ["type": "string", "description": "The request's correlation id (X-Request-Id)."],
                ],
            ],
            "Bar": Schema.record([
                "open": Schema.decimal, "high": Schema.decimal, "low": Schema.decimal, "close": Schema.decimal,
                "volume": Schema.decimal, "notional": Schema.decimal, "vwap": Schema.nullableString,
                "trades": Schema.integer,
            ]),
            "LastTimestamp": Schema.object([
                "table": Schema.string, "symbol": Schema.string, "ts_ns": Schema.nullableString,
                "time": Schema.nullableString,
            ]),
            "TableStats": Schema.object([
                "table": Schema.string, "rows": Schema.integer, "symbols": Schema.integer,
                "bytes_on_disk": Schema.integer, "partitions": Schema.integer, "sealed_partitions": Schema.integer,
                "pending_late_rows": Schema.integer, "duplicates_skipped": Schema.integer, "overwrites": Schema.integer,
                "oldest": Schema.nullableString, "newest": Schema.nullableString,
            ]),
            "Health": Schema.object([
                "status": status,
                "tables": Schema.array(
                    of: Schema.object([
                        "table": Schema.string, "status": status, "wal_bytes": Schema.integer,
                        "wal_segments": Schema.integer, "last_sync": Schema.nullableString,
                        "last_commit": Schema.nullableString,
                        "wal_failure": Schema.nullableString, "last_write_error": Schema.nullableString,
                        "last_maintenance_error": Schema.nullableString,
                        "open_partitions": Schema.integer, "damaged_partitions": Schema.integer,
                    ])),
                "incidents": Schema.array(of: Schema.ref("Incident")),
            ]),
            "Incident": Schema.object([
                "kind": ["type": "string", "enum": ["recovery_cut", "damaged_file", "read_corruption"]],
                "time": Schema.string, "table": Schema.string, "path": Schema.nullableString,
                "detail": Schema.string,
            ]),
        ]
        // The built-in records' rows after Error, from their schemas.
        let records = RecordSchema.builtInRecords.map { (componentName($0), recordComponent($0.schema)) }
        guard case .object(let members) = fixed else { return fixed }
        return [
            "securitySchemes": [
                "bearer": ["type": "http", "scheme": "bearer"],
                "token": [
                    "type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "Token <token> (InfluxDB clients).",
                ],
            ],
            "responses": ["Error": content("Error.", Schema.ref("Error"))],
            "schemas": .object(Array(members.prefix(1)) + records + members.dropFirst() + recordComponents),
        ]
    }
}
