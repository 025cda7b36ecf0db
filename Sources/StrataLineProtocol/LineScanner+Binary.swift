// QuestDB's binary field values: ILP protocol versions 2 and 3, as QuestDB's clients send them
// (`questdb` for Python, the C/C++/Rust client, Java's `Sender`) once `/settings` lists them.
//
// A field value that starts with `=` (so the bytes after the key are `==`) is binary: one byte
// names the type, then a payload whose length the type gives. The payload is raw bytes, so it may
// hold LF, spaces, commas, quotes or backslashes; it is never unescaped and never ends a line. After
// it comes what follows any field value: `,`, a space, the end of the line.
//
// | type byte | since | payload |
// |---|---|---|
// | 16 | v2 | float64: 8 bytes, IEEE 754, little-endian |
// | 14 | v2 | array: element type, dimension count, little-endian `UInt32` shape, elements — refused |
// | 23 | v3 | decimal: scale (1 byte, 0…76), length (1 byte), that many bytes of the unscaled value, big-endian two's complement |
//
// A decimal's value is `unscaled × 10^-scale`, exactly. QuestDB reads a length of 0 as a null
// (older Java clients send it for a null); Strata refuses it (omit the field instead: that is what
// the Python client does for `Decimal('NaN')`). The unscaled value may be longer than it needs
// (the Java client always sends 32 bytes); its magnitude must fit in 256 bits, as in QuestDB.
//
// v2 and v3 clients also suffix the line's timestamp with its unit (`n`, `t` for microseconds, `m`
// for milliseconds); see `LineScanner.scanTimestamp`.
//
// How Strata represents them. The parser writes each binary value's text once, into the batch's
// side buffer: a float64's shortest round-trip decimal text (`3456.78`, what the client prints in
// v1), a decimal's exact plain text (`123.45`, `-0.001`). So a binary float64 is a
// ``LineProtocol/FieldKind/float`` and a binary decimal a ``LineProtocol/FieldKind/decimal``,
// exactly as their text forms, and everything above the parser (exact decimal parsing into a
// column's scale, its errors) is one path for both encodings: the same value sent as v1 text or v2
// binary is stored the same. No decimal goes through `Double`.

extension LineScanner {
    /// The binary value types (the byte after the second `=`).
    enum BinaryType {
        static let array: UInt8 = 14
        static let float64: UInt8 = 16
        static let decimal: UInt8 = 23
    }

    /// The largest decimal scale QuestDB's clients send (and its server accepts).
    static let maximumDecimalScale = 76
    /// The widest unscaled decimal magnitude, in bytes (QuestDB's `Decimal256`).
    static let maximumDecimalBytes = 32

    /// Scans a binary value: `position` is at its `=` (the byte after the key's `=`).
    mutating func scanBinaryValue(key: ByteRange) throws(Stop) -> FieldRecord {
        let start = position
        try requireBinary(2, from: start, key: key)
        let type = base[start &+ 1]
        switch type {
        case BinaryType.float64:
            try requireBinary(10, from: start, key: key)
            let payload = start &+ 2
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(base[payload &+ k]) &<< UInt64(8 &* k) }
            position = payload &+ 8
            noteBinaryPayload(payload..<position)
            let value = Double(bitPattern: bits)
            // Any NaN (Swift prints a signalling one `snan`) is written as the `NaN` text reads.
            let text = appendText(value.isNaN ? "NaN" : value.description)
            return FieldRecord(key: key, text: text, payload: bits, kind: .float)

        case BinaryType.decimal:
            try requireBinary(3, from: start, key: key)
            let scale = Int(base[start &+ 2])
            guard scale <= Self.maximumDecimalScale else {
                throw fail(
                    .invalidBinaryValue, at: start &+ 2,
                    .keyNumber(key, "decimal scale ", scale, " is above 76"))
            }
            try requireBinary(4, from: start, key: key)
            let length = Int(base[start &+ 3])
            guard length > 0 else {
                throw fail(
                    .invalidBinaryValue, at: start &+ 3,
                    .key("field", key, "null decimal (length 0): omit the field instead"))
            }
            try requireBinary(4 &+ length, from: start, key: key)
            let payload = start &+ 4
            position = payload &+ length
            noteBinaryPayload(payload..<position)
            guard let text = appendDecimalText(payload..<position, scale: scale) else {
                throw fail(
                    .numberOutOfRange, at: payload,
                    .keyNumber(key, "decimal wider than ", Self.maximumDecimalBytes * 8, " bits"))
            }
            return FieldRecord(key: key, text: text, payload: 0, kind: .decimal)

        case BinaryType.array:
            throw fail(
                .unsupportedFieldType, at: start,
                .key("field", key, "arrays (ILP v2 binary type 14) are not supported: send one field per element"))

        default:
            throw fail(
                .invalidBinaryValue, at: start &+ 1, .keyNumber(key, "unknown binary value type ", Int(type), ""))
        }
    }

    /// Fails unless `count` bytes from `start` are in the buffer: more bytes are needed for a
    /// stream; a whole body ends inside the value.
    @inline(__always)
    mutating func requireBinary(_ count: Int, from start: Int, key: ByteRange) throws(Stop) {
        if end &- start >= count { return }
        if !isFinal { throw .incomplete }
        throw missingBinaryBytes(from: start, count: count, key: key)
    }

    @inline(never)
    mutating func missingBinaryBytes(from start: Int, count: Int, key: ByteRange) -> Stop {
        fail(
            .invalidBinaryValue, at: end,
            .keyNumber(key, "binary value cut short: ", count &- (end &- start), " more bytes expected"))
    }

    /// Remembers a payload holding a LF, so that error positions do not count it as a line.
    @inline(__always)
    mutating func noteBinaryPayload(_ range: Range<Int>) {
        for k in range where base[k] == .lf {
            binaryPayloads.append(range)
            return
        }
    }

    /// Appends `text` to the side buffer and returns its range there.
    mutating func appendText(_ text: String) -> ByteRange {
        let start = builder.unescaped.count
        var text = text
        text.withUTF8 { builder.unescaped.append(contentsOf: $0) }
        return ByteRange(start: start, count: builder.unescaped.count - start, unescaped: true)
    }

    /// Appends the plain decimal text of `unscaled × 10^-scale` (the unscaled value big-endian
    /// two's complement in `bytes`) to the side buffer; `nil` if its magnitude is wider than
    /// ``maximumDecimalBytes``.
    mutating func appendDecimalText(_ bytes: Range<Int>, scale: Int) -> ByteRange? {
        let negative = base[bytes.lowerBound] & 0x80 != 0
        // The magnitude, as 64-bit limbs, least significant first. Two's complement negation
        // is "invert, add one", done byte by byte from the least significant end.
        var limbs: [UInt64] = []
        limbs.reserveCapacity(4)
        var limb: UInt64 = 0
        var shift: UInt64 = 0
        var carry: UInt16 = 1
        var k = bytes.upperBound
        while k > bytes.lowerBound {
            k &-= 1
            var byte = base[k]
            if negative {
                let sum = UInt16(~byte) &+ carry
                byte = UInt8(truncatingIfNeeded: sum)
                carry = sum >> 8
            }
            limb |= UInt64(byte) &<< shift
            shift &+= 8
            if shift == 64 {
                limbs.append(limb)
                limb = 0
                shift = 0
            }
        }
        if shift > 0 { limbs.append(limb) }
        while let last = limbs.last, last == 0 { limbs.removeLast() }
        guard limbs.count <= Self.maximumDecimalBytes / 8 else { return nil }

        // Decimal digits, least significant first, 19 at a time.
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        let chunk: UInt64 = 10_000_000_000_000_000_000
        while !limbs.isEmpty {
            var remainder: UInt64 = 0
            var index = limbs.count &- 1
            while index >= 0 {
                let (quotient, rest) = chunk.dividingFullWidth((high: remainder, low: limbs[index]))
                limbs[index] = quotient
                remainder = rest
                index &-= 1
            }
            while let last = limbs.last, last == 0 { limbs.removeLast() }
            for _ in 0..<19 {
                digits.append(UInt8(truncatingIfNeeded: remainder % 10) &+ 0x30)
                remainder /= 10
                if limbs.isEmpty && remainder == 0 { break }
            }
        }
        if digits.isEmpty { digits.append(0x30) }
        // At least one digit before the point.
        while digits.count <= scale { digits.append(0x30) }

        let start = builder.unescaped.count
        let isZero = digits.allSatisfy { $0 == 0x30 }
        if negative && !isZero { builder.unescaped.append(.minus) }
        var position = digits.count
        while position > 0 {
            position &-= 1
            builder.unescaped.append(digits[position])
            if position == scale && scale > 0 { builder.unescaped.append(.dot) }
        }
        return ByteRange(start: start, count: builder.unescaped.count - start, unescaped: true)
    }
}
