import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Strata
import StrataServer
import StrataTestSupport
import Testing

@Suite struct OpenAPITests {
    /// Every (method, path) the router serves is in `openapi.json`, and every one described there
    /// is routed.
    @Test func documentMatchesTheRouter() async throws {
        let (routed, document) = try await served()
        #expect(routed.count > 10)
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var described = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys { described.insert("\(method.uppercased()) \(path)") }
        }
        #expect(
            routed.subtracting(described).isEmpty, "routed but not described: \(routed.subtracting(described).sorted())"
        )
        #expect(
            described.subtracting(routed).isEmpty, "described but not routed: \(described.subtracting(routed).sorted())"
        )
    }

    /// Every operation describes its success (200, 201 for a record created, 204 or 101 for the
    /// WebSocket), and every `$ref` names a component the document has.
    @Test func operationsSucceedAndReferencesResolve() async throws {
        let (_, document) = try await served()
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths {
            for (method, operation) in operations {
                let responses = operation["responses"] as? [String: Any] ?? [:]
                #expect(
                    !Set(responses.keys).isDisjoint(with: ["200", "201", "204", "101"]),
                    "\(method) \(path) describes no success: \(responses.keys.sorted())")
            }
        }

        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(Set(references).count >= 8, "\(Set(references).sorted())")
        for reference in Set(references) {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            let section = (document["components"] as? [String: Any])?[parts[2]] as? [String: Any]
            #expect(section?[parts[3]] != nil, "\(reference) does not resolve")
        }
    }

    /// The built-in tables' row components, derived from their schemas, are what the API has
    /// always described.
    @Test func builtInRecordComponents() async throws {
        let (_, document) = try await served()
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func properties(_ name: String) -> NSDictionary? {
            ((schemas[name] as? [String: Any])?["properties"] as? [String: Any]).map { NSDictionary(dictionary: $0) }
        }
        let string: [String: Any] = ["type": "string"]
        let int64: [String: Any] = ["type": "integer", "format": "int64"]
        let decimal: [String: Any] = ["type": "string", "description": "Exact decimal."]
        let boolean: [String: Any] = ["type": "boolean"]
        let timestamp: [String: Any] = [
            "ts_ns": ["type": "string", "description": "Epoch nanoseconds."],
            "time": ["type": "string", "format": "date-time"], "symbol": string,
        ]
        let level: [String: Any] = ["type": "object", "properties": ["price": decimal, "size": decimal]]
        let expected: [String: [String: Any]] = [
            "Trade": ["trade_id": int64, "price": decimal, "qty": decimal, "is_buyer_maker": boolean],
            "AggregatedTrade": [
                "agg_trade_id": int64, "price": decimal, "qty": decimal, "first_trade_id": int64,
                "last_trade_id": int64, "is_buyer_maker": boolean, "is_best_match": boolean,
            ],
            "Quote": [
                "bids": ["type": "array", "items": level], "asks": ["type": "array", "items": level],
            ],
        ]
        for (name, columns) in expected {
            let want = NSDictionary(dictionary: timestamp.merging(columns) { $1 })
            #expect(properties(name) == want, "\(name): \(String(describing: properties(name)))")
        }
    }

    /// Each built-in table's row component describes exactly the objects its routes write: the
    /// same members, of the described JSON types (array items too).
    @Test func builtInRowComponentsDescribeTheRows() async throws {
        let body = """
            trades,symbol=BTCUSDT price=100.5,qty=1,trade_id=1i,side="buy" 1719878281500000000
            aggtrades,symbol=BTCUSDT agg_trade_id=7i,price=100.5,qty=1.25,first_trade_id=3i,last_trade_id=5i,is_buyer_maker=false 1719878281500000000
            quotes,symbol=BTCUSDT bid_px_0=100.1,bid_sz_0=1,ask_px_0=100.2,ask_sz_0=2 1719878281500000000

            """
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            #expect(try await client.writeILP(body).status == .noContent)
            let document = try await client.get("/openapi.json", authorization: nil).json
            let paths = try #require(document["paths"] as? [String: Any])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            for table in RecordSchema.builtIn.map(\.name) {
                // The row schema the document gives `latest`'s answer, followed through its $ref.
                let latest = ((paths["/api/v1/\(table)/latest"] as? [String: Any])?["get"] as? [String: Any])
                let answer =
                    (((latest?["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"]
                    as? [String: Any])?["application/json"] as? [String: Any]
                let rowsSchema =
                    (((answer?["schema"] as? [String: Any])?["properties"] as? [String: Any])?["rows"]
                    as? [String: Any])?["items"] as? [String: Any]
                let reference = try #require(rowsSchema?["$ref"] as? String, "\(table)")
                let component = try #require(
                    schemas[String(reference.split(separator: "/").last ?? "")] as? [String: Any], "\(reference)")
                let rows =
                    try await client.get("/api/v1/\(table)/latest?symbol=BTCUSDT").json["rows"] as? [[String: Any]]
                let row = try #require(rows?.first, "\(table) has no row")
                check(row, against: component, at: table)
            }
        }
    }

    /// The orders and jobs routes are described with their methods, a write token for every
    /// change, the path's `id`, and the members a create requires.
    @Test func recordRoutesAreDescribed() async throws {
        let (_, document) = try await served()
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        let expected: [String: Set<String>] = [
            "/api/v1/orders": ["get", "post"], "/api/v1/orders/{id}": ["get", "delete"],
            "/api/v1/orders/{id}/events": ["get"], "/api/v1/orders/{id}/fill": ["post"],
            "/api/v1/orders/{id}/cancel": ["post"], "/api/v1/orders/{id}/reject": ["post"],
            "/api/v1/orders/{id}/expire": ["post"], "/api/v1/orders/{id}/amend": ["post"],
            "/api/v1/jobs": ["get", "post"], "/api/v1/jobs/dequeue": ["post"], "/api/v1/jobs/dead": ["get"],
            "/api/v1/jobs/{id}": ["get"], "/api/v1/jobs/{id}/heartbeat": ["post"],
            "/api/v1/jobs/{id}/complete": ["post"],
            "/api/v1/jobs/{id}/fail": ["post"], "/api/v1/jobs/{id}/requeue": ["post"],
            "/api/v1/signals": ["post"], "/api/v1/signals/recent": ["get"],
            "/api/v1/anomalies": ["get", "post", "delete"], "/api/v1/anomalies/history": ["get"],
        ]
        for (path, methods) in expected {
            #expect(Set(paths[path]?.keys.map { $0 } ?? []) == methods, "\(path)")
            for (method, operation) in paths[path] ?? [:] {
                // A read token: one scheme (bearer); a write token: bearer or Token.
                let security = operation["security"] as? [[String: Any]] ?? []
                #expect(security.count == (method == "get" ? 1 : 2), "\(method) \(path): \(security)")
                let parameters = operation["parameters"] as? [[String: Any]] ?? []
                let inPath = parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String }
                #expect(inPath == (path.contains("{id}") ? ["id"] : []), "\(method) \(path)")
            }
        }
        let create = try #require(paths["/api/v1/orders"]?["post"])
        let body =
            ((create["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
            as? [String: Any]
        let schema = body?["schema"] as? [String: Any]
        #expect(schema?["required"] as? [String] == ["id", "user", "symbol", "side", "type", "size"])
        #expect(schema?["additionalProperties"] as? Bool == false)
        #expect((body?["example"] as? [String: Any])?["price"] as? String == "64000.5")
        let responses = try #require(create["responses"] as? [String: Any])
        #expect(Set(responses.keys) == ["201", "400", "401", "403", "409", "413", "503"])
        let complete = try #require(paths["/api/v1/jobs/{id}/complete"]?["post"]?["responses"] as? [String: Any])
        #expect(Set(complete.keys) == ["200", "400", "401", "403", "404", "409", "413", "503"])
    }

    /// The Order, OrderEvent and Job components have exactly the members the API answers with.
    @Test func recordComponentsDescribeTheAnswers() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            let document = try await client.get("/openapi.json", authorization: nil).json
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            func members(_ name: String) -> Set<String> {
                Set(((schemas[name] as? [String: Any])?["properties"] as? [String: Any] ?? [:]).keys)
            }
            var headers: HTTPFields = [.authorization: "Bearer \(Tokens.write)"]
            headers[.contentType] = "application/json"
            let order = try await client.execute(
                uri: "/api/v1/orders", method: .post, headers: headers,
                body: ByteBuffer(
                    string:
                        #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","price":"1","size":"2"}"#))
            #expect(order.status == .created)
            #expect(Set(order.json.keys) == members("Order"))
            _ = try await client.execute(
                uri: "/api/v1/orders/1/fill", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"quantity":"1","price":"1"}"#))
            let events = try await client.get("/api/v1/orders/1/events").json["events"] as? [[String: Any]] ?? []
            #expect(events.count == 2)
            for event in events { #expect(Set(event.keys).isSubset(of: members("OrderEvent")), "\(event.keys)") }
            let job = try await client.execute(
                uri: "/api/v1/jobs", method: .post, headers: headers, body: ByteBuffer(string: #"{"id":1,"queue":"q"}"#)
            )
            #expect(job.status == .created)
            #expect(Set(job.json.keys) == members("Job"))
            #expect(members("Signal").contains("confidence") && members("Anomaly").contains("detected_at"))
        }
    }

    /// `value` has exactly the members `schema` describes, each of its type.
    private func check(_ value: [String: Any], against schema: [String: Any], at path: String) {
        let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
        #expect(
            Set(value.keys) == Set(properties.keys), "\(path): \(value.keys.sorted()) vs \(properties.keys.sorted())")
        for (name, property) in properties {
            guard let member = value[name] else { continue }
            switch property["type"] as? String {
            case "string": #expect(member is String, "\(path).\(name)")
            case "boolean": #expect(member as? Bool != nil, "\(path).\(name)")
            case "integer": #expect(member as? Int != nil, "\(path).\(name)")
            case "array":
                let items = member as? [[String: Any]]
                #expect(items?.isEmpty == false, "\(path).\(name)")
                let itemSchema = property["items"] as? [String: Any] ?? [:]
                for item in items ?? [] { check(item, against: itemSchema, at: "\(path).\(name)[]") }
            default: Issue.record("\(path).\(name): undescribed type \(property)")
            }
        }
    }

    /// The (method, path) of every route the router has, and the document it serves.
    private func served() async throws -> (routes: Set<String>, document: [String: Any]) {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: .init(maintenanceInterval: nil))
        defer { try? store.close() }
        let router = StrataServer.makeRouter(store: store, configuration: testConfiguration(), metrics: ServerMetrics())
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let document = try await Application(router: router).test(.router) { client in
            try await client.get("/openapi.json", authorization: nil).json
        }
        return (routes, document)
    }
}
