public import StrataCore

/// An input row that did not become a record, with everything needed to find and fix it.
///
/// ```swift
/// for rejection in batch.rejections {
///     print("line \(rejection.line): \(rejection.reason)")   // line 7: price: "-1" must be greater than zero
/// }
/// ```
public struct CSVRejection: Sendable, Hashable {
    /// The 1-based line number in the input.
    public var line: Int
    /// The line as received (without its terminator).
    public var raw: String
    /// Why it was rejected: the field, the value and the rule.
    public var error: ValidationError

    /// A rejection.
    /// - Parameters:
    ///   - line: the 1-based line number.
    ///   - raw: the line's text.
    ///   - error: the reason.
    public init(line: Int, raw: String, error: ValidationError) {
        self.line = line
        self.raw = raw
        self.error = error
    }

    /// The reason as text, e.g. `price: "-1" must be greater than zero`.
    public var reason: String { error.description }
}

/// What one call of ``CSVReader/nextBatch(maxRows:)`` read.
public struct CSVBatch<Record: Sendable>: Sendable {
    /// The rows that decoded and validated, in input order.
    public var records: [Record]
    /// The 1-based input line of each record (parallel to ``records``).
    public var lineNumbers: [Int]
    /// The rows that did not, in input order.
    public var rejections: [CSVRejection]
    /// How many input bytes the reader has consumed so far (for progress).
    public var bytesRead: Int64

    /// A batch.
    /// - Parameters:
    ///   - records: the decoded records.
    ///   - lineNumbers: the line number of each record.
    ///   - rejections: the rejected rows.
    ///   - bytesRead: input bytes consumed so far.
    public init(records: [Record] = [], lineNumbers: [Int] = [], rejections: [CSVRejection] = [], bytesRead: Int64 = 0)
    {
        self.records = records
        self.lineNumbers = lineNumbers
        self.rejections = rejections
        self.bytesRead = bytesRead
    }

    /// Data rows in the batch: records plus rejections.
    public var rowCount: Int { records.count + rejections.count }
}

extension CSVBatch: Equatable where Record: Equatable {}
extension CSVBatch: Hashable where Record: Hashable {}
