import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The Arrow and CSV answers (issue 16) read by the real data tools — pyarrow, polars and DuckDB
/// from PyPI — against the built `strata serve`: every query route (range, latest, bars, quote
/// bars, aggregates) of every kind of table (trades, aggregated trades, quotes with book levels,
/// a user-defined table with text, float64, bool, int8 and optional columns, the order events)
/// gives exactly the JSON API's rows (see `Python/arrow_answers.py`).
@Suite(.heavy, .serialized) struct ArrowAnswersTests {
    static let configuration = """
        {"tables": [
           {"name": "fills", "timestamp": "ts",
            "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                        {"name": "venue", "type": "text", "max_length": 16},
                        {"name": "id", "type": "int64"}, {"name": "level", "type": "int8"},
                        {"name": "maker", "type": "bool"},
                        {"name": "score", "type": "float64", "required": false},
                        {"name": "px", "type": "decimal(4)", "required": false},
                        {"name": "note", "type": "text", "required": false, "max_length": 200}]}
         ]}
        """

    @Test func pyarrowPolarsAndDuckDBReadEveryAnswer() async throws {
        let directory = makeTemporaryDirectory("strata-arrow-answers")
        defer { removeTree(directory) }
        let file = directory + "/strata.json"
        try Self.configuration.write(toFile: file, atomically: true, encoding: .utf8)
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--config", file, "--data", directory + "/data", "--port", String(port)], port: port,
            environment: ["STRATA_TOKENS_WRITE": "arrow-write", "STRATA_TOKENS_READ": "arrow-read"],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }
        try await PythonClients.check(
            "arrow_answers.py", httpPort: port, read: "arrow-read", write: "arrow-write", extra: ["--save", directory])
        // `strata query range --format arrow|csv` writes the server's answers, byte for byte.
        #expect(await server.stop(SIGTERM) == 0)
        for format in ["arrow", "csv"] {
            let file = directory + "/cli.\(format)"
            _ = try await runCLI([
                "query", "range", "--symbol", "BIG", "--from", "1767571200000000000", "--to", "1767830400000000000",
                "--format", format, "--output", file, "--config", directory + "/strata.json", "--data",
                directory + "/data",
            ])
            let cli = try Data(contentsOf: URL(fileURLWithPath: file))
            let served = try Data(contentsOf: URL(fileURLWithPath: directory + "/range.\(format)"))
            #expect(cli.count > 1_000_000 && cli == served, "\(format): CLI \(cli.count) bytes, server \(served.count)")
        }
    }
}
