extension LineProtocol {
    /// One parsed line: a measurement, its tags and fields in input order, a timestamp.
    ///
    /// A point is a view into its ``Batch``; its strings are built only when asked for. Compare
    /// names with ``hasMeasurement(_:)``, ``Tag/hasKey(_:)`` and ``Field/hasKey(_:)`` on a hot
    /// path, or read the raw bytes with the `withUnsafe…` accessors.
    ///
    /// ```swift
    /// // trades,symbol=BTC-USD price=64123.5,qty=0.25 1719878281500000000
    /// point.measurement                         // "trades"
    /// point.tags.value(forKey: "symbol")        // "BTC-USD"
    /// point.fields[0].key                       // "price"
    /// point.timestamp                           // 1719878281500000000 (nanoseconds)
    /// point.line                                // 1
    /// ```
    public struct Point: Sendable, CustomStringConvertible {
        @usableFromInline let storage: BatchStorage
        @usableFromInline let index: Int

        @inlinable init(storage: BatchStorage, index: Int) {
            self.storage = storage
            self.index = index
        }

        @inlinable var record: PointRecord { storage.points[index] }

        /// The measurement (table) name, unescaped.
        @inlinable
        public var measurement: String { storage.string(record.measurement) }

        /// The line as received, without its terminator (what a quarantine keeps of a refused point).
        public var text: String {
            var text = storage.string(record.text)
            while let last = text.utf8.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
                text.removeLast()
            }
            return text
        }

        /// Whether the measurement is `name`, without building a `String`.
        @inlinable
        public func hasMeasurement(_ name: String) -> Bool { storage.bytes(record.measurement, equal: name) }

        /// Calls `body` with the UTF-8 bytes of the unescaped measurement.
        @inlinable
        public func withUnsafeMeasurement<R, E: Error>(
            _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
        ) throws(E) -> R {
            try storage.withBytes(record.measurement, body)
        }

        /// The tags, in input order (InfluxDB sorts them by key; Strata keeps what was sent).
        @inlinable
        public var tags: Tags {
            let record = record
            return Tags(storage: storage, start: Int(record.firstTag), count: Int(record.tagCount))
        }

        /// The fields, in input order.
        @inlinable
        public var fields: Fields {
            let record = record
            return Fields(storage: storage, start: Int(record.firstField), count: Int(record.fieldCount))
        }

        /// Nanoseconds since the Unix epoch: the line's timestamp converted from the configured
        /// precision, or the default time (truncated to the precision) if the line has none.
        @inlinable
        public var timestamp: Int64 { record.timestamp }

        /// The 1-based line of the body or stream on which the entry starts.
        @inlinable
        public var line: Int { record.line }

        /// The point in line protocol (nanosecond timestamp), for logs and test failures.
        public var description: String {
            var text = LineProtocol.escaped(measurement, special: [",", " "])
            for tag in tags {
                text += "," + LineProtocol.escaped(tag.key, special: [",", "=", " "])
                text += "=" + LineProtocol.escaped(tag.value, special: [",", "=", " "])
            }
            var separator = " "
            for field in fields {
                text += separator + LineProtocol.escaped(field.key, special: [",", "=", " "]) + "="
                separator = ","
                switch field.kind {
                case .float, .boolean: text += field.text
                case .integer: text += field.text + "i"
                case .unsigned: text += field.text + "u"
                case .timestamp: text += "\(field.timestampValue ?? 0)n"
                case .decimal: text += field.text + "d"
                case .string:
                    text += "\"" + field.text.replacingBytes(["\\": "\\\\", "\"": "\\\""]) + "\""
                }
            }
            return text + " \(timestamp)"
        }
    }

    /// The tags of a ``Point``, in input order.
    ///
    /// ```swift
    /// point.tags.count                         // 2
    /// point.tags.value(forKey: "symbol")       // "BTC-USD"
    /// point.tags.map { "\($0.key)=\($0.value)" }
    /// ```
    public struct Tags: Sendable, RandomAccessCollection {
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

        /// The tag at `position` (0-based within the point).
        @inlinable
        public subscript(position: Int) -> Tag {
            precondition(position >= 0 && position < count, "tag index out of range")
            return Tag(storage: storage, index: start + position)
        }

        /// The first tag whose key is `key`, if any.
        @inlinable
        public func first(key: String) -> Tag? { first { $0.hasKey(key) } }

        /// The value of the first tag whose key is `key`, if any.
        @inlinable
        public func value(forKey key: String) -> String? { first(key: key)?.value }
    }

    /// One tag: a key and a value, both unescaped.
    ///
    /// ```swift
    /// // trades,symbol=ETH\ USD …
    /// let tag = point.tags[0]
    /// tag.key                    // "symbol"
    /// tag.value                  // "ETH USD"
    /// tag.hasValue("ETH USD")    // true, without building a String
    /// ```
    public struct Tag: Sendable {
        @usableFromInline let storage: BatchStorage
        @usableFromInline let index: Int

        @inlinable init(storage: BatchStorage, index: Int) {
            self.storage = storage
            self.index = index
        }

        @inlinable var record: TagRecord { storage.tags[index] }

        /// The key, unescaped.
        @inlinable
        public var key: String { storage.string(record.key) }
        /// The value, unescaped.
        @inlinable
        public var value: String { storage.string(record.value) }

        /// Whether the key is `key`, without building a `String`.
        @inlinable
        public func hasKey(_ key: String) -> Bool { storage.bytes(record.key, equal: key) }
        /// Whether the value is `value`, without building a `String`.
        @inlinable
        public func hasValue(_ value: String) -> Bool { storage.bytes(record.value, equal: value) }

        /// Calls `body` with the UTF-8 bytes of the unescaped key.
        @inlinable
        public func withUnsafeKey<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
            try storage.withBytes(record.key, body)
        }

        /// Calls `body` with the UTF-8 bytes of the unescaped value.
        @inlinable
        public func withUnsafeValue<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
            try storage.withBytes(record.value, body)
        }
    }
}

extension LineProtocol {
    /// `text` with a backslash before each character in `special`.
    static func escaped(_ text: String, special: Set<Character>) -> String {
        var result = ""
        for character in text {
            if special.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

extension String {
    fileprivate func replacingBytes(_ replacements: [Character: String]) -> String {
        var result = ""
        for character in self {
            if let replacement = replacements[character] { result += replacement } else { result.append(character) }
        }
        return result
    }
}
