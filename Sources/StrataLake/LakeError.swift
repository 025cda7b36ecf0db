/// What went wrong in the lake: writing, reading or checking a Parquet file or a manifest, with
/// the file (and where known the column) it concerns.
public struct LakeError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: Sendable, Equatable {
        /// A file's bytes are not what Strata writes (bad magic, footer, page, checksum, size).
        case corrupt
        /// Data the lake cannot hold (a decimal scale past INT64's 18 digits, a batch whose
        /// columns differ from the table's).
        case unsupported
        /// The file system refused (open, write, fsync, rename).
        case io
        /// A file the manifest lists is missing, or a manifest line cannot be read.
        case manifest
    }

    public var code: Code
    public var message: String
    /// The file concerned, when there is one.
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
