import ArgumentParser
import Strata
import StrataImport

/// `--format table|csv|json`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Aligned columns with a header (the default).
    case table
    /// A header line and comma-separated rows, in the ingest layouts.
    case csv
    /// An array of objects, the API's: decimals and `ts_ns` are strings (exact), `time` is ISO-8601.
    case json
}

/// One output value.
enum Cell {
    case integer(Int64)
    /// Epoch nanoseconds: digits in tables and CSV, a string in JSON (beyond JSON's exact
    /// integers, as the API writes `ts_ns`).
    case nanoseconds(Int64)
    case decimal(String)
    case boolean(Bool)
    case text(String)
    case empty

    var plain: String {
        switch self {
        case .integer(let value), .nanoseconds(let value): String(value)
        case .decimal(let text), .text(let text): text
        case .boolean(let value): value ? "true" : "false"
        case .empty: ""
        }
    }

    var json: String {
        switch self {
        case .integer(let value): String(value)
        case .nanoseconds(let value): jsonString(String(value))
        case .decimal(let text), .text(let text): jsonString(text)
        case .boolean(let value): value ? "true" : "false"
        case .empty: "null"
        }
    }

    var isNumeric: Bool {
        switch self {
        case .integer, .nanoseconds, .decimal: true
        default: false
        }
    }
}

/// A JSON string literal.
func jsonString(_ text: String) -> String { JSONText.quoted(text) }

/// Prints rows of cells in the chosen format to standard output.
struct Renderer {
    var format: OutputFormat

    /// Prints `rows`; with `json`, the `.json` format prints those objects (one per row, written
    /// by the API's writers) instead of objects built from the cells.
    func render(columns: [String], rows: [[Cell]], json: [String]? = nil) {
        var out = OutputBuffer()
        switch format {
        case .json where json != nil:
            let objects = json ?? []
            out.append(objects.isEmpty ? "[]\n" : "[\n  " + objects.joined(separator: ",\n  ") + "\n]\n")
        case .csv:
            out.append(columns.joined(separator: ",") + "\n")
            for row in rows {
                out.append(row.map { Quarantine.csvField($0.plain) }.joined(separator: ",") + "\n")
            }
        case .json:
            if rows.isEmpty {
                out.append("[]\n")
                break
            }
            let keys = columns.map(jsonString)
            out.append("[\n")
            for (index, row) in rows.enumerated() {
                var line = "  {"
                for (column, cell) in row.enumerated() {
                    if column > 0 { line += ", " }
                    line += keys[column] + ": " + cell.json
                }
                out.append(line + (index == rows.count - 1 ? "}\n" : "},\n"))
            }
            out.append("]\n")
        case .table:
            var widths = columns.map(\.count)
            let texts = rows.map { $0.map(\.plain) }
            for row in texts {
                for (column, text) in row.enumerated() { widths[column] = max(widths[column], text.count) }
            }
            let numeric = columns.indices.map { column in rows.contains { $0[column].isNumeric } }
            func line(_ fields: [String]) -> String {
                var text = ""
                for (column, field) in fields.enumerated() {
                    let padding = String(repeating: " ", count: widths[column] - field.count)
                    if column > 0 { text += "  " }
                    text += numeric[column] ? padding + field : field + padding
                }
                while text.last == " " { text.removeLast() }
                return text + "\n"
            }
            out.append(line(columns))
            out.append(line(widths.map { String(repeating: "-", count: $0) }))
            for row in texts { out.append(line(row)) }
            if rows.isEmpty { out.append("(no rows)\n") }
        }
        out.flush()
    }
}
