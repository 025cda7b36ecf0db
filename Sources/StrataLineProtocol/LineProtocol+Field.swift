public import StrataCore

extension LineProtocol {
    /// The type of a field value, from its syntax.
    ///
    /// | text | kind |
    /// |---|---|
    /// | `1.5`, `-2e-3`, `42`, `NaN`¹ | ``float`` |
    /// | `42i` | ``integer`` |
    /// | `42u` | ``unsigned`` |
    /// | `t`, `true`, `F`, `FALSE` … | ``boolean`` |
    /// | `"text"` | ``string`` |
    /// | `1719878281500000t`¹, `1719878281500000000n`¹ | ``timestamp`` |
    /// | `64123.45d`¹ | ``decimal`` |
    /// | `==` 16 + 8 bytes¹ ² (binary float64) | ``float`` |
    /// | `==` 23 + scale, length, unscaled bytes¹ ³ (binary decimal) | ``decimal`` |
    ///
    /// ¹ ``Dialect/questDB`` only. ² ILP protocol version 2. ³ version 3. A binary value's
    /// ``Field/text`` is written by the parser: the float64's shortest round-trip text, the
    /// decimal's exact plain text (see `LineScanner+Binary.swift`), so each reads exactly as its
    /// text form does.
    public enum FieldKind: UInt8, Sendable, Hashable, CaseIterable {
        case float, integer, unsigned, boolean, string, timestamp, decimal
    }

    /// A typed field value. Strings and decimals are built on request from the field's text.
    ///
    /// ```swift
    /// switch field.value {
    /// case .float(let x): print(x)
    /// case .string(let s): print(s)
    /// default: break
    /// }
    /// ```
    public enum FieldValue: Sendable, Hashable {
        /// A float (possibly non-finite under ``Dialect/questDB``; see ``Field/isFinite``).
        case float(Double)
        case integer(Int64)
        case unsigned(UInt64)
        case boolean(Bool)
        case string(String)
        /// Nanoseconds since the epoch (a `t` value is converted from microseconds).
        case timestamp(Int64)
        /// The decimal's exact text, without the `d` suffix (for a binary decimal, its exact
        /// plain text: unscaled 12345 at scale 2 is `123.45`).
        case decimal(String)
    }

    /// The fields of a ``Point``, in input order.
    ///
    /// ```swift
    /// point.fields.first(key: "price")?.decimal(as: Price.self)
    /// point.fields.map(\.key)            // ["price", "qty"]
    /// ```
    public struct Fields: Sendable, RandomAccessCollection {
        @usableFromInline let storage: BatchStorage
        @usableFromInline let start: Int
        public let count: Int

        @inlinable init(storage: BatchStorage, start: Int, count: Int) {
            self.storage = storage
            self.start = start
            self.count = count
        }

        @inlinable
        public var startIndex: Int { 0 }
        @inlinable
        public var endIndex: Int { count }

        /// The field at `position` (0-based within the point).
        @inlinable
        public subscript(position: Int) -> Field {
            precondition(position >= 0 && position < count, "field index out of range")
            return Field(storage: storage, index: start + position)
        }

        /// The field whose key is `key`, if any (keys are unique within a line).
        @inlinable
        public func first(key: String) -> Field? { first { $0.hasKey(key) } }
    }

    /// One field: a key, a typed value, and the value's exact text.
    ///
    /// Prices and quantities must never go through `Double`: read them with
    /// ``decimal(as:)`` (or ``withUnsafeText(_:)`` and `Price.parse(utf8:)`), which parse the
    /// original digits exactly. ``value`` gives the `Double` for everything else.
    ///
    /// ```swift
    /// // trades,symbol=BTC-USD price=64123.45,qty=0.1 …
    /// let price = fields[0]
    /// price.kind                       // .float
    /// price.text                       // "64123.45"
    /// try price.decimal(as: Price.self).get().mantissa   // 6_412_345_000_000
    /// ```
    public struct Field: Sendable {
        @usableFromInline let storage: BatchStorage
        @usableFromInline let index: Int

        @inlinable init(storage: BatchStorage, index: Int) {
            self.storage = storage
            self.index = index
        }

        @inlinable var record: FieldRecord { storage.fields[index] }

        /// The key, unescaped.
        @inlinable
        public var key: String { storage.string(record.key) }

        /// Whether the key is `key`, without building a `String`.
        @inlinable
        public func hasKey(_ key: String) -> Bool { storage.bytes(record.key, equal: key) }

        /// Calls `body` with the UTF-8 bytes of the unescaped key.
        @inlinable
        public func withUnsafeKey<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
            try storage.withBytes(record.key, body)
        }

        /// The type of the value.
        @inlinable
        public var kind: FieldKind { record.kind }

        /// The typed value. For ``FieldKind/string`` and ``FieldKind/decimal`` this builds a
        /// `String`; use ``withUnsafeText(_:)`` on a hot path.
        @inlinable
        public var value: FieldValue {
            let record = record
            switch record.kind {
            case .float: return .float(Double(bitPattern: record.payload))
            case .integer: return .integer(Int64(bitPattern: record.payload))
            case .unsigned: return .unsigned(record.payload)
            case .boolean: return .boolean(record.payload != 0)
            case .string: return .string(storage.string(record.text))
            case .timestamp: return .timestamp(Int64(bitPattern: record.payload))
            case .decimal: return .decimal(storage.string(record.text))
            }
        }

        /// The value's exact text: a number without its type suffix (`42` for `42i`, `1.5` for
        /// `1.5d`, `NaN`), the unescaped content of a string, the boolean as written. For a binary
        /// float64 the shortest text that reads back as the same `Double` (`3456.78`, `1e-08`,
        /// `inf`, `NaN`); for a binary decimal its exact plain text (`123.45`, `-0.001`).
        @inlinable
        public var text: String { storage.string(record.text) }

        /// Calls `body` with the UTF-8 bytes of ``text`` (no copy).
        @inlinable
        public func withUnsafeText<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
            try storage.withBytes(record.text, body)
        }

        /// The value as a `Double` if it is a ``FieldKind/float``.
        @inlinable
        public var floatValue: Double? { kind == .float ? Double(bitPattern: record.payload) : nil }
        /// The value if it is an ``FieldKind/integer``.
        @inlinable
        public var integerValue: Int64? { kind == .integer ? Int64(bitPattern: record.payload) : nil }
        /// The value if it is an ``FieldKind/unsigned``.
        @inlinable
        public var unsignedValue: UInt64? { kind == .unsigned ? record.payload : nil }
        /// The value if it is a ``FieldKind/boolean``.
        @inlinable
        public var booleanValue: Bool? { kind == .boolean ? record.payload != 0 : nil }
        /// The value in nanoseconds if it is a ``FieldKind/timestamp``.
        @inlinable
        public var timestampValue: Int64? { kind == .timestamp ? Int64(bitPattern: record.payload) : nil }

        /// `false` only for a ``FieldKind/float`` that is `NaN` or infinite (``Dialect/questDB``
        /// accepts them; prices and quantities must reject them).
        @inlinable
        public var isFinite: Bool { kind != .float || Double(bitPattern: record.payload).isFinite }

        /// The value parsed exactly from its text as a fixed-point decimal (a `Price`, a
        /// `Quantity`), never through `Double`.
        ///
        /// ```swift
        /// switch field.decimal(as: Price.self) {
        /// case .success(let price): use(price)
        /// case .failure(let failure): throw failure.error(field: field.key, value: field.text, scale: Price.scale)
        /// }
        /// ```
        /// - Parameter type: the decimal type, e.g. `Price.self`.
        /// - Returns: the decimal, or the reason it is not one: `notANumber` for a string or a
        ///   boolean, `notFinite` for `NaN`/`Infinity`, `tooPrecise`, `overflow`.
        @inlinable
        public func decimal<D: FixedPointDecimal>(as type: D.Type = D.self) -> Result<D, DecimalParser.Failure> {
            let record = record
            switch record.kind {
            case .float, .integer, .unsigned, .decimal:
                return storage.withBytes(record.text) { D.parse(utf8: $0) }
            case .boolean, .string, .timestamp:
                return .failure(.notANumber)
            }
        }
    }
}
