import Foundation

/// A failure of ClickHouse or of the way to it, with what a person needs to act on it: the kind,
/// ClickHouse's own exception code and text when the server answered with one, and the start of
/// the statement.
///
/// ```swift
/// do { try await client.execute("SELECT nonexistent") } catch let error as ClickHouseError {
///     error.serverCode   // 47 (UNKNOWN_IDENTIFIER)
/// }
/// ```
public struct ClickHouseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// ClickHouse answered with an exception (``ClickHouseError/serverCode`` says which).
        public static let server = Code("server")
        /// No answer in time (connect, read or the whole request): the statement may have run.
        public static let timeout = Code("timeout")
        /// The server could not be reached or closed the connection.
        public static let unavailable = Code("unavailable")
        /// An answer that is not what the statement returns (a truncated or foreign reply).
        public static let badResponse = Code("badResponse")
        /// A configuration value that cannot work (the message names the key and the value).
        public static let invalidConfiguration = Code("invalidConfiguration")

        public var description: String { name }
    }

    public var code: Code
    /// ClickHouse's exception code (`Code: 60` is UNKNOWN_TABLE…), for ``Code/server``.
    public var serverCode: Int?
    /// The HTTP status of the answer, when there was one.
    public var httpStatus: Int?
    public var message: String
    /// The first 200 characters of the statement.
    public var statement: String?

    public init(
        _ code: Code, _ message: String, serverCode: Int? = nil, httpStatus: Int? = nil, statement: String? = nil
    ) {
        self.code = code
        self.message = message
        self.serverCode = serverCode
        self.httpStatus = httpStatus
        self.statement = statement.map { String($0.prefix(200)) }
    }

    /// Whether trying again later may succeed (the server was unreachable, slow, or refused for a
    /// reason that passes: too many parts, memory, a table being created or dropped).
    public var isTransient: Bool {
        switch code {
        case .timeout, .unavailable: return true
        case .server:
            // TOO_MANY_PARTS 252, MEMORY_LIMIT_EXCEEDED 241, TOO_MANY_SIMULTANEOUS_QUERIES 202,
            // TABLE_IS_DROPPED 218, TIMEOUT_EXCEEDED 159, SOCKET_TIMEOUT 209, NETWORK_ERROR 210.
            return [252, 241, 202, 218, 159, 209, 210].contains(serverCode ?? -1)
        default: return false
        }
    }

    public var description: String {
        var text = "clickhouse \(code)"
        if let serverCode { text += " (code \(serverCode))" }
        if let httpStatus { text += " [HTTP \(httpStatus)]" }
        text += ": " + message
        if let statement { text += " — in: " + statement }
        return text
    }

    /// Parses an exception body, `Code: 47, e.displayText() = DB::Exception: …, e.what() = …`
    /// (18.x) or `Code: 47. DB::Exception: … (UNKNOWN_IDENTIFIER)` (later releases): the code and
    /// the text.
    static func parseException(_ body: String) -> (code: Int?, text: String) {
        let trimmed = body.trimmingTrailingNewlines
        guard trimmed.hasPrefix("Code: ") else { return (nil, trimmed) }
        let digits = trimmed.dropFirst("Code: ".count).prefix { $0.isASCII && $0.isNumber }
        var text = Substring(trimmed.dropFirst("Code: ".count + digits.count))
        text = text.drop { $0 == "," || $0 == "." || $0 == " " }
        if text.hasPrefix("e.displayText() = ") { text = text.dropFirst("e.displayText() = ".count) }
        if let what = text.range(of: ", e.what() = ", options: .backwards) { text = text[..<what.lowerBound] }
        return (Int(digits), String(text))
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text = text.dropLast() }
        return String(text)
    }
}
