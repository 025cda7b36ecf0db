extension LineScanner {
    /// An error message, described with trivial values so that a throwing site in the scanner
    /// stores a few words and no text; ``fail(_:at:_:)`` writes the text, out of line, only when
    /// an entry is really rejected.
    enum Message {
        /// Fixed text.
        case text(StaticString)
        /// `before`, the byte at `at` (quoted, or `end of input`), `after`.
        case byte(StaticString, at: Int, StaticString)
        /// `<element> '<key>': <text>`, e.g. `tag 'symbol': missing value`.
        case key(StaticString, ByteRange, StaticString)
        /// `<element> '<key>': <before><byte at `at`><after>`.
        case keyByte(StaticString, ByteRange, StaticString, at: Int, StaticString)
        /// `field '<key>': <problem> '<source bytes>'`, e.g. `field 'price': invalid number 'abc'`.
        case keySpan(ByteRange, StaticString, Range<Int>)
        /// `<before> '<source bytes>'<after>`.
        case span(StaticString, Range<Int>, StaticString)
        /// `<before><number><after>`, for limits.
        case number(StaticString, Int, StaticString)
        /// `field '<key>': <before><number><after>`.
        case keyNumber(ByteRange, StaticString, Int, StaticString)
        /// `timestamp '<source bytes>' out of range for precision <precision>`.
        case timestampOutOfRange(Range<Int>)
    }

    /// Records the error for an entry and returns the ``Stop`` to throw.
    @inline(never)
    mutating func fail(_ code: LineProtocolError.Code, at offset: Int, _ message: Message) -> Stop {
        error = makeError(code, at: offset, text(message))
        return .failed
    }

    /// An error at `offset`, with its line and column counted from the start of the entry.
    func makeError(_ code: LineProtocolError.Code, at offset: Int, _ message: String) -> LineProtocolError {
        var lineNumber = entryLine
        var lineStart = entryStart
        var k = entryStart
        let limit = min(offset, end)
        while k < limit {
            // A LF inside a binary value's payload is data, not the end of a line.
            if base[k] == .lf, !binaryPayloads.contains(where: { $0.contains(k) }) {
                lineNumber &+= 1
                lineStart = k &+ 1
            }
            k &+= 1
        }
        while lineStart > 0, base[lineStart - 1] != .lf { lineStart -= 1 }
        return LineProtocolError(
            code: code, line: lineNumber, column: offset - lineStart + 1, offset: baseOffset + offset, message: message)
    }

    func text(_ message: Message) -> String {
        switch message {
        case .text(let text):
            return "\(text)"
        case .byte(let before, let offset, let after):
            return "\(before)\(describe(offset))\(after)"
        case .key(let element, let key, let text):
            return "\(element) '\(string(key))': \(text)"
        case .keyByte(let element, let key, let before, let offset, let after):
            return "\(element) '\(string(key))': \(before)\(describe(offset))\(after)"
        case .keySpan(let key, let problem, let span):
            return "field '\(string(key))': \(problem) \(quoted(span))"
        case .span(let before, let span, let after):
            return "\(before) \(quoted(span))\(after)"
        case .number(let before, let number, let after):
            return "\(before)\(number)\(after)"
        case .keyNumber(let key, let before, let number, let after):
            return "field '\(string(key))': \(before)\(number)\(after)"
        case .timestampOutOfRange(let span):
            return "timestamp \(quoted(span)) out of range for precision \(configuration.precision)"
        }
    }

    func invalidUTF8Message(_ kind: NameKind) -> StaticString {
        switch kind {
        case .measurement: "measurement: invalid UTF-8"
        case .tagKey: "tag key: invalid UTF-8"
        case .tagValue: "tag value: invalid UTF-8"
        case .fieldKey: "field key: invalid UTF-8"
        }
    }

    /// A key or value as text for a message, control characters escaped.
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
        guard offset < end else { return "end of input" }
        return "'" + LineScanner.printable(UnsafeBufferPointer(start: base + offset, count: 1)) + "'"
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
}
