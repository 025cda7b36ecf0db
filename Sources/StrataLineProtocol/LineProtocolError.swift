/// A line-protocol entry that cannot be accepted: where it is and what is wrong with it.
///
/// ```swift
/// do {
///     _ = try LineProtocol.parse(Array("trades,symbol=X price=abc\n".utf8), defaultTimestamp: 0)
/// } catch {
///     error.code         // .invalidNumber
///     error.line         // 1
///     error.column       // 21, the byte column of `abc`
///     error.description  // "line 1: field 'price': invalid number 'abc'"
/// }
/// ```
///
/// - Parameters (stored properties):
///   - code: what kind of problem (stable, for metrics and tests).
///   - line: the 1-based line of the problem (a quoted string or an escaped newline may make an
///     entry span several lines; this is the line of the offending byte).
///   - column: the 1-based byte column of the offending byte within that line.
///   - offset: the 0-based byte offset of the offending byte from the start of the body or stream.
///   - message: the problem, naming the element (`field 'price'`, `tag 'symbol'`, the limit).
public struct LineProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem an entry has.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A short stable name, e.g. `invalidNumber`.
        public let name: String

        /// A code with the given name (for codes added by callers, e.g. a mapping layer).
        public init(_ name: String) { self.name = name }

        public var description: String { name }

        /// The line has no measurement, or it starts with a character a measurement cannot have.
        public static let missingMeasurement = Code("missingMeasurement")
        /// A tag or field key is empty or missing.
        public static let missingKey = Code("missingKey")
        /// A tag or field key is not followed by `=`.
        public static let missingEquals = Code("missingEquals")
        /// A tag has no value.
        public static let missingTagValue = Code("missingTagValue")
        /// The line has no fields.
        public static let missingFields = Code("missingFields")
        /// A field has no value.
        public static let missingFieldValue = Code("missingFieldValue")
        /// A field value is none of the known types (number, boolean, quoted string).
        public static let unknownFieldType = Code("unknownFieldType")
        /// A binary field value (ILP v2/v3: `==` and a type byte) is cut short, has an unknown
        /// type, a decimal scale above 76, or a null (zero-length) decimal.
        public static let invalidBinaryValue = Code("invalidBinaryValue")
        /// A field value of a type Strata does not store: binary arrays (ILP v2).
        public static let unsupportedFieldType = Code("unsupportedFieldType")
        /// A number field value (or its suffix) is malformed.
        public static let invalidNumber = Code("invalidNumber")
        /// A number does not fit its type (`Int64`, `UInt64`, a finite `Double`).
        public static let numberOutOfRange = Code("numberOutOfRange")
        /// `NaN` or an infinity, where the dialect does not allow them.
        public static let nonFiniteNumber = Code("nonFiniteNumber")
        /// A boolean is none of t, T, true, True, TRUE, f, F, false, False, FALSE.
        public static let invalidBoolean = Code("invalidBoolean")
        /// A quoted string has no closing quote.
        public static let unterminatedString = Code("unterminatedString")
        /// Something follows a field value other than `,`, a space or the end of the line.
        public static let unexpectedCharacter = Code("unexpectedCharacter")
        /// A control character where none is allowed (in a key, a comment, a lone CR).
        public static let invalidCharacter = Code("invalidCharacter")
        /// Bytes that are not UTF-8 in a name or a string.
        public static let invalidUTF8 = Code("invalidUTF8")
        /// The timestamp is not an integer, or text follows it.
        public static let invalidTimestamp = Code("invalidTimestamp")
        /// The timestamp (or a `t` field) does not fit in `Int64` nanoseconds.
        public static let timestampOutOfRange = Code("timestampOutOfRange")
        /// Two tags of one line have the same key.
        public static let duplicateTagKey = Code("duplicateTagKey")
        /// Two fields of one line have the same key.
        public static let duplicateFieldKey = Code("duplicateFieldKey")
        /// The entry is longer than ``LineProtocol/Configuration/maxLineLength``.
        public static let lineTooLong = Code("lineTooLong")
        /// The entry has more than ``LineProtocol/Configuration/maxFields`` fields.
        public static let tooManyFields = Code("tooManyFields")
        /// The entry has more than ``LineProtocol/Configuration/maxTags`` tags.
        public static let tooManyTags = Code("tooManyTags")
        /// The body is larger than a batch can address (``LineProtocol/Batch/maximumSourceSize``).
        public static let bodyTooLarge = Code("bodyTooLarge")
        /// A `precision` parameter that names no precision.
        public static let invalidPrecision = Code("invalidPrecision")
    }

    /// What kind of problem.
    public var code: Code
    /// The 1-based line of the offending byte (0 when the error is not about a line).
    public var line: Int
    /// The 1-based byte column of the offending byte within its line.
    public var column: Int
    /// The 0-based byte offset of the offending byte from the start of the body or stream.
    public var offset: Int
    /// The problem, naming the element and the value, e.g. `field 'price': invalid number 'abc'`.
    public var message: String

    /// An error; the parser builds these, callers rarely need to.
    public init(code: Code, line: Int, column: Int, offset: Int, message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
    }

    /// `line N: message`, e.g. `line 3: field 'price': invalid number 'abc'`.
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
