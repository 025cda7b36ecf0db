import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Strata
import StrataServer
import Testing

/// ILP v2/v3 binary values (float64, decimal) through the mapping into rows, and `/settings`.
@Suite struct ILPBinaryValueTests {
    /// `==` 16 and the 8 little-endian bytes of `value`.
    static func float64(_ value: Double) -> [UInt8] {
        [UInt8(ascii: "="), 16] + (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
    }

    /// `==` 23, the scale, the length and the unscaled value big-endian two's complement (8 bytes).
    static func decimal(_ unscaled: Int64, scale: UInt8) -> [UInt8] {
        [UInt8(ascii: "="), 23, scale, 8] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: unscaled >> (8 * $0)) }
    }

    /// A trade line whose price and quantity are the given binary values.
    static func trade(id: Int, price: [UInt8], qty: [UInt8]) -> [UInt8] {
        Array("trades,symbol=BTCUSDT price=".utf8) + price + Array(",qty=".utf8) + qty
            + Array(",trade_id=\(id)i,side=\"buy\" \(t(Int64(id)))n\n".utf8)
    }

    static func write(_ client: any TestClientProtocol, _ bytes: [UInt8]) async throws -> TestResponse {
        try await client.writeILP("", query: "?precision=n", body: ByteBuffer(bytes: bytes))
    }

    @Test func binaryDecimalsAreStoredExactlyRescaledToTheColumn() async throws {
        try await withServer { client, store, _ in
            let body =
                Self.trade(id: 1, price: Self.decimal(6_412_345, scale: 2), qty: Self.decimal(25, scale: 2))
                // Fewer digits than the scale (8), and as many.
                + Self.trade(id: 2, price: Self.decimal(5, scale: 0), qty: Self.decimal(1, scale: 8))
                // More digits than the scale, all zeros: the value is still exact.
                + Self.trade(
                    id: 3, price: Self.decimal(1_500_000_000_000, scale: 12), qty: Self.decimal(2_000, scale: 3))
                // A binary float64 takes the text floats' path: 0.1 is 0.1 exactly.
                + Self.trade(id: 4, price: Self.float64(0.1), qty: Self.float64(12345.678))
            #expect(try await Self.write(client, body).status == .noContent)
            let rows = try await store.trades.range(
                symbol: btc, from: .init(nanoseconds: t(0)), to: .init(nanoseconds: t(9)))
            #expect(rows.map(\.price.description) == ["64123.45", "5", "1.5", "0.1"])
            #expect(rows.map(\.quantity.description) == ["0.25", "0.00000001", "2", "12345.678"])
            #expect(rows[3].price.mantissa == 10_000_000)
        }
    }

    @Test(arguments: [
        (Self.decimal(123_456_789, scale: 9), "price: '0.123456789': more than 8 fractional digits"),
        (Self.decimal(Int64.max, scale: 0), "price: '9223372036854775807': too large"),
        (Self.float64(0.30000000000000004), "price: '0.30000000000000004': more than 8 fractional digits"),
        (Self.float64(.nan), "price: NaN is not a finite number"),
    ])
    func aValueTheColumnCannotHoldExactlyIsRefusedNamingFieldAndValue(price: [UInt8], message: String) async throws {
        try await withServer { client, store, _ in
            let body =
                Self.trade(id: 1, price: Self.decimal(1, scale: 0), qty: Self.decimal(1, scale: 0))
                + Self.trade(id: 2, price: price, qty: Self.decimal(1, scale: 0))
            let response = try await Self.write(client, body)
            #expect(response.status == .badRequest)
            #expect(response.json["code"] as? String == "invalidValue")
            #expect((response.json["message"] as? String)?.contains(message) == true, "\(response.json)")
            #expect(response.json["line"] as? Int == 2)
            #expect(try await store.trades.latest(symbol: btc, limit: 10).isEmpty)
        }
    }

    @Test func anArrayIsRefusedNamingTheField() async throws {
        try await withServer { client, _, _ in
            let array: [UInt8] = [UInt8(ascii: "="), 14, 10, 1, 1, 0, 0, 0] + Array(repeating: 0, count: 8)
            let response = try await Self.write(client, Self.trade(id: 1, price: array, qty: Self.decimal(1, scale: 0)))
            #expect(response.status == .badRequest)
            #expect(response.json["code"] as? String == "unsupportedFieldType")
            #expect((response.json["message"] as? String)?.contains("field 'price'") == true, "\(response.json)")
        }
    }

    @Test func userTableDecimalAndFloatColumnsTakeBinaryValues() async throws {
        var configuration = testConfiguration()
        configuration.tables = [
            try RecordSchema(
                name: "signals",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("score", .float64), SchemaColumn("target", .decimal(scale: 4)),
                ],
                timestamp: "ts", key: RecordKey("id"))
        ]
        try await withServer(configuration) { client, store, _ in
            func line(_ id: Int, score: [UInt8], target: [UInt8]) -> [UInt8] {
                Array("signals,symbol=ETHUSDT id=\(id)i,score=".utf8) + score + Array(",target=".utf8) + target
                    + Array(" \(t(Int64(id)))n\n".utf8)
            }
            let body =
                line(1, score: Self.float64(-0.25), target: Self.decimal(34_005, scale: 1))
                + line(2, score: Self.float64(0.5), target: Self.float64(3400.25))
            #expect(try await Self.write(client, body).status == .noContent)
            let table = try #require(store.table(named: "signals"))
            let stored = try await table.range(symbol: "ETHUSDT", from: .min, to: .max, limit: 10).rows
            #expect(stored.map { $0["target"]?.description } == ["3400.5", "3400.25"])
            #expect(stored.map { $0["score"]?.description } == ["-0.25", "0.5"])
            let tooPrecise = line(3, score: Self.float64(1), target: Self.decimal(123_456, scale: 5))
            let response = try await Self.write(client, tooPrecise)
            #expect(response.status == .badRequest)
            #expect((response.json["message"] as? String)?.contains("target") == true, "\(response.json)")
            #expect((response.json["message"] as? String)?.contains("1.23456") == true, "\(response.json)")
        }
    }

    /// Over TCP (a `tcp::` sender with `protocol_version=3`), in reads split inside the payloads,
    /// whose bytes include LF: the same rows.
    @Test func binaryValuesOverTCPInSmallReads() async throws {
        try await withTCPServer { server in
            let client = try TCPClient(port: server.port)
            // 2570 (0x0A0A) at scale 2 is 25.70: its payload holds two LF bytes.
            let body =
                Self.trade(id: 1, price: Self.float64(10), qty: Self.decimal(0x0A0A, scale: 2))
                + Self.trade(id: 2, price: Self.decimal(6_412_345, scale: 2), qty: Self.float64(0.001))
            for start in stride(from: 0, to: body.count, by: 3) {
                #expect(client.send(body[start..<min(start + 3, body.count)]))
            }
            #expect(try await server.waitForTrades(2) == 2)
            let rows = try await server.store.trades.range(
                symbol: btc, from: .init(nanoseconds: t(0)), to: .init(nanoseconds: t(9)))
            #expect(rows.map(\.price.description) == ["10", "64123.45"])
            #expect(rows.map(\.quantity.description) == ["25.7", "0.001"])
        }
    }

    /// What QuestDB's clients read: `config."line.proto.support.versions"` and the longest name;
    /// the same with a token, a wrong token or none.
    @Test func settingsAdvertiseVersionsOneToThree() async throws {
        try await withServer { client, _, _ in
            for authorization in [nil, "Bearer \(Tokens.read)", "Bearer \(Tokens.write)", "Bearer wrong"] {
                let response = try await client.get("/settings", authorization: authorization)
                #expect(response.status == .ok, "\(authorization ?? "no token")")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let config = try #require(response.json["config"] as? [String: Any])
                #expect(config["line.proto.support.versions"] as? [Int] == [1, 2, 3])
                #expect(config["cairo.max.file.name.length"] as? Int == 64)
                #expect(config["strata.http.max.request.bytes"] as? Int == ServerConfiguration().maxRequestBytes)
                #expect(config["strata.ilp.max.line.bytes"] as? Int == ServerConfiguration().maxLineBytes)
            }
        }
        // A declared measurement with a longer name raises the longest name.
        var configuration = testConfiguration()
        let long = String(repeating: "m", count: 80)
        configuration.ilpMeasurements = [DeclaredMeasurement(measurement: long, table: "trades", columns: [:])]
        try await withServer(configuration) { client, _, _ in
            let config = try #require(try await client.get("/settings").json["config"] as? [String: Any])
            #expect(config["cairo.max.file.name.length"] as? Int == 80)
        }
    }
}
