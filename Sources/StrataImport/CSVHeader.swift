public import StrataCore

/// A header line that cannot be mapped onto its table: the whole file is refused before any row
/// is read (a wrong header would misplace every value).
///
/// ```swift
/// do { try reader.readHeader() } catch let error as CSVHeaderError { print(error) }
/// // header column "prise" is not a column of trades (nearest: price)
/// ```
public enum CSVHeaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A header name that is neither a column nor an alias of the table; `nearest` is the known
    /// name closest to it, if any.
    case unknownColumn(String, table: String, nearest: String?)
    /// A column the table needs that the header does not name.
    case missingColumn(String, table: String)
    /// Two header names for one column (`qty` and `quantity`, or `price` twice): the second one
    /// as written, and the column's name.
    case duplicateColumn(String, column: String, table: String)
    /// A column of the table that this layout does not read (a derived one, such as the level
    /// counts of quotes).
    case unusableColumn(String, table: String, accepted: [String])
    /// A table whose CSV must start with a header, and the first line is data.
    case noHeader(table: String, expected: [String])

    public var description: String {
        switch self {
        case .unknownColumn(let name, let table, let nearest):
            "header column \"\(name)\" is not a column of \(table)" + (nearest.map { " (nearest: \($0))" } ?? "")
        case .missingColumn(let name, let table):
            "the header has no column \(name), which \(table) needs"
        case .duplicateColumn(let name, let column, let table):
            "header column \"\(name)\" names \(table)'s column \(column) a second time"
        case .unusableColumn(let name, let table, let accepted):
            "header column \"\(name)\" cannot be imported into \(table) (its CSV columns: \(accepted.joined(separator: ",")))"
        case .noHeader(let table, let expected):
            "the first line is not a header: a \(table) CSV starts with its column names (\(expected.joined(separator: ",")))"
        }
    }
}

/// A header line read against a table's schema: which column each header field is.
///
/// Each name is matched to a column by the column's name or one of its aliases
/// (``SchemaColumn/aliases``), ignoring ASCII case and surrounding blanks; the order is free.
///
/// ```swift
/// let header = try CSVHeader(["Quantity", "ts_ns", "symbol"], schema: .trades)
/// header.columns.map(\.name)   // ["qty", "ts_ns", "symbol"]
/// ```
public struct CSVHeader: Sendable, Hashable {
    /// The names as written.
    public let names: [String]
    /// The column each name maps to, in header order.
    public let columns: [SchemaColumn]

    /// Maps `names` onto `schema`'s columns.
    /// - Throws: ``CSVHeaderError/unknownColumn(_:table:nearest:)`` for a name that is no
    ///   column, ``CSVHeaderError/duplicateColumn(_:column:table:)`` for a second name of one
    ///   column. Missing columns are for the caller to judge (what is required depends on the layout).
    public init(_ names: [String], schema: RecordSchema) throws(CSVHeaderError) {
        self.names = names
        var columns: [SchemaColumn] = []
        var seen: Set<String> = []
        for name in names {
            let spelling = Self.normalised(name)
            guard let column = schema.column(named: spelling) else {
                let nearest = schema.knownNames.min { editDistance($0, spelling) < editDistance($1, spelling) }
                throw .unknownColumn(name, table: schema.name, nearest: nearest)
            }
            guard seen.insert(column.name).inserted else {
                throw .duplicateColumn(name, column: column.name, table: schema.name)
            }
            columns.append(column)
        }
        self.columns = columns
    }

    /// The header fields of a row (the first line of a file).
    /// - Parameters:
    ///   - row: the header row.
    ///   - schema: the table.
    /// - Throws: see ``init(_:schema:)``.
    public init(_ row: CSVRow, schema: RecordSchema) throws(CSVHeaderError) {
        try self.init((0..<row.count).map { row.text($0) }, schema: schema)
    }

    /// `name` lowercased (ASCII only) and without surrounding blanks: schema names are lowercase identifiers.
    static func normalised(_ name: String) -> String {
        var bytes = Array(name.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        let first = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
        return String(decoding: bytes[first...].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Arranges this header for a positional layout: the layout (of `layouts`, the first that
    /// holds every header column) and, for each of its positions, the header field that fills it.
    /// - Parameters:
    ///   - layouts: the positional layouts a format decodes, smallest first, as column names or
    ///     aliases of `schema`.
    ///   - schema: the table.
    /// - Returns: the header index of each position of the chosen layout.
    /// - Throws: ``CSVHeaderError/unusableColumn(_:table:accepted:)`` for a header column no
    ///   layout reads; ``CSVHeaderError/missingColumn(_:table:)`` for a position of the chosen
    ///   layout the header does not fill.
    public func positions(in layouts: [[String]], schema: RecordSchema) throws(CSVHeaderError) -> [Int] {
        let resolved = layouts.map { layout in layout.map { schema.column(named: $0)?.name ?? $0 } }
        let headerColumns = Set(columns.map(\.name))
        guard let chosen = resolved.firstIndex(where: { headerColumns.isSubset(of: Set($0)) }) else {
            let widest = Set(resolved.flatMap { $0 })
            let stray = zip(names, columns).first { !widest.contains($0.1.name) }
            throw .unusableColumn(
                stray?.0 ?? "", table: schema.name, accepted: layouts.max { $0.count < $1.count } ?? [])
        }
        var positions: [Int] = []
        for (position, name) in resolved[chosen].enumerated() {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw .missingColumn(layouts[chosen][position], table: schema.name)
            }
            positions.append(index)
        }
        return positions
    }
}
