// Design note: the InfluxDB line protocol (ILP) parser.
//
// What it is. A pure parser, no I/O and no Foundation: bytes in, points (or the first error) out.
// `LineProtocol.parse` takes a whole HTTP body (all or nothing); `LineProtocol.StreamParser` is a
// value-type state machine for a TCP stream (reads split anywhere; points before a bad line are kept).
// Both run one scanner (`LineScanner`) over the bytes, so they accept exactly the same input.
//
// Grammar. `measurement[,tag=value…] field=value[,field=value…] [timestamp]`, one entry per line.
// The reference is the InfluxDB decoder `github.com/influxdata/line-protocol/v2`, whose results
// are the influxdata corpus: under `Dialect.influxDB` all 6,615 decode cases give its result (the
// corpus test shows it). `Dialect.questDB`, the server's default, adds what QuestDB clients send;
// on the corpus it differs only there (7 `NaN` cases, 2 `\\` cases, 24 lines of tags only):
// - Lines end with LF or CRLF (or the end of a body); a lone CR is an error. Blank lines and lines
//   starting with `#` (after spaces) are skipped; a comment holds printable characters only.
// - A line needs at least one field; `questDB` also accepts a line of tags (symbols) only, which
//   QuestDB clients may send (the caller decides whether such a point maps to anything).
// - Escapes: a backslash before a character special to the element escapes it (measurement:
//   `,` and space; tag keys, tag values, field keys: `,`, `=` and space). A backslash before any
//   other character is literal (`ho\st` is `ho\st`), and in a run of backslashes before a special
//   character all but the last are literal (`a\\ b` is `a\ b`), as in InfluxDB.
//   QuestDB clients escape differently, so `questDB` also reads: `\=` in a measurement as `=`;
//   backslashes before a raw LF or CR as pairs, an odd one keeping the newline in the name (the
//   line does not end there); `\\` before an ordinary character as one backslash. One input is
//   ambiguous between the two and read as InfluxDB reads it: a name ending in an escaped
//   backslash followed by `,`, `=` or a space (QuestDB's `a\\,`); no trading data has one.
// - Tag values may hold control characters other than CR and LF; measurements and keys may not.
//   Names and strings must be UTF-8. A name's `"` is an ordinary character.
// - Strings: `"…"`, where `\"` and `\\` are the only escapes; any other backslash is literal, so
//   the two characters `\n` (what the influx client sends) stay two characters. A raw LF inside
//   a string is part of it (the entry spans lines). `questDB` also reads `\`+LF and `\`+CR as the
//   newline (what the questdb client sends).
// - Numbers: floats as Go's `ParseFloat` reads decimal text (`1`, `-1.5`, `.5`, `5.`, `1e-4`,
//   `1E+100`, any number of digits, correctly rounded; too large is an error, too small is 0).
//   `i` integers (Int64), `u` unsigned (UInt64). `questDB` adds `t` (microseconds) and `n`
//   (nanoseconds) timestamp fields, `d` decimals, and `NaN`/`Infinity`/`inf` in any case with
//   an optional sign, parsed and flagged non-finite (`Field.isFinite`) for the layer above to
//   reject where a price is expected. `influxDB` rejects non-finite numbers (as InfluxDB does).
//   Every number keeps its exact text, so prices and quantities are parsed as decimals from the
//   digits (`Field.decimal(as:)`), never through `Double`.
// - Booleans: t, T, true, True, TRUE, f, F, false, False, FALSE; anything else is an error.
// - Binary values (`questDB`: QuestDB's ILP protocol versions 2 and 3): a field value starting
//   with `=` is a type byte and a length-prefixed or fixed-size payload: float64 (v2) and decimal
//   (v3) are read, arrays (v2) refused naming the field; cut short, an unknown type, a decimal
//   scale above 76 or a null decimal are typed errors. See `LineScanner+Binary.swift`.
// - Timestamp: an optional integer in the configured precision (`Precision`, both the v1 and v2
//   spellings), converted to nanoseconds with overflow checked; under `questDB` a unit suffix
//   (`n`, `t` microseconds, `m` milliseconds, what v2/v3 clients send) overrides the precision.
//   Missing, it is the caller's default time truncated to the precision (as InfluxDB does).
//
// Rejected, and why:
// - Duplicate tag keys (InfluxDB rejects them) and duplicate field keys (a trade with two prices
//   is ambiguous: reject rather than guess which one wins).
// - Hexadecimal floats, `_` digit separators, `+` before a field value, unquoted strings: no client
//   sends them and InfluxDB's grammar has none of them.
// - Entries longer than `maxLineLength`, with more than `maxFields` fields or `maxTags` tags: the
//   limits bound memory per request and per connection, and each error names its limit.
//
// Performance. The scanner reads bytes through a pointer and records byte ranges: a name with no
// escape is a range of the input, an escaped one is unescaped once into a side buffer, numbers are
// converted in place (the common short decimals without the C library), and errors are described
// by trivial values and written out of line, so the scanning functions stay small. A `Batch` owns
// one copy of the bytes it refers to (held by pointer: reading costs no reference counting) and
// flat arrays of records; points, tags and fields are views whose small accessors are
// `@inlinable`, and a `String` is built only when asked for (`hasKey`, `hasMeasurement` and the
// `withUnsafe…` accessors compare and read without one). The TCP parser copies each read once and,
// for an entry split over many reads, finds its end with `LineFramer` instead of re-parsing it on
// every read. Measured on the 2-core development VM (release build, 98-byte trade lines): about
// 280 ns of CPU per line to parse from 64 KiB reads, and 80 ns more to read a point's symbol,
// exact price and quantity, id and timestamp, i.e. about 2.8 million lines per second per core.

/// InfluxDB line protocol (ILP) parsing for Strata's server.
///
/// ```swift
/// let body = Array("trades,symbol=BTC-USD price=64123.45,qty=0.25 1719878281500000000\n".utf8)
/// let batch = try LineProtocol.parse(body, defaultTimestamp: now)
/// let point = batch[0]
/// point.measurement                                     // "trades"
/// point.tags.value(forKey: "symbol")                    // "BTC-USD"
/// try point.fields.first(key: "price")!.decimal(as: Price.self).get()   // exactly 64123.45
/// ```
///
/// See `parse(_:defaultTimestamp:configuration:)` for a request body and
/// ``StreamParser`` for a TCP stream.
public enum LineProtocol {
    /// Parses a whole request body: every entry, or the first error (HTTP writes are all or nothing).
    ///
    /// ```swift
    /// var configuration = LineProtocol.Configuration()
    /// configuration.precision = try LineProtocol.Precision(parameter: request.uri.queryParameters["precision"] ?? "ns")
    /// let batch = try LineProtocol.parse(body, defaultTimestamp: now, configuration: configuration)
    /// ```
    ///
    /// - Parameters:
    ///   - body: the bytes of the body (the batch copies them once).
    ///   - defaultTimestamp: nanoseconds since the epoch for entries without a timestamp (the
    ///     server's receive time); truncated to the precision.
    ///   - configuration: precision, dialect and limits.
    /// - Returns: the points, in body order.
    /// - Throws: ``LineProtocolError`` for the first bad entry, with its line, column and code;
    ///   ``LineProtocolError/Code/bodyTooLarge`` for a body over ``Batch/maximumSourceSize``.
    public static func parse(
        _ body: [UInt8], defaultTimestamp: Int64, configuration: Configuration = Configuration()
    ) throws(LineProtocolError) -> Batch {
        let result = body.withUnsafeBufferPointer { bytes in
            parse(bytes, defaultTimestamp: defaultTimestamp, configuration: configuration)
        }
        return try result.get()
    }

    /// Parses a whole request body in memory the caller owns (e.g. a NIO `ByteBuffer`'s readable
    /// bytes), without copying it first.
    ///
    /// - Parameters:
    ///   - body: the bytes of the body; not retained.
    ///   - defaultTimestamp: nanoseconds since the epoch for entries without a timestamp.
    ///   - configuration: precision, dialect and limits.
    /// - Returns: the points, in body order.
    /// - Throws: ``LineProtocolError`` for the first bad entry.
    public static func parse(
        _ body: UnsafeRawBufferPointer, defaultTimestamp: Int64, configuration: Configuration = Configuration()
    ) throws(LineProtocolError) -> Batch {
        let result = body.withMemoryRebound(to: UInt8.self) { bytes in
            parse(bytes, defaultTimestamp: defaultTimestamp, configuration: configuration)
        }
        return try result.get()
    }

    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, defaultTimestamp: Int64, configuration: Configuration
    ) -> Result<Batch, LineProtocolError> {
        guard !bytes.isEmpty else { return .success(Batch()) }
        guard bytes.count <= Batch.maximumSourceSize else {
            return .failure(
                LineProtocolError(
                    code: .bodyTooLarge, line: 0, column: 0, offset: 0,
                    message: "body of \(bytes.count) bytes is larger than \(Batch.maximumSourceSize) bytes"))
        }
        var scanner = LineScanner(
            bytes, isFinal: true, configuration: configuration, defaultTimestamp: defaultTimestamp, firstLine: 1,
            baseOffset: 0)
        if case .failed(let error) = scanner.run() { return .failure(error) }
        return .success(Batch(storage: scanner.builder.finish(source: bytes)))
    }

    /// Parses line-protocol text (for tests, tools and examples).
    ///
    /// - Parameters:
    ///   - text: the entries.
    ///   - defaultTimestamp: nanoseconds since the epoch for entries without a timestamp.
    ///   - configuration: precision, dialect and limits.
    /// - Returns: the points, in text order.
    /// - Throws: ``LineProtocolError`` for the first bad entry.
    public static func parse(
        _ text: String, defaultTimestamp: Int64, configuration: Configuration = Configuration()
    ) throws(LineProtocolError) -> Batch {
        try parse(Array(text.utf8), defaultTimestamp: defaultTimestamp, configuration: configuration)
    }
}
