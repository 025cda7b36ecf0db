import NIOCore

/// The trading records' routes and components (``RecordRoutes``).
extension OpenAPIDocument {
    static var recordRoutes: [(String, JSON)] { orderRoutes + jobRoutes + signalRoutes + anomalyRoutes }

    // MARK: - Orders

    private static var orderRoutes: [(String, JSON)] {
        let order = Schema.ref("Order")
        let orderList = list("orders", of: order)
        let create = operation(
            "Save a new order (status new).", security: Token.write,
            requestBody: body(
                properties: [
                    ("id", Schema.idInput), ("client_order_id", Schema.string), ("user", Schema.string),
                    ("symbol", Schema.string), ("side", ["type": "string", "enum": ["buy", "sell"]]),
                    ("type", ["type": "string", "enum": ["limit", "market", "stop", "stop_limit"]]),
                    ("time_in_force", ["type": "string", "enum": ["gtc", "ioc", "fok", "day"]]),
                    ("price", Schema.decimalInput), ("stop_price", Schema.decimalInput), ("size", Schema.decimalInput),
                    ("created_at", Schema.timeInput),
                ],
                required: ["id", "user", "symbol", "side", "type", "size"],
                example: [
                    "id": 1, "client_order_id": "c-1", "user": "alice", "symbol": "BTCUSDT", "side": "buy",
                    "type": "limit", "price": "64000.5", "size": "0.25",
                ]),
            responses: [("201", content("The order saved.", order))] + errors(400, 401, 403, 409, 413, 503))
        let listing = operation(
            "Orders, by id: a user's (open=true: still working; from/to: created in [from, to)), a symbol's, "
                + "filtered by side and status.",
            parameters: [
                Parameter.query("user", "The user (required with open, from and to)."),
                Parameter.query("symbol", "The symbol."),
                Parameter.query("side", "buy or sell.", ["type": "string", "enum": ["buy", "sell"]]),
                Parameter.query("status", "The status.", orderStatus),
                Parameter.query("open", "true: the user's new and partially filled orders.", Schema.boolean),
                Parameter.query("from", "Created at or after (with user and to): \(Parameter.timestamp)"),
                Parameter.query("to", "Created before (with user and from)."), listLimit,
            ],
            responses: [ok(orderList)] + queryErrors)
        let one = operation(
            "One order.", parameters: [idParameter("order")], responses: [ok(order)] + errors(400, 401, 404, 503))
        let remove = operation(
            "Remove an order from the current state (its events stay).", security: Token.write,
            parameters: [idParameter("order"), Parameter.query("time", "When (default now): \(Parameter.timestamp)")],
            responses: [ok(Schema.object(["removed": Schema.int64, "time_ns": Schema.string, "time": Schema.string]))]
                + errors(400, 401, 403, 404, 503))
        let events = operation(
            "Every change of an order, oldest first, read back from order_events.",
            parameters: [idParameter("order"), Parameter.query("symbol", "The symbol of a removed order.")],
            responses: [
                ok(
                    Schema.object([
                        "order": Schema.int64, "symbol": Schema.string, "count": Schema.integer,
                        "events": Schema.array(of: Schema.ref("OrderEvent")),
                    ]))
            ] + errors(400, 401, 404, 503))
        func change(_ summary: String, _ properties: [(String, JSON)], required: [String], example: JSON) -> JSON {
            operation(
                summary, security: Token.write, parameters: [idParameter("order")],
                requestBody: body(
                    properties: properties + [("time", Schema.timeInput)], required: required, example: example),
                responses: [ok(order)] + errors(400, 401, 403, 404, 409, 413, 503))
        }
        return [
            ("/api/v1/orders", ["post": create, "get": listing]),
            ("/api/v1/orders/{id}", ["get": one, "delete": remove]),
            ("/api/v1/orders/{id}/events", ["get": events]),
            (
                "/api/v1/orders/{id}/fill",
                [
                    "post": change(
                        "Fill part or all of an order (409 on a final order or beyond its size).",
                        [("quantity", Schema.decimalInput), ("price", Schema.decimalInput)],
                        required: ["quantity", "price"], example: ["quantity": "0.1", "price": "64000.5"])
                ]
            ),
            ("/api/v1/orders/{id}/cancel", ["post": change("Cancel an order.", [], required: [], example: [:])]),
            (
                "/api/v1/orders/{id}/reject",
                [
                    "post": change(
                        "Reject an order.", [("reason", Schema.string)], required: [],
                        example: ["reason": "insufficient margin"])
                ]
            ),
            ("/api/v1/orders/{id}/expire", ["post": change("Expire an order.", [], required: [], example: [:])]),
            (
                "/api/v1/orders/{id}/amend",
                [
                    "post": change(
                        "A new limit price and/or size (no less than what is filled).",
                        [("price", Schema.decimalInput), ("size", Schema.decimalInput)], required: [],
                        example: ["size": "0.5"])
                ]
            ),
        ]
    }

    // MARK: - Jobs

    private static var jobRoutes: [(String, JSON)] {
        let job = Schema.ref("Job")
        let jobErrors = errors(400, 401, 403, 404, 409, 413, 503)
        let enqueue = operation(
            "Enqueue a job, ready from not_before (default now).", security: Token.write,
            requestBody: body(
                properties: [
                    ("id", Schema.idInput), ("queue", Schema.string),
                    ("payload", ["description": "JSON (any value), or a string taken as the text itself."]),
                    ("priority", ["type": "integer", "description": "Higher runs first (default 0)."]),
                    ("not_before", Schema.timeInput),
                ],
                required: ["id", "queue"],
                example: ["id": 7, "queue": "settlement", "payload": ["trade": 42], "priority": 5]),
            responses: [("201", content("The job enqueued.", job))] + errors(400, 401, 403, 409, 413, 503))
        let dequeue = operation(
            "Lease up to limit ready jobs (highest priority, then earliest not_before, then lowest id) to a worker; "
                + "expired leases return to the queue first.",
            security: Token.write,
            requestBody: body(
                properties: [
                    ("queue", ["description": "A queue name or an array of them (default: every queue)."]),
                    (
                        "limit",
                        [
                            "type": "integer", "minimum": 1, "maximum": .int(RecordRoutes.maximumDequeue),
                            "default": 1,
                        ]
                    ),
                    ("worker", Schema.string),
                    (
                        "lease_ms",
                        [
                            "type": "integer", "minimum": 1, "maximum": .int(RecordRoutes.maximumLeaseMilliseconds),
                            "default": .int(RecordRoutes.defaultLeaseMilliseconds),
                        ]
                    ),
                ],
                required: ["worker"], example: ["queue": "settlement", "limit": 10, "worker": "w1", "lease_ms": 30000]),
            responses: [ok(Schema.object(["count": Schema.integer, "jobs": Schema.array(of: job)]))]
                + errors(400, 401, 403, 413, 503))
        func leased(_ summary: String, _ properties: [(String, JSON)], required: [String], example: JSON) -> JSON {
            operation(
                summary, security: Token.write, parameters: [idParameter("job")],
                requestBody: body(properties: properties, required: required, example: example),
                responses: [ok(job)] + jobErrors)
        }
        let token: (String, JSON) = (
            "token", ["type": "integer", "format": "int64", "description": "The lease's token."]
        )
        let listing = operation(
            "Jobs by id, of a queue and/or in a state; totals counts every job by state.",
            parameters: [
                Parameter.query("queue", "The queue."),
                Parameter.query(
                    "state", "The state.", ["type": "string", "enum": ["ready", "leased", "completed", "dead"]]),
                listLimit,
            ],
            responses: [ok(list("jobs", of: job, extra: [("totals", Schema.anyObject)]))] + queryErrors)
        let dead = operation(
            "The dead letters (out of attempts), oldest id first.",
            parameters: [Parameter.query("queue", "The queue."), listLimit],
            responses: [ok(list("jobs", of: job))] + queryErrors)
        let one = operation(
            "One job.", parameters: [idParameter("job")], responses: [ok(job)] + errors(400, 401, 404, 503))
        return [
            ("/api/v1/jobs", ["post": enqueue, "get": listing]),
            ("/api/v1/jobs/dequeue", ["post": dequeue]),
            ("/api/v1/jobs/dead", ["get": dead]),
            ("/api/v1/jobs/{id}", ["get": one]),
            (
                "/api/v1/jobs/{id}/heartbeat",
                [
                    "post": leased(
                        "Extend a live lease to now + extend_ms.",
                        [
                            token,
                            (
                                "extend_ms",
                                [
                                    "type": "integer", "minimum": 1,
                                    "maximum": .int(RecordRoutes.maximumLeaseMilliseconds),
                                    "default": .int(RecordRoutes.defaultLeaseMilliseconds),
                                ]
                            ),
                        ], required: ["token"], example: ["token": 1, "extend_ms": 30000])
                ]
            ),
            (
                "/api/v1/jobs/{id}/complete",
                [
                    "post": leased(
                        "Complete a leased job: it never runs again (409 if the lease is not live).", [token],
                        required: ["token"], example: ["token": 1])
                ]
            ),
            (
                "/api/v1/jobs/{id}/fail",
                [
                    "post": leased(
                        "Record a failed attempt: retried after the backoff, or a dead letter when out of attempts.",
                        [token, ("error", Schema.string)], required: ["token"],
                        example: ["token": 1, "error": "timeout"])
                ]
            ),
            (
                "/api/v1/jobs/{id}/requeue",
                ["post": leased("Put a dead letter back in the queue, attempts reset.", [], required: [], example: [:])]
            ),
        ]
    }

    // MARK: - Signals and anomalies

    private static var signalRoutes: [(String, JSON)] {
        let signal: JSON = [
            "type": "object", "required": ["id", "strategy", "symbol", "type", "confidence"],
            "properties": [
                "id": Schema.idInput, "time": Schema.timeInput, "strategy": Schema.string, "symbol": Schema.string,
                "type": Schema.string, "confidence": ["description": "A number (or its text)."],
                "price": Schema.decimalInput, "quantity": Schema.decimalInput,
                "metadata": ["description": "JSON (any value), or a string taken as JSON text."],
            ],
        ]
        let save = operation(
            "Save signals (one object or an array), all or none; a re-sent id is stored once.", security: Token.write,
            requestBody: [
                "required": true,
                "content": [
                    "application/json": [
                        "schema": ["oneOf": [signal, Schema.array(of: signal)]],
                        "example": [
                            "id": 1, "time": "2024-07-01T00:00:00Z", "strategy": "momentum", "symbol": "BTCUSDT",
                            "type": "buy", "confidence": number("0.82"), "price": "64000.5",
                            "metadata": ["window": "5m"],
                        ],
                    ]
                ],
            ],
            responses: [ok(Schema.object(["stored": Schema.integer, "duplicates": Schema.integer]))]
                + errors(400, 401, 403, 413, 503))
        let recent = operation(
            "Signals at or after since, newest first (ties by id, highest first).",
            parameters: [
                Parameter.query("since", required: true, Parameter.timestamp),
                Parameter.query("symbol", "The symbol (default: every symbol)."),
                Parameter.query(
                    "limit",
                    "Most signals, 1...\(RecordRoutes.maximumLimit) (default \(RecordRoutes.defaultRecentSignals)).",
                    ["type": "integer", "minimum": 1, "maximum": .int(RecordRoutes.maximumLimit)]),
            ],
            responses: [
                ok(Schema.object(["count": Schema.integer, "signals": Schema.array(of: Schema.ref("Signal"))]))
            ]
                + queryErrors)
        return [("/api/v1/signals", ["post": save]), ("/api/v1/signals/recent", ["get": recent])]
    }

    private static var anomalyRoutes: [(String, JSON)] {
        let anomaly = Schema.ref("Anomaly")
        let type = Parameter.query("type", required: true, "The anomaly's type.")
        let save = operation(
            "Save an anomaly: active, replacing the active one of its type and symbol (keeping its first detection).",
            security: Token.write,
            requestBody: body(
                properties: [
                    ("type", Schema.string),
                    ("symbol", ["type": "string", "nullable": true, "description": "None: the whole market."]),
                    ("severity", ["description": "A number (or its text)."]), ("message", Schema.string),
                    ("metadata", ["description": "JSON (any value), or a string taken as JSON text."]),
                    ("time", Schema.timeInput),
                ],
                required: ["type"],
                example: [
                    "type": "spread_spike", "symbol": "BTCUSDT", "severity": number("3.5"), "message": "spread 40 bps",
                ]),
            responses: [ok(anomaly)] + errors(400, 401, 403, 413, 503))
        let clear = operation(
            "Clear the active anomalies of a type: every symbol's and the market's, a symbol's, or (market=true) the market's.",
            security: Token.write,
            parameters: [
                type, Parameter.query("symbol", "Only this symbol's."),
                Parameter.query("market", "true: only the whole market's.", Schema.boolean),
                Parameter.query("time", "When (default now): \(Parameter.timestamp)"),
            ],
            responses: [ok(Schema.object(["removed": Schema.integer]))] + errors(400, 401, 403, 503))
        let active = operation(
            "The active anomalies, by type then symbol (the market's first).",
            parameters: [
                Parameter.query("type", "The type."), Parameter.query("symbol", "The symbol."),
                Parameter.query("market", "true: only the whole market's.", Schema.boolean),
            ],
            responses: [ok(Schema.object(["count": Schema.integer, "anomalies": Schema.array(of: anomaly)]))]
                + queryErrors)
        let history = operation(
            "Every save and removal of the anomaly of a type and symbol (none: the whole market's), oldest first.",
            parameters: [type, Parameter.query("symbol", "The symbol (default: the whole market).")],
            responses: [
                ok(
                    Schema.object([
                        "type": Schema.string, "symbol": Schema.nullableString, "count": Schema.integer,
                        "events": Schema.array(of: Schema.ref("AnomalyEvent")),
                    ]))
            ] + queryErrors)
        return [
            ("/api/v1/anomalies", ["post": save, "get": active, "delete": clear]),
            ("/api/v1/anomalies/history", ["get": history]),
        ]
    }

    // MARK: - Pieces

    /// A JSON number with a fraction, for examples (``JSON`` writes no floats of its own).
    private static func number(_ text: String) -> JSON { .raw(ByteBuffer(string: text)) }

    private static let orderStatus: JSON = [
        "type": "string", "enum": ["new", "partially_filled", "filled", "cancelled", "rejected", "expired"],
    ]

    private static var listLimit: JSON {
        Parameter.query(
            "limit",
            "Most items, 1...\(RecordRoutes.maximumLimit) (default \(RecordRoutes.defaultLimit)); "
                + "truncated tells if more matched.",
            [
                "type": "integer", "minimum": 1, "maximum": .int(RecordRoutes.maximumLimit),
                "default": .int(RecordRoutes.defaultLimit),
            ])
    }

    /// `{count, truncated, <name>: [item]}`.
    private static func list(_ name: String, of item: JSON, extra: [(String, JSON)] = []) -> JSON {
        [
            "type": "object",
            "properties": .object(
                extra + [("count", Schema.integer), ("truncated", Schema.boolean), (name, Schema.array(of: item))]),
        ]
    }

    /// The `{id}` path parameter.
    private static func idParameter(_ what: String) -> JSON {
        [
            "name": "id", "in": "path", "required": true, "description": .string("The \(what)'s id."),
            "schema": ["type": "integer", "format": "int64", "minimum": 1],
        ]
    }

    /// A JSON request body: an object of `properties` (unknown members are refused).
    private static func body(properties: [(String, JSON)], required: [String], example: JSON) -> JSON {
        var schema: [(String, JSON)] = [("type", "object")]
        if !required.isEmpty { schema.append(("required", .array(required.map { .string($0) }))) }
        schema.append(("additionalProperties", false))
        schema.append(("properties", .object(properties)))
        return [
            "required": .bool(!required.isEmpty),
            "content": ["application/json": ["schema": .object(schema), "example": example]],
        ]
    }

    // MARK: - Components

    /// `Order`, `OrderEvent`, `Job`, `Signal`, `Anomaly`, `AnomalyEvent`.
    static var recordComponents: [(String, JSON)] {
        let time = Schema.string
        let order = Schema.object([
            "id": Schema.int64, "client_order_id": Schema.string, "user": Schema.string, "symbol": Schema.string,
            "side": Schema.string, "type": Schema.string, "time_in_force": Schema.string,
            "price": Schema.nullableString, "stop_price": Schema.nullableString, "size": Schema.decimal,
            "filled_size": Schema.decimal, "remaining_size": Schema.decimal,
            "average_fill_price": Schema.nullableString, "status": orderStatus, "created_at_ns": time,
            "created_at": time, "updated_at_ns": time, "updated_at": time,
        ])
        let orderEvent = Schema.object([
            "event": [
                "type": "string", "enum": ["created", "fill", "cancel", "reject", "expire", "amend", "remove"],
            ],
            "time_ns": time, "time": time, "order": Schema.ref("Order"),
            "quantity": ["type": "string", "description": "fill."], "price": Schema.nullableString,
            "reason": ["type": "string", "description": "reject."], "size": Schema.nullableString,
        ])
        let lease = Schema.object([
            "worker": Schema.string, "token": Schema.int64, "expires_ns": time, "expires": time,
        ])
        let job = Schema.object([
            "id": Schema.int64, "queue": Schema.string,
            "payload": ["description": "The payload as the JSON it is, or a string."],
            "priority": Schema.integer,
            "state": ["type": "string", "enum": ["ready", "leased", "completed", "dead"]],
            "attempts": Schema.integer, "lease": ["nullable": true, "allOf": [lease]],
            "last_error": Schema.nullableString, "enqueued_at_ns": time, "enqueued_at": time,
            "not_before_ns": time, "not_before": time, "completed_at_ns": Schema.nullableString,
            "completed_at": Schema.nullableString, "dead_at_ns": Schema.nullableString,
            "dead_at": Schema.nullableString, "dead_reason": Schema.nullableString,
        ])
        let signal = Schema.object([
            "id": Schema.int64, "ts_ns": time, "time": time, "strategy": Schema.string, "symbol": Schema.string,
            "type": Schema.string, "confidence": ["type": "string", "description": "Shortest text of the float."],
            "price": Schema.nullableString, "quantity": Schema.nullableString,
            "metadata": ["description": "The metadata as the JSON it is."],
        ])
        let anomaly = Schema.object([
            "type": Schema.string, "symbol": Schema.nullableString,
            "severity": ["type": "string", "description": "Shortest text of the float."],
            "message": Schema.string, "metadata": ["description": "The metadata as the JSON it is, or a string."],
            "detected_at_ns": time, "detected_at": time, "updated_at_ns": time, "updated_at": time,
        ])
        let anomalyEvent = Schema.object([
            "event": ["type": "string", "enum": ["saved", "removed"]], "time_ns": time, "time": time,
            "anomaly": Schema.ref("Anomaly"),
        ])
        return [
            ("Order", order), ("OrderEvent", orderEvent), ("Job", job), ("Signal", signal), ("Anomaly", anomaly),
            ("AnomalyEvent", anomalyEvent),
        ]
    }
}

extension OpenAPIDocument.Schema {
    /// An id in a body: an integer, or a string of one.
    static let idInput: JSON = ["description": "A positive integer (or a string of one)."]
    /// A decimal in a body: a string or a number, read exactly from its text.
    static let decimalInput: JSON = [
        "description": "An exact decimal: a string (\"64000.5\") or a number, read from its text (never as a float)."
    ]
    /// A time in a body.
    static let timeInput: JSON = ["description": "ISO-8601 text or epoch nanoseconds (integer or string)."]
}
