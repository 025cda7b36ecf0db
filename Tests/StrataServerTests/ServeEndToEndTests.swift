import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `strata serve` binary over real sockets: write, read back, SIGTERM, restart.
@Suite(.serialized) struct ServeEndToEndTests {
    let environment = ["STRATA_TOKENS_WRITE": "e2e-write", "STRATA_TOKENS_READ": "e2e-read"]

    func latest(port: Int) -> [[String: Any]] {
        let answer = rawHTTP(
            port: port, method: "GET", path: "/api/v1/trades/latest?symbol=BTCUSDT&limit=10",
            headers: ["Authorization": "Bearer e2e-read"])
        let json = (try? JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8))) as? [String: Any]
        return json?["rows"] as? [[String: Any]] ?? []
    }

    @Test func writeReadSigtermRestart() async throws {
        let directory = makeTemporaryDirectory("strata-serve-e2e")
        defer { removeTree(directory) }
        let port = freePort()
        let arguments = ["serve", "--data", directory + "/data", "--port", String(port)]
        let first = try await ServerProcess.serve(
            arguments, port: port, environment: environment, stderrPath: directory + "/first.log")
        let body = """
            trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side="buy" 1719878281500000000
            trades,symbol=BTCUSDT price=64123.5,qty=1,trade_id=2i,side="sell" 1719878281600000000

            """
        let write = rawHTTP(
            port: port, method: "POST", path: "/api/v2/write?precision=ns",
            headers: ["Authorization": "Token e2e-write"], body: body)
        #expect(write?.status == 204, "\(String(describing: write))")
        let unauthorized = rawHTTP(port: port, method: "POST", path: "/write", body: body)
        #expect(unauthorized?.status == 401)
        let rows = latest(port: port)
        #expect(rows.map { $0["price"] as? String } == ["64123.5", "64123.45"])
        #expect(first.stop(SIGTERM) == 0, "\(first.stderr)")
        #expect(first.stderr.contains("store closed"))

        let second = try await ServerProcess.serve(
            arguments, port: port, environment: environment, stderrPath: directory + "/second.log")
        #expect(latest(port: port).count == 2, "a restart sees every acknowledged row")
        #expect(second.stop(SIGINT) == 0)
    }

    @Test func badConfigurationFailsNamingTheKey() throws {
        let directory = makeTemporaryDirectory("strata-serve-e2e")
        defer { removeTree(directory) }
        let process = try ServerProcess.start(
            ["serve", "--data", directory],
            environment: ["STRATA_HTTP_PORT": "ninety", "STRATA_AUTH_DISABLED": "true"],
            stderrPath: directory + "/err.log")
        #expect(process.wait() == 1)
        #expect(process.stderr.contains("STRATA_HTTP_PORT"), "\(process.stderr)")
        let noTokens = try ServerProcess.start(
            ["serve", "--data", directory], environment: [:], stderrPath: directory + "/err2.log")
        #expect(noTokens.wait() == 1)
        #expect(noTokens.stderr.contains("auth"), "\(noTokens.stderr)")
    }
}
