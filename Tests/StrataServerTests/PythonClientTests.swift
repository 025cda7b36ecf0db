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
@Suite(.serialized) struct PythonClientTests {
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
        defer { _ = server.stop(SIGTERM) }
        for script in ["questdb_http.py", "questdb_decimal.py", "influx_v2.py", "live_websocket.py"] {
            try PythonClients.check(script, httpPort: httpPort, read: read, write: write)
        }
        try PythonClients.check(
            "questdb_tcp.py", httpPort: httpPort, tcpPort: tcpPort, read: read, write: write,
            extra: key.arguments)
        try PythonClients.check("prometheus_metrics.py", httpPort: httpPort, read: read, write: write)
        try readmePythonExampleRuns(httpPort: httpPort, directory: directory)
    }

    /// The README's Python example, as a new user pastes it (only the port and tokens changed).
    func readmePythonExampleRuns(httpPort: Int, directory: String) throws {
        var root = PythonClients.scripts
        for _ in 0..<3 { root = String(root[..<root.lastIndex(of: "/")!]) }
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "```python\n"), "README has a Python example")
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let example = String(readme[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(httpPort)")
            .replacingOccurrences(of: "dev-write", with: write).replacingOccurrences(of: "dev-read", with: read)
        let path = directory + "/readme_example.py"
        try example.write(toFile: path, atomically: true, encoding: .utf8)
        let result = PythonClients.run([try PythonClients.python(), path])
        #expect(result.status == 0, "README example failed:\n\(result.output)")
        #expect(result.output.contains("'price': '3456.78'"), "README example output:\n\(result.output)")
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
        defer { _ = server.stop(SIGTERM) }
        try PythonClients.check(
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
