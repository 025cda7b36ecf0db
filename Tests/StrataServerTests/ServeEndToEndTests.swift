import Foundation
import Strata
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `strata serve` binary over real sockets: write, read back, SIGTERM, restart.
@Suite(.heavy, .serialized) struct ServeEndToEndTests {
    let environment = ["STRATA_TOKENS_WRITE": "e2e-write", "STRATA_TOKENS_READ": "e2e-read"]

    func latest(port: Int) async -> [[String: Any]] {
        let answer = await rawHTTP(
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
        let write = await rawHTTP(
            port: port, method: "POST", path: "/api/v2/write?precision=ns",
            headers: ["Authorization": "Token e2e-write"], body: body)
        #expect(write?.status == 204, "\(String(describing: write))")
        let unauthorized = await rawHTTP(port: port, method: "POST", path: "/write", body: body)
        #expect(unauthorized?.status == 401)
        let rows = await latest(port: port)
        #expect(rows.map { $0["price"] as? String } == ["64123.5", "64123.45"])
        // Which build answered: the release in the Server header (and in /health, see HealthMetricsTests).
        let live = await rawHTTP(port: port, method: "GET", path: "/health/live")
        #expect(live?.head.lowercased().contains("\r\nserver: strata/\(StrataVersion.release)".lowercased()) == true)
        #expect(await first.stop(SIGTERM) == 0, "\(first.stderr)")
        #expect(first.stderr.contains("store closed"))

        let second = try await ServerProcess.serve(
            arguments, port: port, environment: environment, stderrPath: directory + "/second.log")
        #expect(await latest(port: port).count == 2, "a restart sees every acknowledged row")
        #expect(await second.stop(SIGINT) == 0)
    }

    @Test func badConfigurationFailsNamingTheKey() async throws {
        let directory = makeTemporaryDirectory("strata-serve-e2e")
        defer { removeTree(directory) }
        let process = try ServerProcess.start(
            ["serve", "--data", directory],
            environment: ["STRATA_HTTP_PORT": "ninety", "STRATA_AUTH_DISABLED": "true"],
            stderrPath: directory + "/err.log")
        #expect(await process.wait() == 1)
        #expect(process.stderr.contains("STRATA_HTTP_PORT"), "\(process.stderr)")
        let noTokens = try ServerProcess.start(
            ["serve", "--data", directory], environment: [:], stderrPath: directory + "/err2.log")
        #expect(await noTokens.wait() == 1)
        #expect(noTokens.stderr.contains("auth"), "\(noTokens.stderr)")
    }

    /// One vocabulary: `strata query … --format json` and `strata bars … --format json` print the
    /// very objects the API answers with (names, JSON types: `ts_ns` a string, decimals strings,
    /// `time` ISO-8601, a bar's count `trades`), for every table.
    @Test func cliJSONIsTheAPIsJSON() async throws {
        let directory = makeTemporaryDirectory("strata-vocabulary")
        defer { removeTree(directory) }
        let port = freePort()
        let data = directory + "/data"
        let server = try await ServerProcess.serve(
            ["serve", "--data", data, "--port", String(port)], port: port, environment: environment,
            stderrPath: directory + "/serve.log")
        let body = """
            trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side="buy" 1719878281500000000
            trades,symbol=BTCUSDT price=64123.5,qty=1,trade_id=2i,side="sell" 1719878341600000000
            aggtrades,symbol=BTCUSDT agg_trade_id=7i,price=64000.1,qty=2,first_trade_id=10i,last_trade_id=12i,is_buyer_maker=true,is_best_match=true 1719878281500000000
            quotes,symbol=IBM bid_px_0=180.01,bid_sz_0=300,ask_px_0=181.8,ask_sz_0=3000,bid_px_1=180,bid_sz_1=100 1381132800242000000

            """
        let write = await rawHTTP(
            port: port, method: "POST", path: "/api/v2/write?precision=ns",
            headers: ["Authorization": "Token e2e-write"], body: body)
        #expect(write?.status == 204, "\(String(describing: write))")
        func api(_ path: String, key: String = "rows") async -> [[String: Any]] {
            let answer = await rawHTTP(
                port: port, method: "GET", path: path, headers: ["Authorization": "Bearer e2e-read"])
            let json = (try? JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8))) as? [String: Any]
            return json?[key] as? [[String: Any]] ?? []
        }
        let queries: [(table: String, symbol: String)] = [
            ("trades", "BTCUSDT"), ("aggtrades", "BTCUSDT"), ("quotes", "IBM"),
        ]
        var apiRows: [[[String: Any]]] = []
        for query in queries { apiRows.append(await api("/api/v1/\(query.table)/latest?symbol=\(query.symbol)")) }
        let apiAggregate = await api("/api/v1/trades/aggregate?fn=count,sum(qty),vwap&by=symbol,bucket&bucket=1m")
        let apiBars = await api(
            "/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=2024-07-01T23:00:00Z&to=2024-07-02T01:00:00Z", key: "bars")
        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")

        for (query, expected) in zip(queries, apiRows) {
            #expect(expected.count >= 1, "\(query.table): the API answered")
            let cli = try await runCLI(
                [
                    "query", "latest", "--table", query.table, "--symbol", query.symbol, "--format", "json", "--data",
                    data,
                ])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(cli.utf8)) as? [[String: Any]])
            #expect(NSArray(array: rows).isEqual(to: expected), "\(query.table): CLI \(rows) API \(expected)")
        }
        let cliAggregate = try await runCLI(
            [
                "query", "aggregate", "--fn", "count,sum(qty),vwap", "--by", "symbol,bucket", "--bucket", "1m",
                "--format", "json", "--data", data,
            ])
        let aggregate = try #require(
            try JSONSerialization.jsonObject(with: Data(cliAggregate.utf8)) as? [[String: Any]])
        #expect(aggregate.count == 2)
        #expect(NSArray(array: aggregate).isEqual(to: apiAggregate), "aggregate: CLI \(aggregate) API \(apiAggregate)")
        let cliBars = try await runCLI(
            [
                "bars", "--symbol", "BTCUSDT", "--timeframe", "1m", "--from", "2024-07-01T23:00:00Z", "--to",
                "2024-07-02T01:00:00Z", "--format", "json", "--data", data,
            ])
        let bars = try #require(try JSONSerialization.jsonObject(with: Data(cliBars.utf8)) as? [[String: Any]])
        #expect(bars.count == 2 && apiBars.count == 2)
        for (cli, served) in zip(bars, apiBars) {
            #expect(cli["symbol"] as? String == "BTCUSDT" && cli["timeframe"] as? String == "1m")
            var rest = cli
            rest["symbol"] = nil
            rest["timeframe"] = nil
            #expect(NSDictionary(dictionary: rest).isEqual(to: served), "bar: CLI \(cli) API \(served)")
        }
    }
}
