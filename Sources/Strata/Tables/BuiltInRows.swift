import StrataCore

/// A built-in table's own rules for rows written by column name (``Row``, ``TableColumns``, CSV
/// by header): once the schema has checked them, the rows become the table's records, are checked
/// as the typed path checks them (the rules across columns: an aggregated trade's first and last
/// trade ids, a quote's book), and are stored as the record encodes them. So a built-in table
/// holds the same rows whichever way they came.
struct BuiltInRows: Sendable {
    private let convert: @Sendable (ColumnBatch) throws -> ColumnBatch

    init<R: ColumnarRecord>(_ record: R.Type, rules: ValidationRules) {
        convert = { batch in
            let records = R.decode(batch, rows: nil)
            try R.validate(records, with: rules, window: rules.timestampWindow())
            return R.encode(records)
        }
    }

    /// The batch as the record stores it.
    /// - Throws: ``ValidationError`` for the first record its rules refuse (its index is the row's).
    func canonical(_ batch: ColumnBatch) throws -> ColumnBatch { try convert(batch) }
}
