import Foundation
import Logging
import PostgresNIO
import StrataPostgres
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real PostgreSQL the tests use: `STRATA_TEST_POSTGRES_URL`, by default
/// postgres://postgres:test_password@127.0.0.1:5433/strata_test (`.ci/run` starts it).
///
/// Locally, a server that cannot be reached skips the tests that need it; under `CI=true` they
/// run anyway and fail, so CI never passes without them.
enum PostgresTestServer {
    static let url =
        ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_URL"]
        ?? "postgres://postgres:test_password@127.0.0.1:5433/strata_test"

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the tests that need the server run: it answers, or this is CI.
    static let enabled: Bool = isCI || reachable

    /// Whether a TCP connection to the server's port opens.
    static let reachable: Bool = {
        guard let configuration = try? PostgresConfiguration(url: url) else { return false }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(configuration.host, String(configuration.port), &hints, &result) == 0, let info = result
        else { return false }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0
    }()

    /// A configuration on a schema of its own (`t_<label>_<random>`), so tests run in parallel.
    static func configuration(_ label: String) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: url)
        configuration.schema = "t_\(label)_\(UInt32.random(in: 0...UInt32.max))"
        configuration.operationTimeout = .seconds(60)
        // A connection may wait: the full suite on two cores has kept a connect past 5 s.
        configuration.connectTimeout = .seconds(60)
        return configuration
    }

    /// Runs `sql` on a connection of its own and returns the rows.
    @discardableResult
    static func sql(_ configuration: PostgresConfiguration, _ sql: String) async throws -> [PostgresRow] {
        let logger = Logger(label: "strata.postgres.tests")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: configuration.host, port: configuration.port, username: configuration.user,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
            try await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` with a configuration on a schema of its own, dropped after it (thrown or not).
    static func withSchema(_ label: String, _ body: (PostgresConfiguration) async throws -> Void) async throws {
        let configuration = try configuration(label)
        do {
            try await body(configuration)
        } catch {
            await drop(configuration)
            throw error
        }
        await drop(configuration)
    }

    /// Drops the test's schema and everything in it.
    static func drop(_ configuration: PostgresConfiguration) async {
        _ = try? await sql(configuration, "DROP SCHEMA IF EXISTS \"\(configuration.schema)\" CASCADE")
    }

    /// Whether `schema.table` exists.
    static func exists(_ configuration: PostgresConfiguration, _ table: String) async throws -> Bool {
        let rows = try await sql(
            configuration, "SELECT to_regclass('\"\(configuration.schema)\".\"\(table)\"') IS NOT NULL")
        return try rows.first!.decode(Bool.self)
    }
}
