import Crypto
import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real clients users already have, against the built `strata serve` over real sockets: each
/// script writes with its client, reads the rows back through the JSON API and compares them
/// exactly (see `Python/*.py`).
@Suite(.heavy, .serialized) struct PythonClientTests {
    let read = "py-read"
    let write = "py-write"

    @Test func realClientsWriteAndReadBack() async throws {
        let directory = makeTemporaryDirectory("strata-python-clients")
        defer { removeTree(directory) }
        let httpPort = freePort()
        let tcpPort = freePort()
        let key = ClientKey(kid: "py-ingest")
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(httpPort)], port: httpPort,
            environment: [
                "STRATA_TOKENS_WRITE": write, "STRATA_TOKENS_READ": read, "STRATA_ILP_TCP_PORT": String(tcpPort),
                "STRATA_ILP_TCP_KEYS": key.configured,
                // A small live-feed buffer, so the slow-reader check overflows it quickly.
                "STRATA_LIVE_BUFFER_LIMIT": "2000",
            ],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }
        for script in ["questdb_http.py", "questdb_decimal.py", "influx_v2.py", "live_websocket.py"] {
            try await PythonClients.check(script, httpPort: httpPort, read: read, write: write)
        }
        try await PythonClients.check(
            "questdb_tcp.py", httpPort: httpPort, tcpPort: tcpPort, read: read, write: write,
            extra: key.arguments)
        try await PythonClients.check("prometheus_metrics.py", httpPort: httpPort, read: read, write: write)
        try await readmePythonExampleRuns(httpPort: httpPort, directory: directory)
    }

    /// The README's Python examples, as a new user pastes them (only the port and tokens changed):
    /// the QuestDB client's write and JSON read, then the Arrow answers read into polars.
    func readmePythonExampleRuns(httpPort: Int, directory: String) async throws {
        var root = PythonClients.scripts
        for _ in 0..<3 { root = String(root[..<root.lastIndex(of: "/")!]) }
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        var examples: [String] = []
        var from = readme.startIndex
        while examples.count < 2, let start = readme.range(of: "```python\n", range: from..<readme.endIndex) {
            let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
            examples.append(String(readme[start.upperBound..<end.lowerBound]))
            from = end.upperBound
        }
        try #require(examples.count == 2, "README has the two Python examples")
        #expect(examples[1].contains("format=arrow"), "the second example reads Arrow")
        for (index, example) in examples.enumerated() {
            let script = example.replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(httpPort)")
                .replacingOccurrences(of: "dev-write", with: write).replacingOccurrences(of: "dev-read", with: read)
            let path = directory + "/readme_example_\(index).py"
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            let result = await PythonClients.run([try PythonClients.python(), path])
            #expect(result.status == 0, "README example \(index + 1) failed:\n\(result.output)")
            if index == 0 {
                #expect(result.output.contains("'price': '3456.78'"), "README example output:\n\(result.output)")
            } else {
                // Two DataFrames: the range (the trade written above, its price exact) and the bars.
                #expect(result.output.components(separatedBy: "shape: (1, ").count == 3, "\(result.output)")
                #expect(result.output.contains("3456.78"), "README Arrow example output:\n\(result.output)")
            }
        }
    }

    /// The same clients over TLS (`tls.certificate`, `tls.privateKey`), trusting a private CA.
    @Test func realClientsOverTLS() async throws {
        let directory = makeTemporaryDirectory("strata-python-tls")
        defer { removeTree(directory) }
        let certificates = try TestCertificates(in: directory)
        let httpPort = freePort()
        let tcpPort = freePort()
        let key = ClientKey(kid: "tls-ingest")
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(httpPort)], port: httpPort,
            environment: [
                "STRATA_TOKENS_WRITE": write, "STRATA_TOKENS_READ": read, "STRATA_ILP_TCP_PORT": String(tcpPort),
                "STRATA_ILP_TCP_KEYS": key.configured, "STRATA_TLS_CERTIFICATE": certificates.certificate,
                "STRATA_TLS_PRIVATE_KEY": certificates.privateKey,
            ],
            stderrPath: directory + "/server.log", tls: true)
        defer { server.stopInBackground(SIGTERM) }
        try await PythonClients.check(
            "tls_clients.py", httpPort: httpPort, tcpPort: tcpPort, read: read, write: write,
            extra: ["--ca=\(certificates.ca)"] + key.arguments)
    }
}

/// An ILP/TCP client's key pair as QuestDB's clients take it: `d`, `x`, `y` in base64url.
struct ClientKey {
    let kid: String
    let d: String
    let x: String
    let y: String

    init(kid: String) {
        let key = P256.Signing.PrivateKey()
        let point = key.publicKey.rawRepresentation
        self.kid = kid
        d = ILPTCPAuthTests.base64URL(key.rawRepresentation)
        x = ILPTCPAuthTests.base64URL(point.prefix(32))
        y = ILPTCPAuthTests.base64URL(point.suffix(32))
    }

    /// The server's `STRATA_ILP_TCP_KEYS` entry (public part only).
    var configured: String { "\(kid):\(x):\(y)" }

    /// The scripts' arguments. `--d=…`: a base64url value may start with "-", which argparse
    /// would take for an option.
    var arguments: [String] { ["--kid=\(kid)", "--d=\(d)", "--x=\(x)", "--y=\(y)"] }
}
