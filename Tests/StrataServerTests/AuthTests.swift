import HTTPTypes
import HummingbirdTesting
import Strata
import StrataServer
import Testing

@Suite struct AuthTests {
    let line = "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n"

    @Test func writeWithoutTokenIs401() async throws {
        try await withServer { client, _, _ in
            let response = try await client.writeILP(line, authorization: nil)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            #expect(response.json["code"] as? String == "unauthorized")
            #expect(try await client.writeILP(line, authorization: "Bearer nope").status == .unauthorized)
            #expect(try await client.writeILP(line, authorization: "Basic \(Tokens.write)").status == .unauthorized)
        }
    }

    @Test func readTokenOnWriteRouteIs403() async throws {
        try await withServer { client, _, _ in
            let response = try await client.writeILP(line, authorization: "Bearer \(Tokens.read)")
            #expect(response.status == .forbidden)
            let v2 = try await client.writeILP(line, path: "/api/v2/write", authorization: "Token \(Tokens.read)")
            #expect(v2.status == .forbidden)
        }
    }

    /// Any method but GET and HEAD writes: a read token gets 403 on the trading records' routes.
    @Test func readTokenOnAnyWriteMethodIs403() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            let read: HTTPFields = [.authorization: "Bearer \(Tokens.read)"]
            let order = try await client.execute(uri: "/api/v1/orders", method: .post, headers: read)
            #expect(order.status == .forbidden)
            #expect(order.json["message"] as? String == "this token is read-only; /api/v1/orders needs a write token")
            #expect(
                try await client.execute(uri: "/api/v1/orders/1", method: .delete, headers: read).status == .forbidden)
            #expect(
                try await client.execute(uri: "/api/v1/jobs/dequeue", method: .post, headers: read).status == .forbidden
            )
            #expect(try await client.get("/api/v1/orders").status == .ok)
        }
    }

    @Test func tokenAndBearerBothWrite() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.writeILP(line, authorization: "Token \(Tokens.write)").status == .noContent)
            #expect(
                try await client.writeILP(line, path: "/api/v2/write", authorization: "Bearer \(Tokens.write)").status
                    == .noContent)
        }
    }

    @Test func readRoutesNeedAToken() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.get("/api/v1/stats", authorization: nil).status == .unauthorized)
            #expect(try await client.get("/metrics", authorization: nil).status == .unauthorized)
            #expect(try await client.get("/api/v1/stats").status == .ok)
            #expect(try await client.get("/api/v1/stats", authorization: "Bearer \(Tokens.write)").status == .ok)
        }
    }

    @Test func publicRoutesNeedNoToken() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            for path in ["/health/live", "/health/ready", "/openapi.json"] {
                #expect(try await client.get(path, authorization: nil).status == .ok, "\(path)")
            }
            #expect(try await client.get("/ping", authorization: nil).status == .noContent)
            // QuestDB clients read /settings without a token (the ILP versions Strata reads): a 401 would fail them.
            #expect(try await client.get("/settings", authorization: nil).status == .ok)
            #expect(try await client.get("/settings", authorization: "Bearer not-a-token").status == .ok)
        }
    }

    @Test func disabledOnlyWhenSaidSo() async throws {
        var configuration = ServerConfiguration()
        configuration.auth.disabled = true
        try await withServer(configuration) { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.writeILP(line, authorization: nil).status == .noContent)
            #expect(try await client.get("/api/v1/stats", authorization: nil).status == .ok)
        }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration().validate() }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await withServer { client, _, _ in
            let given = try await client.execute(
                uri: "/health/live", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            let generated = try await client.get("/health/live")
            #expect(generated.headers[HTTPField.Name("X-Request-Id")!]?.count == 24)
        }
    }
}
