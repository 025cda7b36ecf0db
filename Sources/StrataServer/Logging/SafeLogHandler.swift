public import Logging
import Strata
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the server writes its log (`log.format`, `STRATA_LOG_FORMAT`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// One line per event: `2026-12-06T13:18:34.123456Z warning strata.server: message key=value …`.
    case text
    /// One JSON object per line: `{"time":…,"level":…,"label":…,"message":…,"metadata":{…}}`.
    case json
}

/// The server's log handler: every message and metadata value is made data-safe before it is
/// written, whatever its source — a value a client sent (a symbol, an ILP string field, a token
/// id) can neither forge a log line nor put raw bytes into the log:
/// - in `text`, control characters (newlines, escape sequences, C1 controls, U+2028/2029) and
///   backslashes are written as escapes (`\n`, `\u{1B}`), and each value is cut to
///   ``maximumValueBytes`` with a note of how much was cut;
/// - in `json`, values are JSON string literals (the same escapes, by JSON's rules), likewise cut.
///
/// Invalid UTF-8 cannot reach it: Swift strings hold valid Unicode (bytes decoded from the wire
/// are repaired to U+FFFD when they become strings). Each event is written with one `write(2)`, so
/// lines of concurrent events do not interleave.
public struct SafeLogHandler: LogHandler {
    /// Longest message or metadata value written, in UTF-8 bytes; the rest is replaced by a note.
    public static let maximumValueBytes = 2_048

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let sink: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public init(label: String, level: Logger.Level, format: LogFormat) {
        self.init(label: label, level: level, format: format) { line in
            var line = line
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 {
                        if written < 0 && errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    /// A handler handing each finished line (with its newline) to `sink` (for tests).
    public init(label: String, level: Logger.Level, format: LogFormat, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = WallClock.now().iso8601
        let message = event.message.description
        let keys = merged.keys.sorted()
        var line = ""
        switch format {
        case .text:
            line = "\(time) \(event.level) \(label): \(Self.escaped(message))"
            for key in keys {
                line += " \(Self.escaped(key))=\(Self.escaped(Self.flatten(merged[key]!)))"
            }
        case .json:
            line = "{\"time\":\"\(time)\",\"level\":\"\(event.level)\",\"label\":\(JSONText.quoted(label))"
            line += ",\"message\":\(JSONText.quoted(Self.bounded(message)))"
            if !keys.isEmpty {
                line += ",\"metadata\":{"
                line += keys.map { key in
                    "\(JSONText.quoted(Self.bounded(key))):\(JSONText.quoted(Self.bounded(Self.flatten(merged[key]!))))"
                }.joined(separator: ",")
                line += "}"
            }
            line += "}"
        }
        sink(line + "\n")
    }

    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return "[" + values.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let values):
            return "[" + values.keys.sorted().map { "\($0): \(flatten(values[$0]!))" }.joined(separator: ", ") + "]"
        }
    }

    /// `value` cut to ``maximumValueBytes`` UTF-8 bytes (at a character boundary), with a note.
    static func bounded(_ value: String) -> String {
        let count = value.utf8.count
        guard count > maximumValueBytes else { return value }
        // Back to the start of the scalar the cut falls in: past at most three continuation bytes.
        var end = value.utf8.index(value.utf8.startIndex, offsetBy: maximumValueBytes)
        while value.utf8[end] & 0xC0 == 0x80 { end = value.utf8.index(before: end) }
        let kept = value[..<end]
        return "\(kept)…(\(count - kept.utf8.count) more bytes)"
    }

    /// `value`, bounded, with every control character and backslash escaped: the result is one
    /// line of printable text.
    static func escaped(_ value: String) -> String {
        let value = bounded(value)
        guard value.unicodeScalars.contains(where: needsEscape) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where needsEscape(scalar): out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || value == 0x5C || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }
}
