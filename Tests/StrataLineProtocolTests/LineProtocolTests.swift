import StrataCore
import StrataLineProtocol
import Testing

@Suite("Line-protocol grammar")
struct LineProtocolTests {
    // MARK: - Structure

    @Test func aTradeLine() throws {
        let p = try point(
            "trades,symbol=BTC-USD,venue=X price=64123.45,qty=0.25,side=\"buy\",trade_id=42i 1719878281500000000\n")
        #expect(p.measurement == "trades")
        #expect(p.hasMeasurement("trades") && !p.hasMeasurement("trade"))
        #expect(p.tagPairs == ["symbol=BTC-USD", "venue=X"])
        #expect(p.tags.value(forKey: "venue") == "X")
        #expect(p.fieldKeys == ["price", "qty", "side", "trade_id"])
        #expect(p.value("price") == .float(64123.45))
        #expect(p.value("side") == .string("buy"))
        #expect(p.value("trade_id") == .integer(42))
        #expect(p.timestamp == 1_719_878_281_500_000_000)
        #expect(p.line == 1)
    }

    @Test func tagsAndFieldsKeepInputOrder() throws {
        let p = try point("m,z=1,a=2,m=3 z=1,a=2,m=3")
        #expect(p.tagPairs == ["z=1", "a=2", "m=3"])
        #expect(p.fieldKeys == ["z", "a", "m"])
    }

    @Test func spacesBetweenSections() throws {
        let p = try point("cpu    value=1.0     1257894000000000000   ")
        #expect(p.value("value") == .float(1))
        #expect(p.timestamp == 1_257_894_000_000_000_000)
        #expect(try point("   cpu value=1").measurement == "cpu")
    }

    @Test func missingTimestampTakesTheDefaultTimeTruncatedToThePrecision() throws {
        let now: Int64 = 1_719_878_281_123_456_789
        #expect(try parse("m v=1", defaultTimestamp: now)[0].timestamp == now)
        #expect(
            try parse("m v=1", precision: .milliseconds, defaultTimestamp: now)[0].timestamp
                == 1_719_878_281_123_000_000)
        #expect(
            try parse("m v=1 \n", precision: .seconds, defaultTimestamp: now)[0].timestamp == 1_719_878_281_000_000_000)
        #expect(try parse("m v=1", precision: .seconds, defaultTimestamp: -1)[0].timestamp == -1_000_000_000)
    }

    @Test func commentsBlankLinesAndCRLF() throws {
        let batch = try parse("# a comment\n\n   \r\nm v=1\r\n  # another\nm v=2\r\n\n")
        #expect(batch.map(\.line) == [4, 6])
        #expect(batch.map { $0.value("v") } == [.float(1), .float(2)])
        #expect(try parse("\n\n# only comments\n").isEmpty)
        #expect(try parse("").isEmpty)
        #expect(parseError("# tab\tin a comment\nm v=1")?.code == .invalidCharacter)
    }

    @Test func aLoneCarriageReturnIsAnError() {
        #expect(parseError("m v=1\rm v=2") != nil)
        #expect(parseError("\rm v=2") != nil)
    }

    // MARK: - Escapes

    @Test(arguments: [
        (#"c\,pu\ load v=1"#, "c,pu load"),
        (#"cpu=load v=1"#, "cpu=load"),
        (#"c\pu v=1"#, #"c\pu"#),
        (#""cpu" v=1"#, #""cpu""#),
        (#"c\"pu v=1"#, #"c\"pu"#),
    ])
    func measurementEscapes(line: String, measurement: String) throws {
        #expect(try point(line, dialect: .influxDB).measurement == measurement)
        #expect(try point(line, dialect: .questDB).measurement == measurement)
    }

    @Test func anEscapedEqualsInAMeasurementIsQuestDBs() throws {
        #expect(try point(#"test\ 1\=2 a=1i"#, dialect: .questDB).measurement == "test 1=2")
        #expect(try point(#"test\ 1\=2 a=1i"#, dialect: .influxDB).measurement == #"test 1\=2"#)
    }

    @Test func tagAndFieldKeyEscapes() throws {
        let p = try point(#"m,ta\ g\=k\,=v\ a\=l\,ue fi\ e\=l\,d=1"#)
        #expect(p.tags[0].key == "ta g=k,")
        #expect(p.tags[0].value == "v a=l,ue")
        #expect(p.fields[0].key == "fi e=l,d")
        #expect(p.tags[0].hasKey("ta g=k,") && p.fields[0].hasKey("fi e=l,d"))
    }

    @Test(arguments: LineProtocol.Dialect.allCases)
    func backslashRunsBeforeASpecialCharacter(dialect: LineProtocol.Dialect) throws {
        // As InfluxDB: all but the last backslash are literal, the last escapes the character.
        #expect(try point(#"cpu,host=two\\\ words value=42"#, dialect: dialect).tags[0].value == #"two\\ words"#)
        #expect(try point(#"cpu,host=two\\ words value=42"#, dialect: dialect).tags[0].value == #"two\ words"#)
        #expect(try point(#"cpu,ho\st=x value=42"#, dialect: dialect).tags[0].key == #"ho\st"#)
        #expect(try point(#"cpu \a=1i"#, dialect: dialect).fields[0].key == #"\a"#)
    }

    @Test func aDoubledBackslashIsOneUnderQuestDB() throws {
        #expect(try point(#"m,s=6\\7 v=1"#, dialect: .questDB).tags[0].value == #"6\7"#)
        #expect(try point(#"m,s=6\\7 v=1"#, dialect: .influxDB).tags[0].value == #"6\\7"#)
        #expect(try point(#"m,s=a\\\\b v=1"#, dialect: .questDB).tags[0].value == #"a\\b"#)
        #expect(try point(#"m,s=a\\\b v=1"#, dialect: .questDB).tags[0].value == #"a\\b"#)
    }

    @Test func anEscapedNewlineInANameDoesNotEndTheLine() throws {
        let batch = try parse("m,s=a\\\nb,t=c\\\rd v=1\nn v=2\n", dialect: .questDB)
        #expect(batch.count == 2)
        #expect(batch[0].tags[0].value == "a\nb")
        #expect(batch[0].tags[1].value == "c\rd")
        #expect(batch.map(\.line) == [1, 3])
        // Backslashes pair up: an even run leaves the newline as the end of the line.
        let even = try parse("m,s=a\\\\\nb v=1\n", dialect: .questDB)
        #expect(even.map(\.tagPairs) == [["s=a\\"], []])  // `m,s=a\` is a line of symbols only
        #expect(even.map(\.line) == [1, 2])
        #expect(try point("m,s=a\\\\\\\nb v=1\n", dialect: .questDB).tags[0].value == "a\\\nb")
        // InfluxDB has no such escape: the tag value ends at the newline.
        #expect(parseError("m,s=a\\\nb v=1\n", dialect: .influxDB) != nil)
    }

    // MARK: - Strings

    @Test(arguments: LineProtocol.Dialect.allCases)
    func stringEscapes(dialect: LineProtocol.Dialect) throws {
        #expect(try point(#"m s="q\"b\\c""#, dialect: dialect).value("s") == .string(#"q"b\c"#))
        // The two characters `\n` (what the influx client sends) stay two characters.
        #expect(try point(#"m s="a\nb\tc""#, dialect: dialect).value("s") == .string(#"a\nb\tc"#))
        #expect(try point(#"m s="","t"="x,y=z w""#, dialect: dialect).fields.map(\.text) == ["", "x,y=z w"])
        #expect(
            try point(#"m s="{Hello\"{\,}\" World}""#, dialect: dialect).value("s") == .string(#"{Hello"{\,}" World}"#))
    }

    @Test func aRawNewlineInAStringIsPartOfIt() throws {
        let batch = try parse("m s=\"line one\nline two\",v=1i 5\nm v=2\n")
        #expect(batch.count == 2)
        #expect(batch[0].value("s") == .string("line one\nline two"))
        #expect(batch[0].timestamp == 5)
        #expect(batch.map(\.line) == [1, 3])
    }

    @Test func anEscapedNewlineInAStringIsTheNewlineUnderQuestDB() throws {
        #expect(try point("m s=\"a\\\nb\\\rc\"", dialect: .questDB).value("s") == .string("a\nb\rc"))
        #expect(try point("m s=\"a\\\nb\"", dialect: .influxDB).value("s") == .string("a\\\nb"))
    }

    @Test func unterminatedString() {
        let error = parseError("m v=1\nm s=\"abc")
        #expect(error?.code == .unterminatedString)
        #expect(error?.line == 2)
        #expect(error?.column == 5)
        #expect(parseError(#"m s="abc\""#)?.code == .unterminatedString)
        #expect(parseError(#"m s="abc"x"#)?.code == .unexpectedCharacter)
    }

    // MARK: - Numbers

    @Test(arguments: [
        ("1", 1.0), ("-1.5", -1.5), (".5", 0.5), ("5.", 5), ("1e4", 1e4), ("1.0E-4", 1e-4), ("-1.0e-4", -1e-4),
        ("1E+100", 1e100), ("1E-06", 1e-6), ("6.632243e+06", 6_632_243), ("0.1", 0.1), ("-0", -0.0),
        ("0.30000000000000004", 0.30000000000000004), ("64123.45000001", 64123.45000001),
        ("9007199254740993", 9_007_199_254_740_992), ("123456789012345678901234567890", 1.2345678901234568e29),
        ("179769313486231570814527423731704356798070567525844996", 1.7976931348623157e+53),
        ("-000000026204144723168738177180919299881250404026184124858368.", -2.620414472316874e+52),
        ("1e-400", 0), ("4.9e-324", .leastNonzeroMagnitude),
    ])
    func floatsAreCorrectlyRounded(text: String, expected: Double) throws {
        let field = try point("m v=\(text)").fields[0]
        #expect(field.kind == .float)
        #expect(
            field.floatValue?.bitPattern == expected.bitPattern, "\(text) → \(String(describing: field.floatValue))")
        #expect(field.text == text)
        #expect(field.isFinite)
    }

    @Test(arguments: ["1.2.3", "1e", "1e+", "-", ".", "-.", "1_0", "0x10", "0x1p3", "--1", "1e5.5", "1-2", "1a"])
    func invalidNumbers(text: String) {
        let error = parseError("m v=\(text)")
        #expect(error?.code == .invalidNumber, "\(text): \(String(describing: error))")
        #expect(error?.message == "field 'v': invalid number '\(text)'")
    }

    @Test func numbersOutOfRange() {
        #expect(parseError("m v=1e400")?.code == .numberOutOfRange)
        #expect(parseError("m v=-1e309")?.code == .numberOutOfRange)
        #expect(parseError("m v=9223372036854775808i")?.code == .numberOutOfRange)
        #expect(parseError("m v=-9223372036854775809i")?.code == .numberOutOfRange)
        #expect(parseError("m v=18446744073709551616u")?.code == .numberOutOfRange)
    }

    @Test func integers() throws {
        #expect(try point("m v=42i").value("v") == .integer(42))
        #expect(try point("m v=-42i").fields[0].text == "-42")
        #expect(try point("m v=00042i").value("v") == .integer(42))
        #expect(try point("m v=-9223372036854775808i").value("v") == .integer(.min))
        #expect(try point("m v=9223372036854775807i").value("v") == .integer(.max))
        #expect(try point("m v=18446744073709551615u").value("v") == .unsigned(.max))
        #expect(try point("m v=0u").fields[0].unsignedValue == 0)
        #expect(parseError("m v=-1u")?.code == .invalidNumber)
        #expect(parseError("m v=1.5i")?.code == .invalidNumber)
        #expect(parseError("m v=+1i")?.code == .unknownFieldType)
    }

    @Test(arguments: ["NaN", "nan", "nAn", "Infinity", "-Infinity", "+Infinity", "inf", "-inf", "INF", "-nan"])
    func nonFiniteFloatsUnderQuestDB(text: String) throws {
        let field = try point("m v=\(text)", dialect: .questDB).fields[0]
        #expect(field.kind == .float)
        #expect(!field.isFinite)
        #expect(field.text == text)
        #expect(field.decimal(as: Price.self) == .failure(.notFinite))
        let value = try #require(field.floatValue)
        if text.lowercased().hasSuffix("nan") {
            #expect(value.isNaN)
        } else {
            #expect(value == (text.hasPrefix("-") ? -Double.infinity : .infinity))
        }
        #expect(parseError("m v=\(text)", dialect: .influxDB)?.code == .nonFiniteNumber)
    }

    @Test func timestampFieldsUnderQuestDB() throws {
        let p = try point("m a=1719878281500000t,b=1719878281500000123n", dialect: .questDB)
        #expect(p.value("a") == .timestamp(1_719_878_281_500_000_000))
        #expect(p.value("b") == .timestamp(1_719_878_281_500_000_123))
        #expect(p.fields[0].text == "1719878281500000")
        #expect(parseError("m a=9223372036854775807t", dialect: .questDB)?.code == .timestampOutOfRange)
        #expect(parseError("m a=12.5t", dialect: .questDB)?.code == .invalidNumber)
        #expect(parseError("m a=1719878281500000t", dialect: .influxDB)?.code == .invalidNumber)
        #expect(parseError("m a=1n", dialect: .influxDB)?.code == .invalidNumber)
    }

    @Test func decimalsUnderQuestDB() throws {
        let p = try point("m p=64123.45d,z=0d,n=-0.001d", dialect: .questDB)
        #expect(p.fields.map(\.kind) == [.decimal, .decimal, .decimal])
        #expect(p.value("p") == .decimal("64123.45"))
        #expect(try p.fields[0].decimal(as: Price.self).get().mantissa == 6_412_345_000_000)
        #expect(try p.fields[2].decimal(as: Price.self).get().mantissa == -100_000)
        #expect(parseError("m p=1.2.3d", dialect: .questDB)?.code == .invalidNumber)
        #expect(parseError("m p=1.5d", dialect: .influxDB)?.code == .invalidNumber)
    }

    @Test func pricesAndQuantitiesAreExactFromTheirText() throws {
        let p = try point("trades price=64123.45000001,qty=0.1,tiny=1e-8,big=92233720368.54775807,n=3i,b=t")
        #expect(try p.fields[0].decimal(as: Price.self).get().mantissa == 6_412_345_000_001)
        #expect(try p.fields[1].decimal(as: Quantity.self).get().mantissa == 10_000_000)
        #expect(try p.fields[2].decimal(as: Quantity.self).get().mantissa == 1)
        #expect(try p.fields[3].decimal(as: Price.self).get().mantissa == .max)
        #expect(try p.fields[4].decimal(as: Quantity.self).get().mantissa == 300_000_000)
        #expect(p.fields[5].decimal(as: Price.self) == .failure(.notANumber))
        let text = try p.fields[0].withUnsafeText { bytes in try Price.parse(utf8: bytes).get() }
        #expect(text.description == "64123.45000001")
    }

    // MARK: - Booleans

    @Test(arguments: ["t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE"])
    func everyBooleanSpelling(text: String) throws {
        let field = try point("m b=\(text)").fields[0]
        #expect(field.value == .boolean(text.lowercased().hasPrefix("t")))
        #expect(field.text == text)
    }

    @Test(arguments: ["tru", "Tru", "FALSe", "ttrue", "t1", "f\u{0C}"])
    func invalidBooleans(text: String) {
        #expect(parseError("m b=\(text)")?.code == .invalidBoolean)
    }

    // MARK: - Timestamps and precision

    @Test func timestampsInEachPrecision() throws {
        let cases: [(LineProtocol.Precision, String, Int64)] = [
            (.nanoseconds, "1719878281123456789", 1_719_878_281_123_456_789),
            (.microseconds, "1719878281123456", 1_719_878_281_123_456_000),
            (.milliseconds, "1719878281123", 1_719_878_281_123_000_000),
            (.seconds, "1719878281", 1_719_878_281_000_000_000),
            (.minutes, "28664638", 1_719_878_280_000_000_000),
            (.hours, "477743", 1_719_874_800_000_000_000),
            (.seconds, "-1", -1_000_000_000),
        ]
        for (precision, text, expected) in cases {
            #expect(try parse("m v=1 \(text)", precision: precision)[0].timestamp == expected, "\(precision)")
        }
    }

    @Test func timestampErrors() {
        #expect(parseError("m v=1 9223372036854775808")?.code == .timestampOutOfRange)
        let configuration = LineProtocol.Configuration(precision: .seconds)
        let overflow = parseError("m v=1 9223372036854775807", configuration: configuration)
        #expect(overflow?.code == .timestampOutOfRange)
        #expect(overflow?.message == "timestamp '9223372036854775807' out of range for precision s")
        #expect(parseError("m v=1 1.5")?.code == .invalidTimestamp)
        #expect(parseError("m v=1 -")?.code == .invalidTimestamp)
        #expect(parseError("m v=1 12 extra")?.code == .invalidTimestamp)
        #expect(parseError("m v=1 1-2")?.code == .invalidTimestamp)
        #expect(parseError("m v=1 +5")?.code == .invalidTimestamp)
    }

    // MARK: - Errors and limits

    @Test func errorsNameTheLineTheElementAndTheValue() {
        let error = parseError("m v=1\nm v=2\ntrades,symbol=X price=1.2.3\n")
        #expect(error?.code == .invalidNumber)
        #expect(error?.line == 3)
        #expect(error?.column == 23)
        #expect(error?.offset == 34)
        #expect(error?.description == "line 3: field 'price': invalid number '1.2.3'")
        #expect(parseError("m price=abc")?.description == "line 1: field 'price': unknown value type 'abc'")
    }

    @Test(arguments: [
        ("m", LineProtocolError.Code.missingFields),
        ("m ", .missingFields),
        ("m\n", .missingFields),
        (",a=1 v=1", .missingMeasurement),
        ("m,=1 v=1", .missingKey),
        ("m, v=1", .missingKey),
        ("m,a v=1", .missingEquals),
        ("m,a= v=1", .missingTagValue),
        ("m v", .missingEquals),
        ("m v=", .missingFieldValue),
        ("m v=,w=1", .missingFieldValue),
        ("m v=1,", .missingKey),
        ("m =1", .missingKey),
        ("m v=abc", .unknownFieldType),
        ("m v=1x", .invalidNumber),
        ("m v=1 2 3", .invalidTimestamp),
        ("m,a=1,a=2 v=1", .duplicateTagKey),
        ("m a=1,b=2,a=3", .duplicateFieldKey),
        ("m\u{01} v=1", .invalidCharacter),
        ("m \u{01}=1", .invalidCharacter),
    ])
    func malformedLines(line: String, code: LineProtocolError.Code) {
        let error = parseError(line)
        #expect(error?.code == code, "\(line.debugDescription): \(String(describing: error))")
        #expect(error?.line == 1)
    }

    @Test func tagValuesMayHoldControlCharactersButNotNewlines() throws {
        #expect(try point("m,k=x\u{01}y v=1").tags[0].value == "x\u{01}y")
        #expect(try point("m v=\"x\u{01}y\"").value("v") == .string("x\u{01}y"))
    }

    @Test func aLineOfSymbolsWithoutFieldsIsQuestDBs() throws {
        let p = try point("m,a=1,b=2\n", dialect: .questDB)
        #expect(p.tagPairs == ["a=1", "b=2"])
        #expect(p.fields.isEmpty)
        #expect(p.timestamp == 7)
        #expect(parseError("m,a=1,b=2\n", dialect: .influxDB)?.code == .missingFields)
        #expect(parseError("m\n", dialect: .questDB)?.code == .missingFields)
    }

    @Test func utf8() throws {
        let p = try point("таблица,имя\\ раз=значение поле=\"текст ✓\"")
        #expect(p.measurement == "таблица")
        #expect(p.tagPairs == ["имя раз=значение"])
        #expect(p.value("поле") == .string("текст ✓"))
        let invalid: [UInt8] = Array("m,k=".utf8) + [0xFF] + Array(" v=1".utf8)
        #expect(throws: LineProtocolError.self) { try LineProtocol.parse(invalid, defaultTimestamp: 0) }
        let string: [UInt8] = Array("m v=\"".utf8) + [0xC0, 0x80] + Array("\"".utf8)
        do {
            _ = try LineProtocol.parse(string, defaultTimestamp: 0)
            Issue.record("an overlong UTF-8 sequence was accepted")
        } catch {
            #expect(error.code == .invalidUTF8)
        }
    }

    @Test func limitsAreNamedInTheError() {
        let long = parseError(
            "m v=1\nm,tag=abcdefghijklmnopqrstuvwxyz v=1\n",
            configuration: LineProtocol.Configuration(maxLineLength: 20))
        #expect(long?.code == .lineTooLong)
        #expect(long?.line == 2)
        #expect(long?.message == "line is longer than maxLineLength (20 bytes)")
        #expect(parseError("m v=12345678901234\n", configuration: LineProtocol.Configuration(maxLineLength: 20)) == nil)

        let fields = parseError("m a=1,b=2,c=3", configuration: LineProtocol.Configuration(maxFields: 2))
        #expect(fields?.code == .tooManyFields)
        #expect(fields?.column == 11)
        #expect(fields?.message == "more than maxFields (2) fields")

        let tags = parseError("m,a=1,b=2 v=1", configuration: LineProtocol.Configuration(maxTags: 1))
        #expect(tags?.code == .tooManyTags)
        #expect(tags?.message == "more than maxTags (1) tags")
    }

    @Test func anHTTPBodyIsAllOrNothing() {
        #expect(throws: LineProtocolError.self) { try parse("m v=1\nm v=2\nm v=oops\nm v=4\n") }
    }

    @Test func precisionParameters() throws {
        let spellings: [(String, LineProtocol.Precision)] = [
            ("n", .nanoseconds), ("ns", .nanoseconds), ("u", .microseconds), ("us", .microseconds),
            ("ms", .milliseconds), ("s", .seconds), ("m", .minutes), ("h", .hours),
        ]
        for (text, precision) in spellings {
            #expect(try LineProtocol.Precision(parameter: text) == precision)
        }
        #expect(throws: LineProtocolError.self) { try LineProtocol.Precision(parameter: "S") }
        #expect(throws: LineProtocolError.self) { try LineProtocol.Precision(parameter: "") }
        #expect(LineProtocol.Precision.minutes.nanoseconds(2) == 120_000_000_000)
        #expect(LineProtocol.Precision.hours.nanoseconds(.max / 1000) == nil)
        #expect(LineProtocol.Precision.milliseconds.truncating(-1) == -1_000_000)
        #expect(LineProtocol.Precision.milliseconds.truncating(1_999_999) == 1_000_000)
    }

    // MARK: - Output

    @Test func descriptionIsLineProtocolThatParsesBack() throws {
        let text = #"m\ 1,t\,k=v\=1 s="a\"b\\",f=1.5,i=-3i,u=4u,b=true,ts=5t,d=1.25d 9"#
        let first = try point(text)
        #expect(first.description == #"m\ 1,t\,k=v\=1 s="a\"b\\",f=1.5,i=-3i,u=4u,b=true,ts=5000n,d=1.25d 9"#)
        let again = try point(first.description)
        #expect(again.description == first.description)
    }

    @Test func batchesAreSendableViewsThatOutliveTheirInput() async throws {
        var body = Array("trades,symbol=BTC-USD price=1.5\n".utf8)
        let batch = try LineProtocol.parse(body, defaultTimestamp: 0)
        body[0] = UInt8(ascii: "X")  // copy-on-write: the batch keeps its own bytes
        let measurement = await Task.detached { batch[0].measurement }.value
        #expect(measurement == "trades")
        #expect(batch.fieldCount == 1)
        #expect(LineProtocol.Batch().isEmpty)
    }

    @Test func aHundredThousandLines() throws {
        var text = ""
        text.reserveCapacity(100_000 * 90)
        for i in 0..<100_000 {
            let symbol = i % 3 == 0 ? "BTC-USD" : (i % 3 == 1 ? "ETH\\ USD" : "SOL-USD")
            text += "trades,symbol=\(symbol) price=\(60_000 + i % 997).\(i % 100),qty=0.\(i % 1000 + 1),id=\(i)i,"
            text += "side=\"\(i % 2 == 0 ? "buy" : "sell")\" \(1_719_878_281_000_000_000 + Int64(i))\n"
        }
        let body = Array(text.utf8)
        let batch = try LineProtocol.parse(body, defaultTimestamp: 0)
        #expect(batch.count == 100_000)
        #expect(batch.fieldCount == 400_000)
        var sum: Int64 = 0
        var sells = 0
        for (i, point) in batch.enumerated() {
            if i % 9973 == 0 {
                #expect(point.line == i + 1)
                #expect(point.timestamp == 1_719_878_281_000_000_000 + Int64(i))
                #expect(point.tags[0].value == (i % 3 == 1 ? "ETH USD" : (i % 3 == 0 ? "BTC-USD" : "SOL-USD")))
                let price = try Price("\(60_000 + i % 997).\(i % 100)")
                #expect(try point.fields[0].decimal(as: Price.self).get() == price)
            }
            sum += point.fields[2].integerValue ?? 0
            if point.fields[3].withUnsafeText({ $0.count }) == 4 { sells += 1 }
        }
        #expect(sum == Int64(99_999 * 100_000 / 2))
        #expect(sells == 50_000)

        var stream = LineProtocol.StreamParser()
        var streamed = 0
        var offset = 0
        while offset < body.count {
            let end = min(offset + 65_536, body.count)
            let output = stream.consume(Array(body[offset..<end]), defaultTimestamp: 0)
            #expect(output.error == nil)
            streamed += output.points.count
            offset = end
        }
        streamed += stream.finish(defaultTimestamp: 0).points.count
        #expect(streamed == 100_000)
    }
}
