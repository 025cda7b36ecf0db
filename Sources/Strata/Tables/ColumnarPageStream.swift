public import StrataCore

/// An answer read page by page as ``ColumnarBatch``es of the same columns: a range
/// (``ColumnarPages``) or an ASOF join (``AsofPages``). What the server streams as Arrow or CSV
/// and `strata` writes to a file, one page in memory at a time.
public protocol ColumnarPageStream: Sendable {
    /// The next page, or nil after the last.
    mutating func next() throws -> ColumnarBatch?
    /// An empty batch of the answer's columns (what an answer without rows describes itself by).
    var emptyBatch: ColumnarBatch { get }
}

extension ColumnarPages: ColumnarPageStream {}

extension AsofPages: ColumnarPageStream {}
