import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The web console at `/`: self-contained (nothing fetched from elsewhere), served without a
/// token, and in headless Chromium (Debian's `chromium`, which `.ci/run` installs) it shows the
/// tables and a chart of real data with auth on, and a trade written over ILP reaches the chart
/// without a reload (`Python/console_chromium.py`). The screenshot is kept in
/// `.build/test-artifacts/console.png`.
@Suite(.heavy, .serialized, SharedData.required) struct ConsoleTests {
    @Test func theConsoleShowsTablesAndALiveChartInChromium() async throws {
        let directory = makeTemporaryDirectory("strata-console")
        defer { removeTree(directory) }
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(port)], port: port,
            environment: ["STRATA_TOKENS_WRITE": "console-write", "STRATA_TOKENS_READ": "console-read"],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }

        let page = try #require(await rawHTTP(port: port, method: "GET", path: "/"))
        #expect(page.status == 200 && page.head.lowercased().contains("content-type: text/html"))
        #expect(page.body.contains("<canvas id=\"chart\""))
        // Works with no network: no script, style, font or image from another origin.
        for external in ["http://", "https://", "src=", "@import", "url("] {
            #expect(!page.body.contains(external), "the page refers to \(external)")
        }
        #expect(await rawHTTP(port: port, method: "GET", path: "/api/v1/stats")?.status == 401)

        let artifacts = PythonClients.repositoryRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        try await PythonClients.check(
            "console_chromium.py", httpPort: port, read: "console-read", write: "console-write",
            extra: ["--shared", SharedData.directory, "--screenshot", artifacts + "/console.png"])
    }
}
