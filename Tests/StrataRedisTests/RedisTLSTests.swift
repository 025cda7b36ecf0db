import StrataRedis
import StrataTestSupport
import Testing

@Suite("Redis over TLS (a redis-server the test starts)", RedisTestEnvironment.serverBinary, .heavy)
struct RedisTLSTests {
    /// A TLS-only redis-server (plain port off) that requires client certificates.
    static func tlsServer() throws -> OwnedRedisServer {
        try OwnedRedisServer { port, directory in
            try OwnedRedisServer.makeCertificates(in: directory)
            return [
                "--port", "0", "--tls-port", String(port), "--tls-cert-file", directory + "/server.crt",
                "--tls-key-file", directory + "/server.key", "--tls-ca-cert-file", directory + "/ca.crt",
                "--tls-auth-clients", "yes",
            ]
        }
    }

    @Test("TLS required: verified against the CA, with a client certificate; refused otherwise")
    func tls() async throws {
        let server = try Self.tlsServer()
        defer { server.stop() }
        var configuration = server.configuration
        configuration.connectTimeout = .seconds(10)
        configuration.tls = .required
        configuration.tlsCACertificatePath = server.directory + "/ca.crt"
        configuration.tlsCertificatePath = server.directory + "/client.crt"
        configuration.tlsPrivateKeyPath = server.directory + "/client.key"

        // By name (SNI and the certificate's name), then by address with the name given.
        for (host, name) in [("localhost", nil), ("127.0.0.1", "localhost")] {
            configuration.host = host
            configuration.tlsServerName = name
            let client = try await RedisClient.connect(configuration: configuration)
            #expect(try await client.send(["SET", "tls-key", "over tls\r\n"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", "tls-key"]).string == "over tls\r\n")
            let results = try await client.pipeline((0..<1000).map { _ in ["INCR", "tls-n"] })
            #expect((try? results.last?.get())?.int != nil)
            await client.close()
        }

        // The server's certificate is not trusted by the system's roots.
        var untrusted = configuration
        untrusted.tlsCACertificatePath = nil
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: untrusted) }
        // A name the certificate does not carry; an address it does not carry.
        var byAddress = configuration
        byAddress.tlsServerName = nil
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: byAddress) }
        var wrongName = configuration
        wrongName.tlsServerName = "cache.example.com"
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: wrongName) }
        // No client certificate, where the server requires one.
        var anonymous = configuration
        anonymous.tlsCertificatePath = nil
        anonymous.tlsPrivateKeyPath = nil
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: anonymous) }
        // Plain TCP to the TLS port.
        var plain = configuration
        plain.tls = .disabled
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: plain) }
        // A certificate without its key is a configuration error.
        var halfConfigured = configuration
        halfConfigured.tlsPrivateKeyPath = nil
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: halfConfigured) }
    }
}
