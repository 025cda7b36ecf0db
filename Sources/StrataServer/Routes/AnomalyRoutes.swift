import Hummingbird
import Strata

/// The active anomalies (``StrataStore/anomalies``), keyed by `type` and `symbol` (no symbol:
/// the whole market):
/// - `POST /api/v1/anomalies`: save one (it replaces the active one of its key, keeping its
///   first detection).
/// - `DELETE /api/v1/anomalies?type=`: clear every active one of the type; with `symbol`, that
///   symbol's; with `market=true`, the whole market's. Answers how many were cleared.
/// - `GET /api/v1/anomalies`: the active ones, by `type` and/or `symbol`.
/// - `GET /api/v1/anomalies/history?type=`: every save and removal of the type's anomaly of
///   `symbol` (none: the whole market's), oldest first.
extension RecordRoutes {
    func registerAnomalies(on router: Router<StrataRequestContext>) {
        router.post("/api/v1/anomalies") { request, context in
            await answer(context) { () async throws -> JSON in
                let fields = try await object(
                    request, known: ["type", "symbol", "severity", "message", "metadata", "time"])
                let anomaly = Anomaly(
                    type: try fields.requiredString("type"), symbol: try fields.symbol("symbol"),
                    severity: try fields.double("severity") ?? 0, message: try fields.string("message") ?? "",
                    metadata: fields.jsonText("metadata") ?? "{}", at: try fields.timestamp("time") ?? WallClock.now())
                return try store.anomalies.save(anomaly).json
            }
        }
        router.delete("/api/v1/anomalies") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let type = try query.required("type")
                let symbol = try Self.symbol(query)
                let market = try Self.flag(query, "market")
                guard !(market && symbol != nil) else {
                    throw ParameterError(
                        parameter: "market", message: "market: true clears the whole market's, not a symbol's")
                }
                let time = try Self.time(query, "time") ?? WallClock.now()
                let anomalies = try store.anomalies
                let removed: Int
                if market {
                    removed = try anomalies.removeMarketWide(type: type, at: time)
                } else {
                    removed = try anomalies.remove(type: type, symbol: symbol, at: time)
                }
                return .object([("removed", .int(removed))])
            }
        }
        router.get("/api/v1/anomalies") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let type = query.optional("type")
                let symbol = try Self.symbol(query)
                let market = try Self.flag(query, "market")
                let active = try store.anomalies.active.filter { anomaly in
                    (type == nil || anomaly.type == type) && (symbol == nil || anomaly.symbol == symbol)
                        && (!market || anomaly.symbol == nil)
                }
                return .object([("count", .int(active.count)), ("anomalies", .array(active.map(\.json)))])
            }
        }
        router.get("/api/v1/anomalies/history") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                let type = try query.required("type")
                let symbol = try Self.symbol(query)
                let events = try store.anomalies.history(type: type, symbol: symbol)
                return .object([
                    ("type", .string(type)), ("symbol", symbol.map { .string($0.name) } ?? .null),
                    ("count", .int(events.count)), ("events", .array(events.map(\.json))),
                ])
            }
        }
    }
}

extension Anomaly {
    /// The anomaly as the API answers it: `symbol` null for the whole market, `severity` as its
    /// shortest text, `metadata` as the JSON it is, first detection and last update.
    var json: JSON {
        var members: [(String, JSON)] = [
            ("type", .string(type)), ("symbol", symbol.map { .string($0.name) } ?? .null),
            ("severity", RecordFields.float(severity)), ("message", .string(message)),
            ("metadata", RecordFields.embedded(metadata)),
        ]
        members += RecordFields.time("detected_at", detectedAt)
        members += RecordFields.time("updated_at", updatedAt)
        return .object(members)
    }
}

extension AnomalyEvent {
    /// `{"event":"saved","anomaly":…}` or `{"event":"removed","time_ns","time"}`.
    var json: JSON {
        switch self {
        case .saved(let anomaly):
            var members: [(String, JSON)] = [("event", .string("saved"))]
            members += RecordFields.time("time", anomaly.updatedAt)
            members.append(("anomaly", anomaly.json))
            return .object(members)
        case .removed(_, let time):
            return .object([("event", .string("removed"))] + RecordFields.time("time", time))
        }
    }
}
