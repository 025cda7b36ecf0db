import StrataCore
import StrataLineProtocol
import Testing

/// QuestDB's ILP protocol versions 2 and 3: binary float64 and decimal field values, and the
/// unit suffix of the line's timestamp.
@Suite("Line protocol v2/v3 binary values")
struct BinaryValueTests {
    // MARK: - Building lines

    /// `==` 16 and the 8 little-endian bytes of `value`.
    static func float64(_ value: Double) -> [UInt8] { float64(bits: value.bitPattern) }

    static func float64(bits: UInt64) -> [UInt8] {
        [UInt8(ascii: "="), 16] + (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }

    /// `==` 23, the scale, the length and the unscaled value's bytes (big-endian two's complement).
    static func decimal(_ unscaled: [UInt8], scale: UInt8) -> [UInt8] {
        [UInt8(ascii: "="), 23, scale, UInt8(unscaled.count)] + unscaled
    }

    /// The shortest big-endian two's complement bytes of `value`.
    static func bytes(_ value: Int64) -> [UInt8] {
        var bytes = (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        while bytes.count > 1, bytes[0] == (value < 0 ? 0xFF : 0), (bytes[1] & 0x80 != 0) == (value < 0) {
            bytes.removeFirst()
        }
        return bytes
    }

    static func line(_ parts: [[UInt8]]) -> [UInt8] { parts.flatMap { $0 } }
    static func text(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func parse(
        _ bytes: [UInt8], dialect: LineProtocol.Dialect = .questDB, precision: LineProtocol.Precision = .nanoseconds
    ) throws(LineProtocolError) -> LineProtocol.Batch {
        try LineProtocol.parse(
            bytes, defaultTimestamp: 7,
            configuration: LineProtocol.Configuration(precision: precision, dialect: dialect))
    }

    static func error(_ bytes: [UInt8], dialect: LineProtocol.Dialect = .questDB) -> LineProtocolError? {
        do {
            _ = try parse(bytes, dialect: dialect)
            return nil
        } catch {
            return error
        }
    }

    /// The points and error of a stream fed `bytes` split at `split`, then finished.
    static func stream(_ bytes: [UInt8], split: Int) -> (points: [String], error: LineProtocolError?) {
        StreamParserTests.stream([Array(bytes[..<split]), Array(bytes[split...])])
    }

    /// What the `questdb` Python client 6.0.0 sends with `protocol_version=3` for
    /// `row("trades", symbols={"symbol": "ETH"}, columns={"price": 3456.78, "qty": 0.5,
    /// "trade_id": 42, "side": "buy", "ts2": TimestampMicros(5), "dp": Decimal("123.45"),
    /// "dn": Decimal("-0.001"), "dz": Decimal("0"), "big": Decimal("1E+3")},
    /// at=TimestampNanos(1700000000000000000))`, then a row at a `datetime` (microseconds).
    static let pythonClientV3: [UInt8] =
        text("trades,symbol=ETH price==") + [0x10, 0xC3, 0xF5, 0x28, 0x5C, 0x8F, 0x01, 0xAB, 0x40]
        + text(",qty==") + [0x10, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F]
        + text(",trade_id=42i,side=\"buy\",ts2=5t,dp==") + [0x17, 0x02, 0x02, 0x30, 0x39]
        + text(",dn==") + [0x17, 0x03, 0x02, 0xFF, 0xFF]
        + text(",dz==") + [0x17, 0x00, 0x02, 0x00, 0x00]
        + text(",big==") + [0x17, 0x00, 0x02, 0x03, 0xE8]
        + text(" 1700000000000000000n\ntrades,symbol=ETH price==") + [0x10, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F]
        + text(" 1704067200000000t\n")

    // MARK: - What clients send

    @Test func thePythonClientsV3BytesParse() throws {
        let batch = try Self.parse(Self.pythonClientV3)
        try #require(batch.count == 2)
        let row = batch[0]
        #expect(row.timestamp == 1_700_000_000_000_000_000)
        #expect(row.fields.first(key: "price")?.value == .float(3456.78))
        #expect(row.fields.first(key: "price")?.text == "3456.78")
        #expect(row.fields.first(key: "qty")?.value == .float(0.5))
        #expect(row.fields.first(key: "trade_id")?.value == .integer(42))
        #expect(row.fields.first(key: "ts2")?.value == .timestamp(5_000))
        #expect(row.fields.first(key: "dp")?.value == .decimal("123.45"))
        #expect(row.fields.first(key: "dn")?.value == .decimal("-0.001"))
        #expect(row.fields.first(key: "dz")?.value == .decimal("0"))
        #expect(row.fields.first(key: "big")?.value == .decimal("1000"))
        #expect(try row.fields.first(key: "price")!.decimal(as: Price.self).get() == Price("3456.78"))
        #expect(try row.fields.first(key: "dp")!.decimal(as: Price.self).get() == Price("123.45"))
        #expect(try row.fields.first(key: "dn")!.decimal(as: Quantity.self).get() == Quantity("-0.001"))
        #expect(batch[1].timestamp == 1_704_067_200_000_000_000)
        #expect(batch[1].line == 2)
        // Written back as text, the point reads the same.
        let again = try LineProtocol.parse(row.description, defaultTimestamp: 0)
        #expect(again[0].description == row.description)
    }

    @Test func everySplitOfAStreamGivesTheBodysPoints() throws {
        let expected = StreamParserTests.signature(try Self.parse(Self.pythonClientV3))
        for split in 0...Self.pythonClientV3.count {
            let result = Self.stream(Self.pythonClientV3, split: split)
            #expect(result.error == nil, "split at \(split)")
            #expect(result.points == expected, "split at \(split)")
        }
        // One byte per read.
        let bytes = Self.pythonClientV3.map { [$0] }
        #expect(StreamParserTests.stream(bytes).points == expected)
    }

    // MARK: - float64 (v2)

    @Test(arguments: [
        3456.78, 0.1, -0.0, 1e-8, 1e22, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 123_456_789.125,
    ])
    func aBinaryFloat64IsAFloatWithItsShortestText(value: Double) throws {
        let point = try #require(
            try Self.parse(Self.line([Self.text("m f="), Self.float64(value), Self.text("\n")])).first)
        let field = point.fields[0]
        #expect(field.kind == .float)
        #expect(field.floatValue?.bitPattern == value.bitPattern)
        #expect(field.text == value.description)
        #expect(Double(field.text)?.bitPattern == value.bitPattern)
    }

    @Test func nonFiniteBinaryFloatsAreFlagged() throws {
        let body = Self.line([
            Self.text("m a="), Self.float64(.nan), Self.text(",b="), Self.float64(-.infinity), Self.text("\n"),
        ])
        let point = try #require(try Self.parse(body).first)
        #expect(point.fields[0].isFinite == false)
        #expect(point.fields[1].isFinite == false)
        #expect(point.fields[1].floatValue == -.infinity)
        #expect(point.fields[0].decimal(as: Price.self) == .failure(.notFinite))
    }

    /// A payload's bytes are data: LF, CR, space, comma, quote, backslash and `=` inside it end
    /// nothing and escape nothing.
    @Test func aPayloadOfSpecialBytesIsData() throws {
        let bits: UInt64 = 0x3F0D_3D22_5C2C_200A  // bytes 0A 20 2C 5C 22 3D 0D 3F
        let body = Self.line([
            Self.text("m,s=x f="), Self.float64(bits: bits), Self.text(",g="), Self.float64(bits: bits),
            Self.text(" 5\nm,s=y h=1 6\n"),
        ])
        let batch = try Self.parse(body)
        try #require(batch.count == 2)
        #expect(batch[0].fields.first(key: "g")?.floatValue?.bitPattern == bits)
        #expect(batch[0].timestamp == 5)
        #expect(batch[1].line == 2)
        let expected = StreamParserTests.signature(batch)
        for split in 0...body.count {
            #expect(Self.stream(body, split: split).points == expected, "split at \(split)")
        }
        // An error after such a payload is on the line the payload is on, not the next.
        let bad = Self.line([Self.text("m,s=x f="), Self.float64(bits: bits), Self.text(",g=oops 5\n")])
        let error = try #require(Self.error(bad))
        #expect(error.line == 1)
        #expect(error.code == .unknownFieldType)
    }

    // MARK: - decimal (v3)

    @Test(arguments: [
        (Int64(12345), UInt8(2), "123.45"), (-1, 3, "-0.001"), (0, 2, "0.00"), (5, 0, "5"), (-5, 1, "-0.5"),
        (Int64.max, 8, "92233720368.54775807"), (Int64.min, 0, "-9223372036854775808"), (100, 2, "1.00"),
        (7, 20, "0.00000000000000000007"),
    ])
    func aBinaryDecimalIsItsExactText(unscaled: Int64, scale: UInt8, text: String) throws {
        let body = Self.line([Self.text("m d="), Self.decimal(Self.bytes(unscaled), scale: scale), Self.text("\n")])
        let field = try #require(try Self.parse(body).first?.fields.first)
        #expect(field.kind == .decimal)
        #expect(field.value == .decimal(text))
        #expect(field.text == text)
    }

    @Test func aLongUnscaledValueIsReadByItsMagnitude() throws {
        // The Java client sends 32 bytes whatever the value: sign-extended -5 and 5.
        let minusFive = Array(repeating: UInt8(0xFF), count: 31) + [0xFB]
        let five = Array(repeating: UInt8(0), count: 31) + [5]
        // 2^255 - 1, the largest 256-bit value, and -2^255, the smallest.
        let largest = [0x7F] + Array(repeating: UInt8(0xFF), count: 31)
        let smallest = [0x80] + Array(repeating: UInt8(0), count: 31)
        let body = Self.line([
            Self.text("m a="), Self.decimal(minusFive, scale: 1), Self.text(",b="), Self.decimal(five, scale: 2),
            Self.text(",c="), Self.decimal(largest, scale: 0), Self.text(",d="), Self.decimal(smallest, scale: 76),
            Self.text("\n"),
        ])
        let point = try #require(try Self.parse(body).first)
        #expect(point.fields[0].text == "-0.5")
        #expect(point.fields[1].text == "0.05")
        #expect(
            point.fields[2].text == "57896044618658097711785492504343953926634992332820282019728792003956564819967")
        #expect(
            point.fields[3].text == "-5.7896044618658097711785492504343953926634992332820282019728792003956564819968")
        #expect(point.fields[2].decimal(as: Price.self) == .failure(.overflow))
        // Longer than 32 bytes is fine while the magnitude fits in 256 bits.
        let padded = Array(repeating: UInt8(0), count: 40) + [1]
        let one = try #require(try Self.parse(Self.line([Self.text("m a="), Self.decimal(padded, scale: 0)])).first)
        #expect(one.fields[0].text == "1")
    }

    @Test func aDecimalWiderThan256BitsIsOutOfRange() throws {
        let wide = [0x01] + Array(repeating: UInt8(0), count: 32)
        let error = try #require(Self.error(Self.line([Self.text("m price="), Self.decimal(wide, scale: 2)])))
        #expect(error.code == .numberOutOfRange)
        #expect(error.message.contains("price"))
    }

    // MARK: - Malformed input

    /// Every cut of a binary value is a typed error naming the field, for a body and (finished)
    /// for a stream.
    @Test func aValueCutShortIsAnErrorNamingTheField() throws {
        for value in [Self.float64(64123.45), Self.decimal([0x30, 0x39], scale: 2)] {
            let full = Self.text("trades,symbol=X price=") + value
            for cut in (Self.text("trades,symbol=X price=").count + 1)..<full.count {
                let body = Array(full[..<cut])
                let error = try #require(Self.error(body), "cut at \(cut)")
                #expect(error.code == .invalidBinaryValue, "cut at \(cut): \(error)")
                #expect(error.message.contains("field 'price'"), "\(error)")
                for split in 0...body.count {
                    let streamed = Self.stream(body, split: split)
                    #expect(streamed.error?.code == error.code && streamed.error?.offset == error.offset)
                }
            }
        }
    }

    @Test(arguments: [
        ([UInt8(ascii: "="), 99, 1, 2, 3], LineProtocolError.Code.invalidBinaryValue, "unknown binary value type 99"),
        ([UInt8(ascii: "="), 23, 77, 1, 1], .invalidBinaryValue, "decimal scale 77 is above 76"),
        ([UInt8(ascii: "="), 23, 2, 0], .invalidBinaryValue, "null decimal"),
        ([UInt8(ascii: "="), 14, 10, 1, 2, 0, 0, 0], .unsupportedFieldType, "arrays"),
    ])
    func badBinaryHeadersAreTypedErrors(value: [UInt8], code: LineProtocolError.Code, message: String) throws {
        let body = Self.text("trades,symbol=X price=") + value + Self.text(",qty=1 5\ntrades,symbol=X qty=2 6\n")
        let error = try #require(Self.error(body))
        #expect(error.code == code)
        #expect(error.message.contains("field 'price'"), "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.line == 1)
        for split in 0...body.count {
            let streamed = Self.stream(body, split: split)
            #expect(streamed.points.isEmpty)
            #expect(streamed.error == error, "split at \(split)")
        }
    }

    @Test func somethingElseRightAfterAValueIsRefused() throws {
        let body = Self.line([Self.text("m f="), Self.float64(1.5), Self.text("x 5\n")])
        #expect(Self.error(body)?.code == .unexpectedCharacter)
    }

    @Test func theInfluxDBDialectHasNoBinaryValues() throws {
        let body = Self.line([Self.text("m f="), Self.float64(1.5), Self.text("\n")])
        #expect(Self.error(body, dialect: .influxDB)?.code == .unknownFieldType)
        #expect(Self.error(Self.text("m f=1 5n\n"), dialect: .influxDB)?.code == .invalidTimestamp)
    }

    // MARK: - Timestamp units (v2/v3)

    @Test func aTimestampUnitOverridesThePrecision() throws {
        let nanoseconds: Int64 = 1_700_000_000_123_456_000
        for precision in [LineProtocol.Precision.nanoseconds, .seconds] {
            let body = Self.text(
                "m f=1 1700000000123456000n\nm f=1 1700000000123456t\nm f=1 1700000000123m\r\nm f=1 1700000000123456000n   \n"
            )
            let batch = try Self.parse(body, precision: precision)
            #expect(batch.map(\.timestamp) == [nanoseconds, nanoseconds, 1_700_000_000_123_000_000, nanoseconds])
        }
        #expect(Self.error(Self.text("m f=1 9223372036854775807t\n"))?.code == .timestampOutOfRange)
        #expect(Self.error(Self.text("m f=1 5x\n"))?.code == .invalidTimestamp)
        #expect(Self.error(Self.text("m f=1 5nn\n"))?.code == .invalidTimestamp)
        #expect(Self.error(Self.text("m f=1 n\n"))?.code == .invalidTimestamp)
    }
}
