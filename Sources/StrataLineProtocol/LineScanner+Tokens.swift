extension LineScanner {
    // MARK: - Names: measurement, tag keys and values, field keys

    /// The bytes below 64 that end a name of `kind`, as a bit mask (bit `b` for byte `b`). Above
    /// 63 only the backslash (handled apart) and DEL (for all but tag values) are special.
    @inline(__always)
    func terminatorMask(_ kind: NameKind) -> UInt64 {
        let controls: UInt64 = 0xFFFF_FFFF
        let space: UInt64 = 1 << 0x20
        let comma: UInt64 = 1 << 0x2C
        let equals: UInt64 = 1 << 0x3D
        switch kind {
        case .measurement: return controls | space | comma
        case .tagKey, .fieldKey: return controls | space | comma | equals
        // As the reference decoder, tag values may hold control characters other than CR and LF.
        case .tagValue: return 1 << 0x0A | 1 << 0x0D | space | comma | equals
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
        let mask = terminatorMask(kind)
        let deleteEnds = kind != .tagValue
        scan: while true {
            while i < end {
                let byte = base[i]
                if byte < 64 {
                    if mask & (1 &<< UInt64(byte)) != 0 { break }
                } else if byte == .backslash || (byte == .delete && deleteEnds) {
                    break
                }
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
            throw fail(.invalidUTF8, at: start, .span(invalidUTF8Message(kind), start..<i, ""))
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
                throw fail(.invalidBoolean, at: start, .keySpan(key, "invalid boolean", start..<position))
            }
            return FieldRecord(key: key, text: source(start, count), payload: value ? 1 : 0, kind: .boolean)

        case .minus, .dot, UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try scanNumber(key: key)

        case .equals where questDB:
            return try scanBinaryValue(key: key)

        case .space, .comma, .cr, .lf:
            throw fail(.missingFieldValue, at: start, .key("field", key, "missing value"))

        default:
            let count = try takeValueToken()
            if questDB, NumberParser.isNonFiniteWord(base + start, count) {
                let value = NumberParser.nonFiniteValue(base + start, count)
                return FieldRecord(key: key, text: source(start, count), payload: value.bitPattern, kind: .float)
            }
            if NumberParser.isNonFiniteWord(base + start, count) {
                throw fail(.nonFiniteNumber, at: start, .keySpan(key, "non-finite number", start..<position))
            }
            throw fail(.unknownFieldType, at: start, .keySpan(key, "unknown value type", start..<position))
        }
    }

    /// A number: a float, or an integer with a type suffix.
    mutating func scanNumber(key: ByteRange) throws(Stop) -> FieldRecord {
        let start = position
        let count = try takeValueToken()
        let p = base + start
        if count >= 3, p[count - 2] &- 0x30 >= 10, NumberParser.isNonFiniteWord(p, count) {  // -nan, -inf, -Infinity
            guard questDB else {
                throw fail(.nonFiniteNumber, at: start, .keySpan(key, "non-finite number", start..<position))
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
            case .outOfRange:
                throw fail(.numberOutOfRange, at: start, .keySpan(key, "integer out of range", start..<position))
            case .invalid: throw fail(.invalidNumber, at: start, .keySpan(key, "invalid integer", start..<position))
            }
        case UInt8(ascii: "u"):
            switch NumberParser.uint64(p, digits) {
            case .value(let value):
                return FieldRecord(key: key, text: source(start, digits), payload: value, kind: .unsigned)
            case .outOfRange:
                throw fail(
                    .numberOutOfRange, at: start, .keySpan(key, "unsigned integer out of range", start..<position))
            case .invalid:
                throw fail(.invalidNumber, at: start, .keySpan(key, "invalid unsigned integer", start..<position))
            }
        case UInt8(ascii: "t") where questDB, UInt8(ascii: "n") where questDB:
            let micro = p[count - 1] == UInt8(ascii: "t")
            switch NumberParser.int64(p, digits) {
            case .value(let value):
                let (nanoseconds, overflow) = value.multipliedReportingOverflow(by: micro ? 1_000 : 1)
                if overflow {
                    throw fail(
                        .timestampOutOfRange, at: start, .keySpan(key, "timestamp out of range", start..<position))
                }
                return FieldRecord(
                    key: key, text: source(start, digits), payload: UInt64(bitPattern: nanoseconds), kind: .timestamp)
            case .outOfRange:
                throw fail(.timestampOutOfRange, at: start, .keySpan(key, "timestamp out of range", start..<position))
            case .invalid: throw fail(.invalidNumber, at: start, .keySpan(key, "invalid timestamp", start..<position))
            }
        case UInt8(ascii: "d") where questDB:
            guard NumberParser.isDecimalSyntax(p, digits) else {
                throw fail(.invalidNumber, at: start, .keySpan(key, "invalid decimal", start..<position))
            }
            return FieldRecord(key: key, text: source(start, digits), payload: 0, kind: .decimal)
        default:
            switch NumberParser.double(p, count) {
            case .value(let value):
                return FieldRecord(key: key, text: source(start, count), payload: value.bitPattern, kind: .float)
            case .outOfRange:
                throw fail(.numberOutOfRange, at: start, .keySpan(key, "number out of range", start..<position))
            case .invalid: throw fail(.invalidNumber, at: start, .keySpan(key, "invalid number", start..<position))
            }
        }
    }

    /// Advances over an unquoted value (up to `,`, a space, CR or LF) and returns its length.
    mutating func takeValueToken() throws(Stop) -> Int {
        let start = position
        let mask: UInt64 = 1 << 0x2C | 1 << 0x20 | 1 << 0x0A | 1 << 0x0D  // , space LF CR
        while position < end {
            let byte = base[position]
            if byte < 64, mask & (1 &<< UInt64(byte)) != 0 { break }
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
                throw fail(.unterminatedString, at: openingQuote, .key("field", key, "missing closing quote"))
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
            throw fail(.invalidUTF8, at: start, .key("field", key, "invalid UTF-8 in string"))
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
        if (a.start | b.start) & ByteRange.unescapedFlag == 0 {
            // Both in the source (no escapes): the common case, compared in place.
            let x = base + Int(a.start)
            let y = base + Int(b.start)
            for k in 0..<Int(a.count) where x[k] != y[k] { return false }
            return true
        }
        return withBytes(a) { x in withBytes(b) { y in memoryEqual(x, y) } }
    }

    func isValidUTF8(_ range: ByteRange) -> Bool {
        withBytes(range) { bytes in bytes.isEmpty || UTF8Validation.isValid(bytes.baseAddress!, bytes.count) }
    }
}
