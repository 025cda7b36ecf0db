import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up failures are one `strata: error:` line naming the setting, the value and the cause.
@Suite struct ServeStartupTests {
    @Test func busyPortIsOneLineNamingTheSetting() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (fd, port) = bindLoopback(listening: true)  // held: the server cannot have it
        defer { close(fd) }

        let result = try runStrata(
            ["serve", "--data", directory + "/data", "--port", "\(port)"], in: directory,
            environment: ["STRATA_TOKENS_WRITE": "w"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(
            result.stderr.hasPrefix("strata: error: cannot listen on 127.0.0.1:\(port) (http.port / STRATA_HTTP_PORT)"))
        #expect(result.stderr.contains("in use"))

        let badTLS = try runStrata(
            ["serve", "--data", directory + "/data", "--port", "0"], in: directory,
            environment: [
                "STRATA_TOKENS_WRITE": "w", "STRATA_TLS_CERTIFICATE": directory + "/none.pem",
                "STRATA_TLS_PRIVATE_KEY": directory + "/none.key",
            ])
        #expect(badTLS.status == 1)
        #expect(badTLS.stderr.hasPrefix("strata: error: configuration: tls.certificate"), "\(badTLS.stderr)")
        #expect(badTLS.stderr.contains("none.pem"))
        #expect(badTLS.stderr.split(separator: "\n").count == 1)
    }
}
