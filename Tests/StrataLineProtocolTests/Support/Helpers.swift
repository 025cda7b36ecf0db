import StrataLineProtocol
import Testing

/// Parses `text` with the given dialect and precision (default time 7 ns unless given).
func parse(
    _ text: String, dialect: LineProtocol.Dialect = .questDB, precision: LineProtocol.Precision = .nanoseconds,
    defaultTimestamp: Int64 = 7
) throws(LineProtocolError) -> LineProtocol.Batch {
    try LineProtocol.parse(
        text, defaultTimestamp: defaultTimestamp,
        configuration: LineProtocol.Configuration(precision: precision, dialect: dialect))
}

/// The one point of `text`.
func point(_ text: String, dialect: LineProtocol.Dialect = .questDB) throws -> LineProtocol.Point {
    let batch = try parse(text, dialect: dialect)
    try #require(batch.count == 1, "expected one point in \(text.debugDescription), got \(batch.count)")
    return batch[0]
}

/// The error `text` gives.
func parseError(
    _ text: String, dialect: LineProtocol.Dialect = .questDB,
    configuration: LineProtocol.Configuration? = nil
) -> LineProtocolError? {
    do {
        _ = try LineProtocol.parse(
            text, defaultTimestamp: 0, configuration: configuration ?? LineProtocol.Configuration(dialect: dialect))
        return nil
    } catch {
        return error
    }
}

extension LineProtocol.Point {
    var tagPairs: [String] { tags.map { "\($0.key)=\($0.value)" } }
    var fieldKeys: [String] { fields.map(\.key) }
    func value(_ key: String) -> LineProtocol.FieldValue? { fields.first(key: key)?.value }
}
