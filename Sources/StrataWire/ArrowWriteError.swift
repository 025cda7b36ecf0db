/// Why a batch cannot be written to an Arrow stream: a later batch whose columns differ from the
/// schema the first one set (naming the column), a column whose values do not have one per row,
/// offsets out of order, a dictionary index out of range.
public struct ArrowWriteError: Error, Sendable, CustomStringConvertible {
    /// The column at fault, when one is.
    public let column: String?
    /// What is wrong.
    public let reason: String

    init(_ reason: String, column: String? = nil) {
        self.column = column
        self.reason = reason
    }

    public var description: String {
        if let column { "Arrow stream: column \"\(column)\": \(reason)" } else { "Arrow stream: \(reason)" }
    }
}
