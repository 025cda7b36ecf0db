/// The one error type of Strata's store operations.
///
/// Every failure a caller can act on is a ``StrataError`` with a ``Code`` and the context a
/// person needs to find the problem: the file and byte offset for a damaged file, the table,
/// the underlying system error. Bad *input* rows are reported with ``ValidationError`` instead,
/// which names the field, the value and the rule.
///
/// ```swift
/// do {
///     try await store.trades.append(batch)
/// } catch let error as StrataError where error.code == .corruptFile {
///     print("damaged:", error.path ?? "?")
/// }
/// ```
public struct StrataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes may be added in minor versions.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A read or write of the file system failed (see ``StrataError/errno``).
        public static let io = Code("io")
        /// A file's content is not what Strata wrote: bad magic, checksum mismatch, impossible length.
        public static let corruptFile = Code("corruptFile")
        /// A file was written by a newer, unknown format version.
        public static let unsupportedFormat = Code("unsupportedFormat")
        /// An argument is outside what the operation accepts (a negative limit, an unknown table).
        public static let invalidArgument = Code("invalidArgument")
        /// The store was closed.
        public static let closed = Code("closed")
        /// The data directory is already opened by another process.
        public static let locked = Code("locked")
        /// A value does not fit its fixed-width representation (decimal overflow).
        public static let overflow = Code("overflow")
        /// A record did not pass validation; ``StrataError/validation`` has the detail.
        public static let validation = Code("validation")
        /// A configured resource limit refused the request (new symbols per append, symbols per
        /// table); the message names the limit and its setting. Nothing of the request was stored.
        public static let limitExceeded = Code("limitExceeded")
    }

    public var code: Code
    /// A one-line explanation.
    public var message: String
    /// The file involved, if any.
    public var path: String?
    /// The byte offset inside ``path`` where the problem was found, if known.
    public var offset: Int64?
    /// The system error number of a failed system call, if any.
    public var errno: Int32?
    /// The validation failure behind a ``Code/validation`` error.
    public var validation: ValidationError?

    public init(
        _ code: Code, _ message: String, path: String? = nil, offset: Int64? = nil, errno: Int32? = nil,
        validation: ValidationError? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.errno = errno
        self.validation = validation
    }

    public var description: String {
        var text = message
        if let path { text += " (file \(path)" + (offset.map { ", offset \($0)" } ?? "") + ")" }
        if let errno { text += " [errno \(errno)]" }
        return text
    }
}
