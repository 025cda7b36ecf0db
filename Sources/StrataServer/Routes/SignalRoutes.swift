import Hummingbird
import Strata

/// The signal history (``StrataStore/saveSignals(_:)``, ``StrataStore/recentSignals(since:symbol:limit:)``):
/// - `POST /api/v1/signals`: one signal object or an array of them, all stored or none (a
///   re-sent id is stored once: `duplicates`).
/// - `GET /api/v1/signals/recent`: signals at or after `since`, of `symbol` (or every symbol),
///   newest first, at most `limit`.
extension RecordRoutes {
    static let signalMembers: Set<String> = [
        "id", "time", "strategy", "symbol", "type", "confidence", "price", "quantity", "metadata",
    ]
    /// Signals `recent` answers without a `limit`.
    static let defaultRecentSignals = 100

    func registerSignals(on router: Router<StrataRequestContext>) {
        router.post("/api/v1/signals") { request, context in
            await answer(context) { () async throws -> JSON in
                let body = try await body(request)
                var signals: [Signal] = []
                if case .array(let items) = body.kind {
                    for (index, item) in items.enumerated() {
                        signals.append(try Self.signal(BodyObject(item, name: "[\(index)]", prefix: "[\(index)].")))
                    }
                } else {
                    signals.append(try Self.signal(BodyObject(body)))
                }
                let report = try store.saveSignals(signals)
                return .object([("stored", .int(report.stored)), ("duplicates", .int(report.duplicates))])
            }
        }
        router.get("/api/v1/signals/recent") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let since = try query.timestamp("since")
                let symbol = try Self.symbol(query)
                let limit = try query.integer("limit", default: Self.defaultRecentSignals, range: 1...Self.maximumLimit)
                let signals = try store.recentSignals(since: since, symbol: symbol, limit: limit)
                return .object([("count", .int(signals.count)), ("signals", .array(signals.map(\.json)))])
            }
        }
    }

    /// The signal an object of the body describes (`time` defaults to now, `metadata` to `{}`).
    static func signal(_ fields: BodyObject) throws(BodyError) -> Signal {
        try fields.only(signalMembers)
        guard let confidence = try fields.double("confidence") else { throw fields.missing("confidence") }
        return Signal(
            id: try fields.requiredInt64("id"), time: try fields.timestamp("time") ?? WallClock.now(),
            strategy: try fields.requiredString("strategy"), symbol: try fields.requiredSymbol("symbol"),
            type: try fields.requiredString("type"), confidence: confidence, price: try fields.decimal("price"),
            quantity: try fields.decimal("quantity"), metadata: fields.jsonText("metadata") ?? "{}")
    }
}

extension Signal {
    /// The signal as the API answers it: `confidence` as its shortest text, `price` and
    /// `quantity` as exact strings (null when absent), `metadata` as the JSON it is.
    var json: JSON {
        var members: [(String, JSON)] = [("id", .int(id))]
        members += time.jsonMembers
        members += [
            ("strategy", .string(strategy)), ("symbol", .string(symbol.name)), ("type", .string(type)),
            ("confidence", RecordFields.float(confidence)), ("price", RecordFields.decimal(price)),
            ("quantity", RecordFields.decimal(quantity)), ("metadata", RecordFields.embedded(metadata)),
        ]
        return .object(members)
    }
}
