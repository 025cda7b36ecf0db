import StrataCore

/// A table's stored layout: the storage columns in order with their kinds, the designated
/// timestamp, the partition width and the key — so that opening it with a changed schema is
/// checked (``RecordSchema/evolution(from:)``) instead of misreading files.
///
/// ```
/// strata-schema 1
/// table signals
/// timestamp ts
/// partition 86400000000000
/// key id keep-first
/// column ts timestamp required
/// column id int64 required
/// column score float64 required
/// ```
///
/// A column kept under another name in older files (``SchemaColumn/storedAs``) adds
/// `stored <name>`.
extension EmbeddedBackend {
    /// The layout file's text (see the type's documentation).
    static func layoutText(_ schema: RecordSchema) -> String {
        var lines = [
            "strata-schema 1", "table \(schema.name)", "timestamp \(schema.timestamp)",
            "partition \(schema.partitioning.nanoseconds)",
        ]
        if let key = schema.key { lines.append("key \(key.column) \(key.policy.rawValue)") }
        for column in schema.columns {
            lines.append(
                "column \(column.name) \(column.kind) \(column.rules.required ? "required" : "optional")"
                    + (column.storedAs.map { " stored \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The schema a layout file describes (names and kinds only: what evolution compares), or
    /// nil if the text is not one.
    static func storedLayout(_ text: String, name: String) -> RecordSchema? {
        var timestamp: String?
        var partition: Int64?
        var key: RecordKey?
        var columns: [SchemaColumn] = []
        let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard lines.first == ["strata-schema", "1"] else { return nil }
        for fields in lines.dropFirst() {
            switch (fields.first, fields.count) {
            case ("table", 2): guard fields[1] == name else { return nil }
            case ("timestamp", 2): timestamp = fields[1]
            case ("partition", 2): partition = Int64(fields[1])
            case ("key", 3):
                guard let policy = KeyPolicy(rawValue: fields[2]) else { return nil }
                key = RecordKey(fields[1], policy: policy)
            case ("column", 4), ("column", 6):
                guard let kind = ColumnKind(fields[2]), fields.count == 4 || fields[4] == "stored" else { return nil }
                columns.append(
                    SchemaColumn(
                        fields[1], kind, rules: ColumnRules(required: fields[3] == "required"),
                        storedAs: fields.count == 6 ? fields[5] : nil))
            default: return nil
            }
        }
        guard let timestamp, let partition, partition > 0 else { return nil }
        let partitioning: Partitioning =
            partition == Partitioning.daily.nanoseconds ? .daily : .every(nanoseconds: partition)
        return try? RecordSchema(
            name: name, columns: columns, timestamp: timestamp, partitioning: partitioning, key: key)
    }
}
