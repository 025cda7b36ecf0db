import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// User-defined tables on disk: each in `<data>/<name>/` like a built-in table, with the layout
/// it was created with in `<data>/<name>/schema` — the storage columns in order with their
/// kinds, the designated timestamp, the partition width and the key — so that opening it with a
/// changed schema is checked (``RecordSchema/evolution(from:)``) instead of misreading files.
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
extension StrataStore {
    /// Checks the user tables' declarations against the catalog, the engine and their stored
    /// layouts (writing the layout of a new table), and returns each with its engine layout.
    /// - Throws: ``StrataError`` `.invalidArgument` whose message is the ``SchemaError`` naming
    ///   the table, the column and the problem; `.corruptFile` for an unreadable layout file.
    static func prepareUserTables(_ schemas: [RecordSchema], directory: String) throws
        -> [(RecordSchema, TableSchema)]
    {
        func refuse(_ error: any Error) -> StrataError { StrataError(.invalidArgument, "\(error)") }
        do {
            _ = try SchemaCatalog.builtIn.adding(schemas)
        } catch {
            throw refuse(error)
        }
        return try schemas.map { schema in
            let layout: TableSchema
            do {
                layout = try TableSchema(record: schema)
            } catch {
                throw refuse(error)
            }
            let tableDirectory = directory + "/" + schema.name
            let layoutPath = tableDirectory + "/schema"
            if FileSystem.exists(layoutPath) {
                let text = String(
                    decoding: try FileDescriptor(path: layoutPath, flags: O_RDONLY).readAll(), as: UTF8.self)
                guard let stored = storedLayout(text, name: schema.name) else {
                    throw StrataError(.corruptFile, "unreadable table layout", path: layoutPath)
                }
                let added: [SchemaColumn]
                do {
                    added = try schema.evolution(from: stored)
                } catch {
                    throw refuse(error)
                }
                // Added columns (optional, at the end): files and WAL frames written before read
                // them as absent. The layout now names them.
                if !added.isEmpty || layoutText(stored) != layoutText(schema) {
                    try FileSystem.writeAtomically(layoutPath, chunks: [Array(layoutText(schema).utf8)])
                }
            } else {
                try FileSystem.createDirectory(tableDirectory)
                try FileSystem.writeAtomically(layoutPath, chunks: [Array(layoutText(schema).utf8)])
            }
            return (schema, layout)
        }
    }

    /// The layout file's text (see the type's documentation).
    static func layoutText(_ schema: RecordSchema) -> String {
        var lines = [
            "strata-schema 1", "table \(schema.name)", "timestamp \(schema.timestamp)",
            "partition \(schema.partitioning.nanoseconds)",
        ]
        if let key = schema.key { lines.append("key \(key.column) \(key.policy.rawValue)") }
        for column in schema.columns {
            lines.append(
                "column \(column.storageName) \(column.kind) \(column.rules.required ? "required" : "optional")")
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
            case ("column", 4):
                guard let kind = ColumnKind(fields[2]) else { return nil }
                columns.append(SchemaColumn(fields[1], kind, rules: ColumnRules(required: fields[3] == "required")))
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
