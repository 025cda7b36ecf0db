/// A tier's failure or a bad tier configuration, with what a person needs to act on it.
public struct TierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }

        /// A configuration value out of range (the message names the key and the value).
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The tier refused or could not be reached; retryable.
        public static let unavailable = Code("unavailable")
        /// The tier's circuit breaker is open; retry after the time it says.
        public static let breakerOpen = Code("breakerOpen")
        /// A file of the replicator (log segment, cursor) is damaged.
        public static let corruptFile = Code("corruptFile")
        /// A file operation failed.
        public static let io = Code("io")
        /// The tier fell behind past the log's retention: it must be rebuilt.
        public static let rebuildNeeded = Code("rebuildNeeded")

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The file concerned, if any.
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { "\(code): \(message)" + (path.map { " (\($0))" } ?? "") }
}
