extension LineScanner {
    // MARK: - Names: measurement, tag keys and values, field keys

    @inline(__always)
    func isTerminator(_ byte: UInt8, _ kind: NameKind) -> Bool {
        switch kind {
        case .measurement:
            return byte == .comma || byte == .space || byte < 0x20 || byte == .delete
        case .tagKey, .fieldKey:
            return byte == .comma || byte == .equals || byte == .space || byte < 0x20 || byte == .delete
        case .tagValue:
            // As the reference decoder, tag values may hold control characters other than CR and LF.
            return byte == .comma || byte == .equals || byte == .space || byte == .cr || byte == .lf
        }
    }

    @inline(__always)
    func isEscapable(_ byte: UInt8, _ kind: NameKind) -> Bool {
        switch kind {
        case .measurement: return byte == .comma || byte == .space || (questDB && byte == .equals)
        case .tagKey, .tagValue, .fieldKey: return byte == .comma || byte == .equals || byte == .space
        }
    }

    /// Scans a name and returns its unescaped bytes (a range of the source when nothing needed
    /// unescaping, which is the common case, else of the builder's unescaped bytes).
    mutating func scanName(_ kind: NameKind) throws(Stop) -> ByteRange {
        let start = position
        var i = position
        var highBits: UInt8 = 0
        var copyFrom = start
        var scratchStart = -1
        scan: while true {
            while i < end {
                let byte = base[i]
                if byte == .backslash || isTerminator(byte, kind) { break }
                highBits |= byte
                i &+= 1
            }
            guard i < end else {
                if !isFinal { throw .incomplete }
                break scan
            }
            guard base[i] == .backslash else { break scan }
            // A run of backslashes, and the byte after it.
            var j = i
            while j < end, base[j] == .backslash { j &+= 1 }
            if j == end, !isFinal { throw .incomplete }
            let run = j - i
            if j < end {
                let next = base[j]
                if isEscapable(next, kind) {
                    // As InfluxDB: each backslash but the last is literal; the last escapes `next`.
                    if scratchStart < 0 { scratchStart = builder.unescaped.count }
                    appendSource(copyFrom..<j &- 1)
                    builder.unescaped.append(next)
                    i = j &+ 1
                    copyFrom = i
                    continue scan
                }
                if questDB, next == .lf || next == .cr {
                    // QuestDB: backslashes pair up, and an odd one keeps the newline in the name.
                    if scratchStart < 0 { scratchStart = builder.unescaped.count }
                    appendSource(copyFrom..<i)
                    appendBackslashes(run / 2)
                    if run % 2 == 1 {
                        builder.unescaped.append(next)
                        if next == .lf { line &+= 1 }
                        i = j &+ 1
                    } else {
                        i = j
                    }
                    copyFrom = i
                    continue scan
                }
            }
            if questDB, run >= 2 {
                // QuestDB escapes a backslash as `\\`; a lone backslash stays literal (InfluxDB).
                if scratchStart < 0 { scratchStart = builder.unescaped.count }
                appendSource(copyFrom..<i)
                appendBackslashes(run / 2 + run % 2)
                copyFrom = j
            }
            i = j
        }
        position = i
        let range: ByteRange
        if scratchStart >= 0 {
            appendSource(copyFrom..<i)
            range = ByteRange(start: scratchStart, count: builder.unescaped.count - scratchStart, unescaped: true)
        } else {
            range = ByteRange(start: start, count: i - start, unescaped: false)
        }
        if highBits & 0x80 != 0, !isValidUTF8(range) {
            throw failure(.invalidUTF8, at: start, "\(describe(kind)): invalid UTF-8 \(quoted(start..<i))")
        }
        return range
    }

    @inline(__always)
    mutating func appendSource(_ range: Range<Int>) {
        if range.isEmpty { return }
        builder.unescaped.append(contentsOf: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    mutating func appendBackslashes(_ count: Int) {
        for _ in 0..<count { builder.unescaped.append(.backslash) }
    }

    // MARK: - Field values

    /// Scans the field value at `position` (known to be before the end).
    mutating func scanFieldValue(key: ByteRange) throws(Stop) -> FieldRecord {
        let start = position
        let first = base[start]
        switch first {
        case .quote:
            position &+= 1
            let text = try scanString(key: key, openingQuote: start)
            return FieldRecord(key: key, text: text, payload: 0, kind: .string)

        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            let count = try takeValueToken()
            let p = base + start
            let value: Bool
            switch count {
            case 1: value = first == UInt8(ascii: "t") || first == UInt8(ascii: "T")
            case 4 where matches(p, "true") || matches(p, "True") || matches(p, "TRUE"): value = true
            case 5 where matches(p, "false") || matches(p, "False") || matches(p, "FALSE"): value = false
            default:
                throw failure(
                    .invalidBoolean, at: start, "field '\(string(key))': invalid boolean \(quoted(start..<position))")
            }
            return FieldRecord(key: key, text: source(start, count), payload: value ? 1 : 0, kind: .boolean)

        case .minus, .dot, UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanNumber(key: key)

        case .space, .comma, .cr, .lf:
            throw failure(.missingFieldValue, at: start, "field '\(string(key))': missing value")

        default:
            let count = try takeValueToken()
            if questDB, NumberParser.isNonFiniteWord(base + start, count) {
                let value = NumberParser.nonFiniteValue(base + start, count)
                return FieldRecord(key: key, text: source(start, count), payload: value.bitPattern, kind: .float)
            }
            if NumberParser.isNonFiniteWord(base + start, count) {
                throw failure(
                    .nonFiniteNumber, at: start, "field '\(string(key))': non-finite number \(quoted(start..<position))"
                )
            }
            throw failure(
                .unknownFieldType, at: start, "field '\(string(key))': unknown value type \(quoted(start..<position))")
        }
    }

    /// A number: a float, or an integer with a type suffix.
    mutating func scanNumber(key: ByteRange) throws(Stop) -> FieldRecord {
        let start = position
        let count = try takeValueToken()
        let p = base + start
        if NumberParser.isNonFiniteWord(p, count) {  // -Infinity, -inf
            guard questDB else {
                throw failure(
                    .nonFiniteNumber, at: start, "field '\(string(key))': non-finite number \(quoted(start..<position))"
                )
            }
            let value = NumberParser.nonFiniteValue(p, count)
            return FieldRecord(key: key, text: source(start, count), payload: value.bitPattern, kind: .float)
        }
        let digits = count - 1
        switch p[count - 1] {
        case UInt8(ascii: "i"):
            switch NumberParser.int64(p, digits) {
            case .value(let value):
                return FieldRecord(
                    key: key, text: source(start, digits), payload: UInt64(bitPattern: value), kind: .integer)
            case .outOfRange: throw numberFailure(.numberOutOfRange, key, "integer out of range", start)
            case .invalid: throw numberFailure(.invalidNumber, key, "invalid integer", start)
            }
        case UInt8(ascii: "u"):
            switch NumberParser.uint64(p, digits) {
            case .value(let value):
                return FieldRecord(key: key, text: source(start, digits), payload: value, kind: .unsigned)
            case .outOfRange: throw numberFailure(.numberOutOfRange, key, "unsigned integer out of range", start)
            case .invalid: throw numberFailure(.invalidNumber, key, "invalid unsigned integer", start)
            }
        case UInt8(ascii: "t") where questDB, UInt8(ascii: "n") where questDB:
            let micro = p[count - 1] == UInt8(ascii: "t")
            switch NumberParser.int64(p, digits) {
            case .value(let value):
                let (nanoseconds, overflow) = value.multipliedReportingOverflow(by: micro ? 1_000 : 1)
                if overflow { throw numberFailure(.timestampOutOfRange, key, "timestamp out of range", start) }
                return FieldRecord(
                    key: key, text: source(start, digits), payload: UInt64(bitPattern: nanoseconds), kind: .timestamp)
            case .outOfRange: throw numberFailure(.timestampOutOfRange, key, "timestamp out of range", start)
            case .invalid: throw numberFailure(.invalidNumber, key, "invalid timestamp", start)
            }
        case UInt8(ascii: "d") where questDB:
            guard NumberParser.isDecimalSyntax(p, digits) else {
                throw numberFailure(.invalidNumber, key, "invalid decimal", start)
            }
            return FieldRecord(key: key, text: source(start, digits), payload: 0, kind: .decimal)
        default:
            switch NumberParser.double(p, count) {
            case .value(let value):
                return FieldRecord(key: key, text: source(start, count), payload: value.bitPattern, kind: .float)
            case .outOfRange: throw numberFailure(.numberOutOfRange, key, "number out of range", start)
            case .invalid: throw numberFailure(.invalidNumber, key, "invalid number", start)
            }
        }
    }

    func numberFailure(_ code: LineProtocolError.Code, _ key: ByteRange, _ problem: String, _ start: Int) -> Stop {
        failure(code, at: start, "field '\(string(key))': \(problem) \(quoted(start..<position))")
    }

    /// Advances over an unquoted value (up to `,`, a space, CR or LF) and returns its length.
    mutating func takeValueToken() throws(Stop) -> Int {
        let start = position
        while position < end {
            let byte = base[position]
            if byte == .comma || byte == .space || byte == .lf || byte == .cr { break }
            position &+= 1
        }
        if position == end, !isFinal { throw .incomplete }
        return position - start
    }

    /// Scans a quoted string from just after its opening quote to just after its closing quote.
    mutating func scanString(key: ByteRange, openingQuote: Int) throws(Stop) -> ByteRange {
        let start = position
        var i = start
        var highBits: UInt8 = 0
        var copyFrom = start
        var scratchStart = -1
        while true {
            guard i < end else {
                if !isFinal { throw .incomplete }
                throw failure(.unterminatedString, at: openingQuote, "field '\(string(key))': missing closing quote")
            }
            let byte = base[i]
            if byte == .quote { break }
            if byte == .backslash {
                guard i &+ 1 < end else {
                    if !isFinal { throw .incomplete }
                    i &+= 1
                    continue
                }
                let next = base[i &+ 1]
                if next == .backslash || next == .quote || (questDB && (next == .lf || next == .cr)) {
                    if scratchStart < 0 { scratchStart = builder.unescaped.count }
                    appendSource(copyFrom..<i)
                    builder.unescaped.append(next)
                    if next == .lf { line &+= 1 }
                    i &+= 2
                    copyFrom = i
                    continue
                }
                // Any other backslash is literal: `\n` stays two characters, as the influx client means it.
            } else if byte == .lf {
                line &+= 1
            }
            highBits |= byte
            i &+= 1
        }
        let range: ByteRange
        if scratchStart >= 0 {
            appendSource(copyFrom..<i)
            range = ByteRange(start: scratchStart, count: builder.unescaped.count - scratchStart, unescaped: true)
        } else {
            range = ByteRange(start: start, count: i - start, unescaped: false)
        }
        position = i &+ 1
        if highBits & 0x80 != 0, !isValidUTF8(range) {
            throw failure(.invalidUTF8, at: start, "field '\(string(key))': invalid UTF-8 in string")
        }
        return range
    }

    // MARK: - Helpers

    @inline(__always)
    func source(_ start: Int, _ count: Int) -> ByteRange { ByteRange(start: start, count: count, unescaped: false) }

    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ word: StaticString) -> Bool {
        let letters = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where p[k] != letters[k] { return false }
        return true
    }

    func withBytes<R>(_ range: ByteRange, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let start = Int(range.start & ~ByteRange.unescapedFlag)
        if range.start & ByteRange.unescapedFlag == 0 {
            return body(UnsafeBufferPointer(start: base + start, count: Int(range.count)))
        }
        return builder.unescaped.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[start..<start + Int(range.count)]))
        }
    }

    @inline(__always)
    func equal(_ a: ByteRange, _ b: ByteRange) -> Bool {
        guard a.count == b.count else { return false }
        return withBytes(a) { x in withBytes(b) { y in memoryEqual(x, y) } }
    }

    func isValidUTF8(_ range: ByteRange) -> Bool {
        withBytes(range) { bytes in bytes.isEmpty || UTF8Validation.isValid(bytes.baseAddress!, bytes.count) }
    }

    func string(_ range: ByteRange) -> String {
        withBytes(range) { LineScanner.printable($0) }
    }

    /// The source bytes in quotes, control characters escaped, cut at 64 bytes.
    func quoted(_ range: Range<Int>) -> String {
        let cut = min(range.count, 64)
        let text = LineScanner.printable(UnsafeBufferPointer(start: base + range.lowerBound, count: cut))
        return "'" + text + (cut < range.count ? "…" : "") + "'"
    }

    /// The byte at `offset`, quoted, or `end of input`.
    func describe(_ offset: Int) -> String {
        offset < end
            ? "'" + LineScanner.printable(UnsafeBufferPointer(start: base + offset, count: 1)) + "'" : "end of input"
    }

    func describe(_ kind: NameKind) -> String {
        switch kind {
        case .measurement: "measurement"
        case .tagKey: "tag key"
        case .tagValue: "tag value"
        case .fieldKey: "field key"
        }
    }

    static func printable(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var text = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                text += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    /// An error at `offset`, with its line and column counted from the start of the entry.
    func failure(_ code: LineProtocolError.Code, at offset: Int, _ message: String) -> Stop {
        var lineNumber = entryLine
        var lineStart = entryStart
        var k = entryStart
        let limit = min(offset, end)
        while k < limit {
            if base[k] == .lf {
                lineNumber &+= 1
                lineStart = k &+ 1
            }
            k &+= 1
        }
        while lineStart > 0, base[lineStart - 1] != .lf { lineStart -= 1 }
        return .failure(
            LineProtocolError(
                code: code, line: lineNumber, column: offset - lineStart + 1, offset: baseOffset + offset,
                message: message))
    }
}
