extension LineProtocol {
    /// What the parser accepts, and how much of it.
    ///
    /// ```swift
    /// var configuration = LineProtocol.Configuration()
    /// configuration.precision = try LineProtocol.Precision(parameter: "ms")
    /// configuration.maxLineLength = 64 * 1024
    /// let points = try LineProtocol.parse(body, defaultTimestamp: now, configuration: configuration)
    /// ```
    ///
    /// - Parameters (stored properties):
    ///   - precision: the unit of the line timestamps (the `precision` query parameter).
    ///   - dialect: ``Dialect/questDB`` (the default) accepts what QuestDB clients send on top of
    ///     the InfluxDB grammar; ``Dialect/influxDB`` accepts exactly the InfluxDB grammar.
    ///   - maxLineLength: the longest entry in bytes, its end of line included. A longer one is a
    ///     ``LineProtocolError/Code/lineTooLong`` error; the TCP parser never buffers more than this.
    ///   - maxFields: the most fields on one line (``LineProtocolError/Code/tooManyFields``).
    ///   - maxTags: the most tags on one line (``LineProtocolError/Code/tooManyTags``).
    public struct Configuration: Sendable, Hashable {
        /// The unit of line timestamps. Field values suffixed `t` or `n` are not affected.
        public var precision: Precision
        /// Which variant of the grammar to accept.
        public var dialect: Dialect
        /// The longest entry, in bytes, including its line ending. Default 1 MiB.
        public var maxLineLength: Int
        /// The most fields on one line. Default 1024.
        public var maxFields: Int
        /// The most tags on one line. Default 1024.
        public var maxTags: Int

        /// A configuration; every parameter has a default that suits the Strata server.
        public init(
            precision: Precision = .nanoseconds,
            dialect: Dialect = .questDB,
            maxLineLength: Int = 1 << 20,
            maxFields: Int = 1024,
            maxTags: Int = 1024
        ) {
            self.precision = precision
            self.dialect = dialect
            self.maxLineLength = maxLineLength
            self.maxFields = maxFields
            self.maxTags = maxTags
        }
    }

    /// The variant of the grammar a parser accepts.
    ///
    /// The two agree on everything InfluxDB clients send; ``questDB`` adds what QuestDB clients
    /// send (see the design note in `LineProtocol.swift` for each rule):
    ///
    /// ```swift
    /// // trades,symbol=BTC-USD price=64123.5,ts=1719878281500000t
    /// let strict = LineProtocol.Configuration(dialect: .influxDB)  // `1719878281500000t` is an error
    /// let lenient = LineProtocol.Configuration(dialect: .questDB)  // a timestamp field
    /// ```
    public enum Dialect: Sendable, Hashable, CaseIterable {
        /// Exactly what the InfluxDB reference decoder (`github.com/influxdata/line-protocol/v2`)
        /// accepts: no `t`/`n`/`d` suffixes, no `NaN` or infinities, and a backslash escapes only
        /// the characters special to the element it is in.
        case influxDB
        /// InfluxDB plus QuestDB's additions: `t` (microseconds) and `n` (nanoseconds) timestamp
        /// fields, `d` decimals, `NaN`/`Infinity`/`inf` floats (flagged non-finite), lines of tags
        /// without fields, `\=` in a measurement, a backslash before a raw LF or CR keeps it in
        /// the value, and `\\` before an ordinary character is one backslash. Also ILP protocol
        /// versions 2 and 3: binary float64 and decimal field values (`==` and a type byte;
        /// arrays are refused) and a unit suffix on the line's timestamp (`n`, `t`, `m`).
        case questDB
    }
}
