import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Strata
import StrataServer
import StrataTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Tokens every harness configuration accepts.
enum Tokens {
    static let write = "write-token-1"
    static let read = "read-token-1"
}

/// A configuration with one write and one read token.
func testConfiguration() -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.auth = .init(disabled: false, readTokens: [Tokens.read], writeTokens: [Tokens.write])
    return configuration
}

/// Runs `body` against the server's router (no sockets) over a fresh store.
func withServer(
    _ configuration: ServerConfiguration = testConfiguration(),
    _ body: @Sendable (any TestClientProtocol, StrataStore, ServerMetrics) async throws -> Void
) async throws {
    let directory = makeTemporaryDirectory()
    defer { removeTree(directory) }
    // OS-buffered: no fsync per test write (the tests check answers, not durability), so the suite does not
    // hold the cooperative threads that other suites' timing-sensitive tests share.
    let store = try StrataStore.open(
        directory: directory,
        configuration: .init(
            durability: .osBuffered, maintenanceInterval: nil, tables: configuration.tables,
            quality: configuration.storeSettings.quality))
    defer { try? store.close() }
    let metrics = ServerMetrics()
    let router = StrataServer.makeRouter(store: store, configuration: configuration, metrics: metrics)
    var logger = Logger(label: "strata-server-test")
    logger.logLevel = .critical
    let app = Application(router: router, logger: logger)
    try await app.test(.router) { client in try await body(client, store, metrics) }
}

extension TestClientProtocol {
    /// POSTs ILP text with a write token (or the given authorization).
    func writeILP(
        _ text: String, path: String = "/write", query: String = "", authorization: String? = "Bearer \(Tokens.write)",
        headers extra: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> TestResponse {
        var headers = extra
        if let authorization { headers[.authorization] = authorization }
        return try await execute(
            uri: path + query, method: .post, headers: headers, body: body ?? ByteBuffer(string: text))
    }

    /// GETs with a read token (or the given authorization).
    func get(_ uri: String, authorization: String? = "Bearer \(Tokens.read)") async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}

/// ts_ns of 2024-07-01T00:00:00Z plus `seconds`.
func t(_ seconds: Int64) -> Int64 { 1_719_792_000_000_000_000 + seconds * 1_000_000_000 }

let btc = Symbol(unchecked: "BTCUSDT")
