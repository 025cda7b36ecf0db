import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Start-up failures are one `strata: error:` line naming the setting, the value and the cause.
@Suite struct ServeStartupTests {
    @Test func busyPortIsOneLineNamingTheSetting() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        // Hold a port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        #expect(listen(fd, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))

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
