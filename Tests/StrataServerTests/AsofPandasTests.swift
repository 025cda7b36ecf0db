import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The ASOF join of IBM's real trades and quotes (2013-10-07) through the built `strata serve`
/// equals pandas' `merge_asof` (see `Python/asof_pandas.py`), and `strata asof --format
/// arrow|csv` writes the server's answers byte for byte.
@Suite(.heavy, .serialized) struct AsofPandasTests {
    @Test(SharedData.required) func joinEqualsPandasMergeAsofOnRealTradesAndQuotes() async throws {
        let directory = makeTemporaryDirectory("strata-asof-pandas")
        defer { removeTree(directory) }
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(port)], port: port,
            environment: ["STRATA_TOKENS_WRITE": "asof-write", "STRATA_TOKENS_READ": "asof-read"],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }
        // Seconds of work at the lowest priority, here and in the script (os.nice): the suite's
        // in-process ILP/TCP ingest runs at nice +10 and waits on its timeouts meanwhile.
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(server.pid), 19)
        try await PythonClients.check(
            "asof_pandas.py", httpPort: port, read: "asof-read", write: "asof-write",
            extra: ["--data", SharedData.directory, "--save", directory])
        #expect(await server.stop(SIGTERM) == 0)
        for format in ["arrow", "csv"] {
            let file = directory + "/cli.\(format)"
            _ = try await runCLI([
                "asof", "--left", "trades", "--right", "quotes", "--symbol", "IBM", "--from", "1381118400000000000",
                "--to", "1381204800000000000", "--format", format, "--output", file, "--data", directory + "/data",
            ])
            let cli = try Data(contentsOf: URL(fileURLWithPath: file))
            let served = try Data(contentsOf: URL(fileURLWithPath: directory + "/asof.\(format)"))
            #expect(cli.count > 1_000_000 && cli == served, "\(format): CLI \(cli.count) bytes, server \(served.count)")
        }
    }
}
