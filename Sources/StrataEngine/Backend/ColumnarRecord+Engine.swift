package import StrataCore

extension ColumnarRecord {
    /// The engine's layout of a typed record's table (its schema's, without absent values: the
    /// built-in tables' layouts predate them).
    package static func engineSchema(partitionDuration: Int64? = nil) -> TableSchema {
        do {
            return try TableSchema(record: schema, partitionDuration: partitionDuration, absentValues: false)
        } catch {
            // Built-in records hold only kinds the engine stores (RecordSchemaLayoutTests).
            preconditionFailure("record \(Self.self): \(error)")
        }
    }
}
