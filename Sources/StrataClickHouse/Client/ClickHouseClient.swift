import AsyncHTTPClient
public import Logging
import NIOCore
import NIOHTTP1

/// A client of ClickHouse's HTTP interface (port 8123): statements in, text or nothing out,
/// inserts with a binary body; every failure a ``ClickHouseError`` with ClickHouse's exception
/// code and text.
///
/// Every statement is sent with `wait_end_of_query=1` (the server buffers the answer, so a
/// failure half-way is an HTTP error, never a 200 with an exception appended) and
/// `max_execution_time` set from ``ClickHouseConfiguration/queryTimeout``.
///
/// ```swift
/// let client = ClickHouseClient(configuration: try ClickHouseConfiguration(url: "http://127.0.0.1:8123/strata"))
/// try await client.createDatabase()
/// let rows = try await client.rows("SELECT symbol, count() FROM trades GROUP BY symbol")
/// try await client.shutdown()
/// ```
public final class ClickHouseClient: Sendable {
    public let configuration: ClickHouseConfiguration
    private let http: HTTPClient
    private let logger: Logger

    public init(configuration: ClickHouseConfiguration, logger: Logger = Logger(label: "strata.clickhouse")) {
        self.configuration = configuration
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = .init(
            connect: .nanoseconds(Self.nanoseconds(configuration.connectTimeout)),
            read: .nanoseconds(Self.nanoseconds(configuration.queryTimeout)))
        httpConfiguration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    // A client dropped without `shutdown()` closes its connections in the background (the HTTP
    // client would otherwise stop a debug build); after `shutdown()` this changes nothing.
    deinit {
        _ = http.shutdown()
    }

    /// Closes the connections; the client cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Runs a statement that returns nothing (DDL, `INSERT … SELECT`, `ALTER`).
    /// - Throws: ``ClickHouseError``.
    /// - Parameter queryID: ClickHouse's `query_id` (what `system.processes` shows), or its own.
    public func execute(_ statement: String, settings: [String: String] = [:], queryID: String? = nil)
        async throws(ClickHouseError)
    {
        _ = try await send(statement: statement, body: nil, settings: settings, queryID: queryID)
    }

    /// Runs a query and returns its answer as text (`FORMAT TabSeparated` unless the statement
    /// says otherwise).
    /// - Throws: ``ClickHouseError``.
    public func query(_ statement: String, settings: [String: String] = [:]) async throws(ClickHouseError) -> String {
        try await send(statement: statement, body: nil, settings: settings)
    }

    /// Runs a query and returns its rows, each a list of unescaped TabSeparated fields.
    /// - Throws: ``ClickHouseError``.
    public func rows(_ statement: String, settings: [String: String] = [:]) async throws(ClickHouseError) -> [[String]]
    {
        let text = try await query(statement + " FORMAT TabSeparated", settings: settings)
        return ClickHouseSQL.parseTabSeparated(text)
    }

    /// Sends `body` as the data of `statement` (`INSERT INTO t (…) FORMAT RowBinary`).
    /// - Throws: ``ClickHouseError``.
    /// - Parameter queryID: ClickHouse's `query_id` (what `system.processes` shows), or its own.
    public func insert(_ statement: String, body: [UInt8], settings: [String: String] = [:], queryID: String? = nil)
        async throws(ClickHouseError)
    {
        _ = try await send(statement: statement, body: body, settings: settings, queryID: queryID)
    }

    /// The server's version, `SELECT version()` (asked in the `default` database, which always exists).
    public func version() async throws(ClickHouseError) -> ClickHouseVersion {
        // In `default`: the version is asked before the database exists.
        let text = try await send(statement: "SELECT version()", body: nil, settings: [:], database: "default")
            .trimmingTrailingNewlines
        guard let version = ClickHouseVersion(text) else {
            throw ClickHouseError(.badResponse, "version() answered '\(text)'", statement: "SELECT version()")
        }
        return version
    }

    /// Creates ``ClickHouseConfiguration/database`` if it does not exist.
    public func createDatabase() async throws(ClickHouseError) {
        _ = try await send(
            statement: "CREATE DATABASE IF NOT EXISTS " + ClickHouseSQL.quote(identifier: configuration.database),
            body: nil, settings: [:], database: "default")
    }

    /// Drops ``ClickHouseConfiguration/database`` and everything in it.
    public func dropDatabase() async throws(ClickHouseError) {
        _ = try await send(
            statement: "DROP DATABASE IF EXISTS " + ClickHouseSQL.quote(identifier: configuration.database), body: nil,
            settings: [:], database: "default")
    }

    private func send(
        statement: String, body: [UInt8]?, settings: [String: String], database: String? = nil,
        queryID: String? = nil
    ) async throws(ClickHouseError) -> String {
        var parameters: [(String, String)] = [
            ("database", database ?? configuration.database), ("user", configuration.user),
            ("wait_end_of_query", "1"),
            ("max_execution_time", String(max(1, configuration.queryTimeout.components.seconds))),
        ]
        if !configuration.password.isEmpty { parameters.append(("password", configuration.password)) }
        if let queryID { parameters.append(("query_id", queryID)) }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { parameters.append((key, value)) }
        var request: HTTPClientRequest
        if let body {
            parameters.append(("query", statement))
            request = HTTPClientRequest(url: configuration.baseURL + "?" + Self.encode(parameters))
            request.body = .bytes(body)
        } else {
            request = HTTPClientRequest(url: configuration.baseURL + "?" + Self.encode(parameters))
            request.body = .bytes(Array(statement.utf8))
        }
        request.method = .POST
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(configuration.queryTimeout))
        let status: Int
        let text: String
        do {
            let response = try await http.execute(request, deadline: deadline, logger: logger)
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: configuration.maximumResponseBytes)
            text = String(buffer: buffer)
        } catch {
            throw Self.map(error, statement: statement)
        }
        guard status == 200 else {
            let (code, message) = ClickHouseError.parseException(text)
            throw ClickHouseError(.server, message, serverCode: code, httpStatus: status, statement: statement)
        }
        return text
    }

    static func map(_ error: any Error, statement: String) -> ClickHouseError {
        if let error = error as? ClickHouseError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return ClickHouseError(.timeout, "\(error)", statement: statement)
            case .alreadyShutdown:
                return ClickHouseError(.invalidConfiguration, "the client was shut down", statement: statement)
            default:
                return ClickHouseError(.unavailable, "\(error)", statement: statement)
            }
        }
        if error is NIOTooManyBytesError {
            return ClickHouseError(.badResponse, "the answer is larger than maximumResponseBytes", statement: statement)
        }
        // Connection refused or reset (NIO's IOError, ChannelError…): the server is not there.
        return ClickHouseError(.unavailable, "\(error)", statement: statement)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let components = duration.components
        return components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// `key=value&…`, percent-encoded (everything but unreserved characters).
    static func encode(_ parameters: [(String, String)]) -> String {
        parameters.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

/// A server version, `18.16.1` or `23.8.2.7`, and what the DDL may use on it.
public struct ClickHouseVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var parts: [Int]

    public init?(_ text: String) {
        let parts = text.split(separator: ".").map { Int($0) }
        guard parts.count >= 2, parts.allSatisfy({ $0 != nil }) else { return nil }
        self.parts = parts.map { $0! }
    }

    public init(_ parts: [Int]) { self.parts = parts }

    public var description: String { parts.map(String.init).joined(separator: ".") }

    public static func < (lhs: ClickHouseVersion, rhs: ClickHouseVersion) -> Bool {
        lhs.parts.lexicographicallyPrecedes(rhs.parts)
    }

    /// Column codecs (`CODEC(DoubleDelta, LZ4)`, `Gorilla`, `ZSTD`): from 19.10 (18.16 has none:
    /// compression there is the server's `<compression>` setting, LZ4 by default).
    public var hasColumnCodecs: Bool { self >= ClickHouseVersion([19, 10]) }
    /// `LowCardinality(String)` without the experimental setting: from 19.3.
    public var hasLowCardinality: Bool { self >= ClickHouseVersion([19, 3]) }
}
