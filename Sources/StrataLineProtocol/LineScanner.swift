/// The line-protocol grammar over one buffer of bytes: parses entries into a ``BatchBuilder``.
///
/// It is used by both transports. For a whole body (`isFinal`), the end of the buffer ends the
/// last line. For a TCP stream (not `isFinal`), reaching the end of the buffer inside an entry
/// stops the scan with ``Outcome/stopped(position:line:)`` at that entry's first byte, so the
/// caller can keep the tail and try again with more bytes. See `LineProtocol.swift` for the grammar.
struct LineScanner {
    /// Why an entry was not finished: more bytes are needed, or it is wrong (the error is in
    /// ``error``). One byte, so that every throwing call stays cheap.
    enum Stop: Error {
        case incomplete
        case failed
    }

    enum Outcome {
        /// Everything before `position` was parsed. For final input `position` is the end; for a
        /// stream the bytes from `position` on are an unfinished entry, which starts on `line`.
        case stopped(position: Int, line: Int)
        /// An entry is wrong; the builder holds the points of the entries before it.
        case failed(LineProtocolError)
    }

    enum NameKind {
        case measurement, tagKey, tagValue, fieldKey
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let isFinal: Bool
    let configuration: LineProtocol.Configuration
    let questDB: Bool
    /// The default time, already truncated to the precision.
    let defaultTimestamp: Int64
    /// The stream offset of `base[0]`, for error offsets.
    let baseOffset: Int

    var position = 0
    /// The line number at `position` (exact between entries).
    var line: Int
    var builder: BatchBuilder
    /// Where the entry (or comment line) being parsed starts, and its line, for error positions.
    var entryStart = 0
    var entryLine = 1
    /// The start of the entry's line, its leading spaces included: ``LineProtocol/Configuration/maxLineLength``
    /// counts from here, as the stream parser, which keeps an unfinished line whole, counts.
    var entryLineStart = 0
    /// The error behind ``Stop/failed``.
    var error: LineProtocolError?
    /// The payloads of the entry's binary values that hold a LF byte (rare), which error
    /// positions must not count as line ends.
    var binaryPayloads: [Range<Int>] = []

    init(
        _ buffer: UnsafeBufferPointer<UInt8>, isFinal: Bool, configuration: LineProtocol.Configuration,
        defaultTimestamp: Int64, firstLine: Int, baseOffset: Int
    ) {
        // A non-empty buffer always has a base address; callers never scan an empty one.
        self.base = buffer.baseAddress!
        self.end = buffer.count
        self.isFinal = isFinal
        self.configuration = configuration
        self.questDB = configuration.dialect == .questDB
        self.defaultTimestamp = configuration.precision.truncating(defaultTimestamp)
        self.baseOffset = baseOffset
        self.line = firstLine
        self.builder = BatchBuilder(expectedBytes: buffer.count)
    }

    /// Parses entries until the end of the input, an incomplete entry or the first error.
    mutating func run() -> Outcome {
        while true {
            let mark = builder.mark
            // An unfinished entry is kept from the start of its line, so that columns stay right.
            var lineStart = position
            do throws(Stop) {
                guard try skipBlankLines() else { return .stopped(position: position, line: line) }
                lineStart = position
                while lineStart > 0, base[lineStart - 1] != .lf { lineStart -= 1 }
                entryLineStart = lineStart
                try parseEntry()
            } catch {
                builder.rollBack(to: mark)
                switch error {
                case .incomplete:
                    // Only `parseEntry` needs more bytes: `skipBlankLines` stops before a partial
                    // line instead, so `entryLine` is the line of `lineStart`.
                    position = lineStart
                    line = entryLine
                    return .stopped(position: lineStart, line: entryLine)
                case .failed:
                    return .failed(self.error!)
                }
            }
        }
    }

    // MARK: - Lines

    /// Skips blank lines, comment lines and the spaces before an entry. `false` at the end of
    /// the input (and, for a stream, before a partial blank or comment line, left unconsumed).
    mutating func skipBlankLines() throws(Stop) -> Bool {
        while true {
            let lineBegin = position
            let lineNumber = line
            while position < end, base[position] == .space { position &+= 1 }
            guard position < end else {
                if isFinal { try checkLength(from: lineBegin, line: lineNumber) } else { position = lineBegin }
                return false
            }
            switch base[position] {
            case .hash:
                entryStart = position
                entryLine = line
                position &+= 1
                // Comments hold printable characters (as in InfluxDB): no control character but the end of line.
                while position < end, base[position] >= .space, base[position] != .delete { position &+= 1 }
                // Stop before a comment that may not be finished (possibly just missing the LF of its CRLF).
                if !isFinal, position == end || (base[position] == .cr && position &+ 1 == end) {
                    position = lineBegin
                    return false
                }
                guard try takeEndOfLine() else {
                    throw fail(.invalidCharacter, at: position, .byte("comment: invalid character ", at: position, ""))
                }
                // Comment and blank lines are held to the length limit too: a stream must buffer
                // them whole, so only then does a stream accept what a body accepts, however it is split.
                try checkLength(from: lineBegin, line: lineNumber)
            case .lf:
                position &+= 1
                line &+= 1
                try checkLength(from: lineBegin, line: lineNumber)
            case .cr:
                if position &+ 1 == end, !isFinal {
                    position = lineBegin
                    return false
                }
                // A lone CR is not an end of line: the entry starting with it reports the error.
                guard try takeEndOfLine() else { return true }
                try checkLength(from: lineBegin, line: lineNumber)
            default:
                return true
            }
        }
    }

    /// Fails with ``LineProtocolError/Code/lineTooLong`` if the line from `start` (on line
    /// `startLine`) to `position` (its end of line included) is longer than the limit.
    @inline(__always)
    mutating func checkLength(from start: Int, line startLine: Int) throws(Stop) {
        guard position &- start > configuration.maxLineLength else { return }
        entryStart = start
        entryLine = startLine
        throw fail(
            .lineTooLong, at: start,
            .number("line is longer than maxLineLength (", configuration.maxLineLength, " bytes)"))
    }

    /// Consumes LF or CRLF (or, at the end of final input, a lone CR or nothing).
    mutating func takeEndOfLine() throws(Stop) -> Bool {
        guard position < end else {
            if isFinal { return true }
            throw .incomplete
        }
        switch base[position] {
        case .lf:
            position &+= 1
            line &+= 1
            return true
        case .cr:
            guard position &+ 1 < end else {
                if isFinal {
                    position &+= 1
                    return true
                }
                throw .incomplete
            }
            guard base[position &+ 1] == .lf else { return false }
            position &+= 2
            line &+= 1
            return true
        default:
            return false
        }
    }

    /// `true` at the end of final input; for a stream, the end of the buffer means more is needed.
    @inline(__always)
    func atEnd() throws(Stop) -> Bool {
        if position < end { return false }
        if isFinal { return true }
        throw .incomplete
    }

    @inline(__always)
    mutating func skipSpaces() {
        while position < end, base[position] == .space { position &+= 1 }
    }

    // MARK: - Entries

    mutating func parseEntry() throws(Stop) {
        entryStart = position
        entryLine = line
        if !binaryPayloads.isEmpty { binaryPayloads.removeAll(keepingCapacity: true) }

        let measurement = try scanName(.measurement)
        if measurement.isEmpty {
            throw fail(.missingMeasurement, at: position, .byte("measurement: invalid character ", at: position, ""))
        }
        try advanceTagComma()

        // Tags, up to the first unescaped space.
        let firstTag = builder.tags.count
        var hasFields = true
        tags: while true {
            if try atEnd() {
                // QuestDB accepts a line of symbols without columns.
                if questDB, builder.tags.count > firstTag {
                    hasFields = false
                    break tags
                }
                throw fail(.missingFields, at: position, .text("missing fields"))
            }
            if base[position] == .space {
                skipSpaces()
                break
            }
            let keyStart = position
            let key = try scanName(.tagKey)
            let keyAtEnd = try atEnd()
            if key.isEmpty {
                if keyAtEnd || base[position] == .lf || base[position] == .cr {
                    if questDB, builder.tags.count > firstTag, try takeEndOfLine() {
                        hasFields = false
                        break tags
                    }
                    throw fail(.missingFields, at: position, .text("missing fields"))
                }
                if base[position] == .equals { throw fail(.missingKey, at: position, .text("empty tag key")) }
                throw fail(.invalidCharacter, at: position, .byte("invalid character ", at: position, " in the tags"))
            }
            if keyAtEnd || base[position] != .equals {
                throw fail(.missingEquals, at: position, .keyByte("tag", key, "expected '=', found ", at: position, ""))
            }
            position &+= 1
            let value = try scanName(.tagValue)
            if value.isEmpty {
                throw fail(.missingTagValue, at: position, .key("tag", key, "missing value"))
            }
            let tagCount = builder.tags.count - firstTag
            if tagCount >= configuration.maxTags {
                throw fail(.tooManyTags, at: keyStart, .number("more than maxTags (", configuration.maxTags, ") tags"))
            }
            for index in firstTag..<builder.tags.count where equal(builder.tags[index].key, key) {
                throw fail(.duplicateTagKey, at: keyStart, .key("tag", key, "duplicate key"))
            }
            builder.tags.append(TagRecord(key: key, value: value))
            try advanceTagComma()
        }

        // Fields, separated by commas.
        let firstField = builder.fields.count
        var hasTimestampSection = false
        while hasFields {
            let keyStart = position
            let key = try scanName(.fieldKey)
            let fieldCount = builder.fields.count - firstField
            if key.isEmpty {
                let code: LineProtocolError.Code = fieldCount == 0 ? .missingFields : .missingKey
                if try atEnd() {
                    throw fail(code, at: position, .text(fieldCount == 0 ? "missing fields" : "missing field key"))
                }
                let byte = base[position]
                if fieldCount == 0, byte == .lf || byte == .cr {
                    throw fail(code, at: position, .text("missing fields"))
                }
                if byte == .equals { throw fail(.missingKey, at: position, .text("empty field key")) }
                throw fail(
                    .invalidCharacter, at: position, .byte("invalid character ", at: position, " in a field key"))
            }
            if try atEnd() || base[position] != .equals {
                throw fail(
                    .missingEquals, at: position, .keyByte("field", key, "expected '=', found ", at: position, ""))
            }
            position &+= 1
            if try atEnd() { throw fail(.missingFieldValue, at: position, .key("field", key, "missing value")) }
            if fieldCount >= configuration.maxFields {
                throw fail(
                    .tooManyFields, at: keyStart, .number("more than maxFields (", configuration.maxFields, ") fields"))
            }
            let field = try scanFieldValue(key: key)
            for index in firstField..<builder.fields.count where equal(builder.fields[index].key, key) {
                throw fail(.duplicateFieldKey, at: keyStart, .key("field", key, "duplicate key"))
            }
            builder.fields.append(field)
            if try atEnd() { break }
            let byte = base[position]
            if byte == .comma {
                position &+= 1
                continue
            }
            guard byte == .space || byte == .cr || byte == .lf else {
                throw fail(
                    .unexpectedCharacter, at: position,
                    .keyByte("field", key, "unexpected ", at: position, " after the value"))
            }
            hasTimestampSection = true
            break
        }

        // Optional timestamp, then the end of the line.
        var timestamp = defaultTimestamp
        if hasTimestampSection {
            skipSpaces()
            if try !takeEndOfLine() {
                timestamp = try scanTimestamp() ?? defaultTimestamp
            }
        }

        if position - entryLineStart > configuration.maxLineLength {
            throw fail(
                .lineTooLong, at: entryStart,
                .number("line is longer than maxLineLength (", configuration.maxLineLength, " bytes)"))
        }
        builder.points.append(
            PointRecord(
                measurement: measurement,
                firstTag: UInt32(truncatingIfNeeded: firstTag),
                tagCount: UInt32(truncatingIfNeeded: builder.tags.count - firstTag),
                firstField: UInt32(truncatingIfNeeded: firstField),
                fieldCount: UInt32(truncatingIfNeeded: builder.fields.count - firstField),
                timestamp: timestamp,
                line: entryLine,
                text: ByteRange(start: entryStart, count: position - entryStart, unescaped: false)))
    }

    /// After a measurement or a tag value: a comma must be followed by a tag key.
    mutating func advanceTagComma() throws(Stop) {
        if try atEnd() || base[position] != .comma { return }
        position &+= 1
        if try atEnd() {
            throw fail(.missingKey, at: position, .text("expected a tag key after ',', found end of input"))
        }
        let byte = base[position]
        if byte == .space || byte == .cr || byte == .lf {
            throw fail(.missingKey, at: position, .byte("expected a tag key after ',', found ", at: position, ""))
        }
    }

    /// The timestamp digits (under ``LineProtocol/Dialect/questDB`` with an optional unit suffix:
    /// `n` nanoseconds, `t` microseconds, `m` milliseconds) and the end of the line; `nil` if
    /// there are no digits.
    mutating func scanTimestamp() throws(Stop) -> Int64? {
        let start = position
        while position < end, base[position] == .minus || base[position] &- 0x30 < 10 { position &+= 1 }
        let count = position - start
        // QuestDB's v2/v3 clients suffix the timestamp with its unit, which overrides the precision.
        var unit: Int64?
        if questDB, count > 0, position < end {
            let next = position &+ 1
            let ends = next == end || base[next] == .space || base[next] == .cr || base[next] == .lf
            switch base[position] {
            case UInt8(ascii: "n") where ends: unit = 1
            case UInt8(ascii: "t") where ends: unit = 1_000
            case UInt8(ascii: "m") where ends: unit = 1_000_000
            default: break
            }
            if unit != nil { position = next }
        }
        if try !atEnd() {
            let byte = base[position]
            if byte != .space && byte != .cr && byte != .lf {
                var stop = position
                while stop < end, base[stop] != .lf, base[stop] != .cr { stop &+= 1 }
                // The message quotes the rest of the line: wait for all of it, so that a stream
                // reports exactly what a whole body reports.
                if stop == end, !isFinal { throw .incomplete }
                throw fail(.invalidTimestamp, at: start, .span("invalid timestamp", start..<stop, ""))
            }
            skipSpaces()
            if try !takeEndOfLine() {
                var stop = position
                while stop < end, base[stop] != .lf { stop &+= 1 }
                if stop == end, !isFinal { throw .incomplete }
                throw fail(
                    .invalidTimestamp, at: position, .span("unexpected text after the timestamp:", position..<stop, ""))
            }
        }
        guard count > 0 else { return nil }
        switch NumberParser.int64(base + start, count) {
        case .value(let value):
            if let unit {
                let (nanoseconds, overflow) = value.multipliedReportingOverflow(by: unit)
                if !overflow { return nanoseconds }
                throw fail(
                    .timestampOutOfRange, at: start, .span("timestamp", start..<start + count + 1, " out of range"))
            }
            if let nanoseconds = configuration.precision.nanoseconds(value) { return nanoseconds }
            throw fail(.timestampOutOfRange, at: start, .timestampOutOfRange(start..<start + count))
        case .outOfRange:
            throw fail(.timestampOutOfRange, at: start, .span("timestamp", start..<start + count, " out of range"))
        case .invalid:
            throw fail(.invalidTimestamp, at: start, .span("invalid timestamp", start..<start + count, ""))
        }
    }
}

extension UInt8 {
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let hash = UInt8(ascii: "#")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let equals = UInt8(ascii: "=")
    static let backslash = UInt8(ascii: "\\")
    static let delete: UInt8 = 0x7F
}
