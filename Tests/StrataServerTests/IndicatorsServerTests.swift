import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /api/v1/indicators` and `strata indicators` on real data: the SPY trades of 2013-10-07
/// written to the built `strata serve`, every indicator against TA-Lib from PyPI on the same
/// bars (`Python/indicators_talib.py`), the CLI's JSON rows equal to the API's, and its errors
/// naming the parameter.
@Suite(.heavy, .serialized, SharedData.required) struct IndicatorsServerTests {
    static let midnightNY: Int64 = 1_381_118_400_000_000_000
    static let day: Int64 = 86_400_000_000_000

    @Test func everyIndicatorEqualsTALibOnRealBars() async throws {
        let directory = makeTemporaryDirectory("strata-indicators")
        defer { removeTree(directory) }
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(port)], port: port,
            environment: ["STRATA_TOKENS_WRITE": "ind-write", "STRATA_TOKENS_READ": "ind-read"],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }
        try await PythonClients.check(
            "indicators_talib.py", httpPort: port, read: "ind-read", write: "ind-write",
            extra: ["--shared", SharedData.directory])

        let query =
            "symbol=SPY&timeframe=5m&from=\(Self.midnightNY + Self.day / 2)&to=\(Self.midnightNY + Self.day)"
            + "&indicators=ema(9),rsi,macd,bollinger,atr,vwap"
        let answer = try #require(
            await rawHTTP(
                port: port, method: "GET", path: "/api/v1/indicators?" + query,
                headers: ["Authorization": "Bearer ind-read"]))
        #expect(answer.status == 200, "\(answer.body.prefix(300))")
        let api = try #require(
            try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        let apiBars = try #require(api["bars"] as? [[String: Any]])
        #expect(apiBars.count > 50)
        #expect(api["warm_up_bars"] as? Int ?? 0 > 0)

        // Errors name the parameter and the value.
        for (bad, message) in [
            ("indicators=kama(3)", "unknown indicator 'kama'"), ("indicators=ema(0)", "period"), ("", "indicators"),
        ] {
            let refused = try #require(
                await rawHTTP(
                    port: port, method: "GET",
                    path: "/api/v1/indicators?symbol=SPY&timeframe=1m&from=0&to=1&\(bad)",
                    headers: ["Authorization": "Bearer ind-read"]))
            #expect(refused.status == 400, "\(bad): \(refused.status)")
            #expect(
                refused.body.contains("\"parameter\":\"indicators\"") && refused.body.contains(message),
                "\(refused.body)")
        }
        #expect(await server.stop(SIGTERM) == 0)

        // `strata indicators --format json`: the API's bar objects, symbol and timeframe first.
        let cli = try await runCLI([
            "indicators", "--symbol", "SPY", "--timeframe", "5m", "--from", String(Self.midnightNY + Self.day / 2),
            "--to", String(Self.midnightNY + Self.day), "--indicators", "ema(9),rsi,macd,bollinger,atr,vwap",
            "--format", "json", "--data", directory + "/data",
        ])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(cli.utf8)) as? [[String: Any]])
        #expect(rows.count == apiBars.count)
        for (cliRow, expected) in zip(rows, apiBars) {
            var row = cliRow
            #expect(row.removeValue(forKey: "symbol") as? String == "SPY")
            #expect(row.removeValue(forKey: "timeframe") as? String == "5m")
            #expect(NSDictionary(dictionary: row).isEqual(to: expected), "CLI \(row) API \(expected)")
        }
        // And as an Arrow stream, the same columns.
        let file = directory + "/indicators.arrow"
        _ = try await runCLI([
            "indicators", "--symbol", "SPY", "--timeframe", "5m", "--from", String(Self.midnightNY),
            "--to", String(Self.midnightNY + Self.day), "--format", "arrow", "--output", file, "--data",
            directory + "/data",
        ])
        let arrow = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(arrow.count > 10_000)
        for column in ["ema_9", "rsi_14", "macd_histogram", "bb_upper", "atr_14", "anchored_vwap"] {
            #expect(arrow.range(of: Data(column.utf8)) != nil, "the stream's schema names \(column)")
        }
    }
}
