/// Why an ILP write was refused, as the HTTP answer's JSON body `{"code","message","line","errorId"}`
/// (InfluxDB's and QuestDB's shape, so their clients show it as they would theirs).
public struct WriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason: a ``LineProtocolError`` code (`invalidNumber`, …) or one of the
    /// mapping codes (`unknownMeasurement`, `missingField`, `unknownField`, `invalidValue`), the
    /// validation rule a row broke (`nonPositive`, `outsideWindow`, … — the message says it in
    /// words), or `requestTooLarge`, `invalidPrecision`, `invalidGzip`, `limitExceeded`,
    /// `unavailable`.
    public var code: String
    public var message: String
    /// The 1-based line of the body the error is about, or `nil` for the request as a whole.
    public var line: Int?
    /// The HTTP status: 400 for bad input, 413 for a body over the limit, 503 for a condition
    /// worth retrying (store closed, disk full, I/O).
    public var status: Int
    /// The table the refused line was for, when it mapped to one (where it is quarantined).
    public var table: String?

    public init(code: String, message: String, line: Int? = nil, status: Int = 400, table: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.status = status
        self.table = table
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}
