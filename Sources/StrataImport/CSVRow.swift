public import StrataCore

/// One line of a CSV file, split into fields, as a ``CSVRecordFormat`` sees it.
///
/// Fields are separated by commas. Spaces and tabs around a field are ignored, and so is one
/// pair of double quotes around it (`"BTCUSDT"` reads as `BTCUSDT`). A quoted field may hold
/// commas (`"Fed holds, signals cuts"` is one field) and doubled quotes (`"say ""hi"""`), as
/// RFC 4180 says; ``text(_:)`` gives such a field with its quotes undoubled, while the bytes
/// (``subscript(_:)``) are the field as written between its quotes. A quoted field cannot span
/// lines. The bytes point into the reader's buffer and are valid only during the call that
/// received the row.
///
/// ```swift
/// let price = try row.decimal(Price.self, at: 3, field: "price")
/// ```
public struct CSVRow {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    /// Start and end offsets (into `bytes`) of each field, two entries per field.
    @usableFromInline let bounds: UnsafeBufferPointer<Int>

    /// The 1-based line number in the input (header and blank lines count).
    public let lineNumber: Int

    init(bytes: UnsafeBufferPointer<UInt8>, bounds: UnsafeBufferPointer<Int>, lineNumber: Int) {
        self.bytes = bytes
        self.bounds = bounds
        self.lineNumber = lineNumber
    }

    /// The number of fields.
    @inlinable public var count: Int { bounds.count / 2 }

    /// The UTF-8 bytes of field `index` (0-based), trimmed.
    @inlinable public subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[bounds[2 * index]..<bounds[2 * index + 1]])
    }

    /// The text of field `index` (allocates): a quoted field without its quotes and with its
    /// doubled quotes (`""`) undoubled.
    public func text(_ index: Int) -> String {
        let field = self[index]
        guard isQuoted(index), field.contains(0x22) else { return String(decoding: field, as: UTF8.self) }
        var unquoted: [UInt8] = []
        unquoted.reserveCapacity(field.count)
        var previousWasQuote = false
        for byte in field {
            if byte == 0x22 && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = byte == 0x22
            unquoted.append(byte)
        }
        return String(decoding: unquoted, as: UTF8.self)
    }

    /// Whether field `index` was written between double quotes (`""` is a quoted empty field,
    /// an empty field is not).
    public func isQuoted(_ index: Int) -> Bool {
        let lower = bounds[2 * index]
        let upper = bounds[2 * index + 1]
        return lower > 0 && upper < bytes.count && bytes[lower - 1] == 0x22 && bytes[upper] == 0x22
    }

    /// The whole line as received.
    public var raw: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether field `index` is empty.
    @inlinable public func isEmpty(_ index: Int) -> Bool { bounds[2 * index] == bounds[2 * index + 1] }

    /// Field `index` as a signed decimal integer.
    /// - Parameters:
    ///   - index: the 0-based field index.
    ///   - field: the column name used in the error.
    /// - Throws: ``ValidationError`` with rule `notANumber` or `overflow`.
    @inlinable public func integer(at index: Int, field: String) throws -> Int64 {
        let digits = self[index]
        if let value = IntegerText.int64(digits) { return value }
        throw CSVNumbers.integerError(digits, field: field)
    }

    /// Field `index` as an exact fixed-point decimal (``Price``, ``Quantity``).
    /// - Parameters:
    ///   - type: the decimal type.
    ///   - index: the 0-based field index.
    ///   - field: the column name used in the error.
    /// - Throws: ``ValidationError`` with rule `notANumber`, `notFinite`, `tooPrecise` or `overflow`.
    @inlinable public func decimal<D: FixedPointDecimal>(_ type: D.Type, at index: Int, field: String) throws -> D {
        let digits = self[index]
        if let mantissa = CSVNumbers.parsePlainDecimal(digits, scale: D.scale) { return D(mantissa: mantissa) }
        switch D.parse(utf8: digits) {
        case .success(let value): return value
        case .failure(let failure):
            throw failure.error(field: field, value: String(decoding: digits, as: UTF8.self), scale: D.scale)
        }
    }

    /// Field `index` as an exact decimal with `scale` fractional digits: its mantissa (the value
    /// times 10^scale), for a column whose scale is known only at run time (a schema's
    /// `decimal(s)`). More digits than `scale` are refused, never rounded.
    /// - Parameters:
    ///   - scale: the fractional digits, 0…18.
    ///   - index: the 0-based field index.
    ///   - field: the column name used in the error.
    /// - Throws: ``ValidationError`` with rule `notANumber`, `notFinite`, `tooPrecise` or `overflow`.
    public func decimal(scale: Int, at index: Int, field: String) throws -> Int64 {
        let digits = self[index]
        if let mantissa = CSVNumbers.parsePlainDecimal(digits, scale: scale) { return mantissa }
        switch DecimalParser.parse(digits, scale: scale) {
        case .success(let mantissa): return mantissa
        case .failure(let failure):
            throw failure.error(field: field, value: String(decoding: digits, as: UTF8.self), scale: scale)
        }
    }

    /// Field `index` as a boolean: `true`/`false`, `t`/`f` (any case) or `1`/`0`.
    /// - Parameters:
    ///   - index: the 0-based field index.
    ///   - field: the column name used in the error.
    /// - Throws: ``ValidationError`` with rule `badBoolean`.
    @inlinable public func boolean(at index: Int, field: String) throws -> Bool {
        let text = self[index]
        if let value = CSVNumbers.parseBool(text) { return value }
        throw ValidationError(
            field: field, value: String(decoding: text, as: UTF8.self), rule: .badBoolean,
            detail: "expected true/false, t/f or 1/0")
    }

    /// Field `index` as a timestamp: epoch digits in `unit`, or ISO-8601 text.
    /// - Parameters:
    ///   - index: the 0-based field index.
    ///   - unit: the unit of epoch digits.
    ///   - field: the column name used in the error.
    /// - Throws: ``ValidationError`` with rule `badTimestamp`.
    @inlinable public func timestamp(at index: Int, unit: Timestamp.EpochUnit, field: String) throws -> Timestamp {
        let digits = self[index]
        if let value = IntegerText.int64(digits) {
            if let timestamp = Timestamp(epoch: value, unit: unit) { return timestamp }
            throw ValidationError(
                field: field, value: String(value), rule: .badTimestamp,
                detail: "out of range for epoch \(unit.rawValue)")
        }
        return try CSVNumbers.parseTimestampText(digits, unit: unit, field: field)
    }
}

/// Splits lines into the field bounds of a ``CSVRow``, into a buffer it owns and reuses.
///
/// A class so that the hot loop writes through one pointer: no array uniqueness checks, no
/// copy-on-write, no reference counting per field.
final class CSVFieldSplitter {
    private var storage: UnsafeMutablePointer<Int>
    private var capacity: Int
    /// The bounds of ``arrange(_:_:)``.
    private var arranged: UnsafeMutablePointer<Int>
    private var arrangedCapacity = 0

    init() {
        capacity = 64
        storage = .allocate(capacity: capacity)
        arranged = .allocate(capacity: 0)
    }

    deinit {
        storage.deallocate()
        arranged.deallocate()
    }

    /// The fields of `bounds` in another order: field `k` of the result is field `order[k]`.
    /// - Returns: the bounds, valid until the next call.
    func arrange(_ bounds: UnsafeBufferPointer<Int>, _ order: [Int]) -> UnsafeBufferPointer<Int> {
        if arrangedCapacity < 2 * order.count {
            arranged.deallocate()
            arrangedCapacity = 2 * order.count
            arranged = .allocate(capacity: arrangedCapacity)
        }
        for (position, field) in order.enumerated() {
            arranged[2 * position] = bounds[2 * field]
            arranged[2 * position + 1] = bounds[2 * field + 1]
        }
        return UnsafeBufferPointer(start: arranged, count: 2 * order.count)
    }

    /// Splits `line` at commas, trimming blanks and one pair of quotes around each field.
    ///
    /// A field whose first non-blank byte is a double quote runs to the matching closing quote
    /// (a doubled quote inside is part of it), commas included, when only blanks follow that
    /// quote before the next comma; otherwise (an unterminated or malformed quoted field) it is
    /// split at commas as an unquoted field is, so that no input is refused here.
    /// - Returns: the bounds (two per field), valid until the next call.
    func split(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<Int> {
        guard let base = line.baseAddress else {
            storage[0] = 0
            storage[1] = 0
            return UnsafeBufferPointer(start: storage, count: 2)
        }
        let count = line.count
        var written = 0
        var fieldStart = 0
        while true {
            var lower = fieldStart
            // Only a field that opens with a quote or a blank can be a quoted one: one test per field.
            if lower < count, base[lower] == 0x22 || base[lower] == 0x20 || base[lower] == 0x09 {
                while lower < count, base[lower] == 0x20 || base[lower] == 0x09 { lower &+= 1 }
                if lower < count, base[lower] == 0x22, let end = Self.quotedFieldEnd(base, count: count, from: lower) {
                    if written &+ 2 > capacity { grow() }
                    storage[written] = lower &+ 1
                    storage[written &+ 1] = end.closingQuote
                    written &+= 2
                    if end.next == count { return UnsafeBufferPointer(start: storage, count: written) }
                    fieldStart = end.next &+ 1
                    continue
                }
            }
            var comma = lower
            while comma < count, base[comma] != 0x2C { comma &+= 1 }
            var upper = comma
            while upper > lower, base[upper &- 1] == 0x20 || base[upper &- 1] == 0x09 { upper &-= 1 }
            if upper &- lower >= 2, base[lower] == 0x22, base[upper &- 1] == 0x22 {
                lower &+= 1
                upper &-= 1
            }
            if written &+ 2 > capacity { grow() }
            storage[written] = lower
            storage[written &+ 1] = upper
            written &+= 2
            if comma == count { return UnsafeBufferPointer(start: storage, count: written) }
            fieldStart = comma &+ 1
        }
    }

    /// For a quoted field opening at `quote`: the index of its closing quote and of the comma
    /// after it (or `count`), or `nil` if it is not closed, or anything but blanks follows it.
    @inline(__always)
    private static func quotedFieldEnd(_ base: UnsafePointer<UInt8>, count: Int, from quote: Int)
        -> (closingQuote: Int, next: Int)?
    {
        var index = quote &+ 1
        while index < count {
            if base[index] == 0x22 {
                if index &+ 1 < count, base[index &+ 1] == 0x22 {
                    index &+= 2
                    continue
                }
                var next = index &+ 1
                while next < count, base[next] == 0x20 || base[next] == 0x09 { next &+= 1 }
                guard next == count || base[next] == 0x2C else { return nil }
                return (index, next)
            }
            index &+= 1
        }
        return nil
    }

    private func grow() {
        let larger = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
        larger.update(from: storage, count: capacity)
        storage.deallocate()
        storage = larger
        capacity *= 2
    }
}

/// Number, boolean and timestamp parsing from UTF-8 bytes, without allocating.
public enum CSVNumbers {
    /// The fast path of decimal parsing: `digits[.digits]` with at most 10 integer digits and at most
    /// `scale` fractional digits (what market-data files almost always hold), as a mantissa at
    /// `scale`; `nil` for anything else (signs, exponents, more digits, errors), which the caller
    /// hands to ``FixedPointDecimal/parse(utf8:)``. Within its domain it returns exactly what
    /// `parse(utf8:)` returns, and it cannot overflow (10 + 8 digits < 2^63).
    /// - Parameters:
    ///   - bytes: the text.
    ///   - scale: the number of fractional digits of the mantissa (at most 8).
    /// - Returns: the mantissa, or `nil` to take the general path.
    @inlinable
    public static func parsePlainDecimal(_ bytes: UnsafeBufferPointer<UInt8>, scale: Int) -> Int64? {
        guard scale <= 8, let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        var value: Int64 = 0
        while index < count {
            let digit = base[index] &- 0x30
            if digit >= 10 { break }
            value = value &* 10 &+ Int64(digit)
            index &+= 1
        }
        let integerDigits = index
        guard integerDigits > 0, integerDigits <= 10 else { return nil }
        var fractionDigits = 0
        if index < count {
            guard base[index] == 0x2E else { return nil }  // .
            index &+= 1
            while index < count {
                let digit = base[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
                fractionDigits &+= 1
                index &+= 1
            }
            guard fractionDigits > 0, fractionDigits <= scale else { return nil }
        }
        var remaining = scale &- fractionDigits
        while remaining > 0 {
            value = value &* 10
            remaining &-= 1
        }
        return value
    }

    /// The error for bytes that ``IntegerText/int64(_:)-(UnsafeBufferPointer<UInt8>)`` refused: `overflow` for a long run of digits,
    /// `notANumber` for anything else.
    public static func integerError(_ bytes: UnsafeBufferPointer<UInt8>, field: String) -> ValidationError {
        let text = String(decoding: bytes, as: UTF8.self)
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return ValidationError(field: field, value: text, rule: .overflow, detail: "does not fit a 64-bit integer")
        }
        return ValidationError(field: field, value: text, rule: .notANumber, detail: "expected an integer")
    }

    /// `true`/`false`/`t`/`f` in any case, or `1`/`0`; `nil` otherwise.
    @inlinable
    public static func parseBool(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch bytes.count {
        case 1:
            switch bytes[0] {
            case 0x74, 0x54, 0x31: return true  // t T 1
            case 0x66, 0x46, 0x30: return false  // f F 0
            default: return nil
            }
        case 4:
            return (bytes[0] | 0x20) == 0x74 && (bytes[1] | 0x20) == 0x72 && (bytes[2] | 0x20) == 0x75
                && (bytes[3] | 0x20) == 0x65 ? true : nil
        case 5:
            return (bytes[0] | 0x20) == 0x66 && (bytes[1] | 0x20) == 0x61 && (bytes[2] | 0x20) == 0x6C
                && (bytes[3] | 0x20) == 0x73 && (bytes[4] | 0x20) == 0x65 ? false : nil
        default:
            return nil
        }
    }

    /// ISO-8601 text (the slow path of ``CSVRow/timestamp(at:unit:field:)``).
    /// - Throws: ``ValidationError`` with rule `badTimestamp`.
    public static func parseTimestampText(
        _ bytes: UnsafeBufferPointer<UInt8>, unit: Timestamp.EpochUnit, field: String
    ) throws -> Timestamp {
        let text = String(decoding: bytes, as: UTF8.self)
        if let first = bytes.first, first &- 0x30 < 10, let value = try? Timestamp(iso8601: text, field: field) {
            return value
        }
        throw ValidationError(
            field: field, value: text, rule: .badTimestamp, detail: "expected epoch \(unit.rawValue) or ISO-8601")
    }
}
