import Foundation
import StrataTestSupport
import Testing

/// The real Arrow readers (pyarrow, polars, DuckDB) in the virtual environment that
/// `Tests/StrataServerTests/Python/setup-venv.sh` makes (the same logic as the server tests'
/// `PythonClients`: `STRATA_PYTHON_VENV`, else `.build/python-venv` at the repository root; the
/// script returns at once when the environment is up to date).
///
/// These checks never skip: without python3 or PyPI the test fails, saying so.
enum PythonReaders {
    /// `Tests/StrataWireTests/Python`.
    static let scripts: String = {
        var path = "\(#filePath)"
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Python"
    }()

    /// The repository's root.
    static let root: String = {
        var root = scripts
        for _ in 0..<3 { root = String(root[..<root.lastIndex(of: "/")!]) }
        return root
    }()

    /// `STRATA_PYTHON_VENV`, else `.build/python-venv` at the repository root.
    static let venv: String = {
        if let custom = ProcessInfo.processInfo.environment["STRATA_PYTHON_VENV"], !custom.isEmpty { return custom }
        return root + "/.build/python-venv"
    }()

    /// `setup-venv.sh`, run once per test process.
    private static let setup = runCommand(["/bin/bash", root + "/Tests/StrataServerTests/Python/setup-venv.sh", venv])

    /// The environment's interpreter, once `setup-venv.sh` has succeeded.
    static func python() throws -> String {
        try #require(
            setup.status == 0, "could not set up pyarrow, polars and DuckDB (python3 -m venv, pip): \(setup.output)")
        return venv + "/bin/python"
    }

    /// Writes `stream` to a temporary file and reads it with the three readers: what each saw.
    /// A reader's failure is recorded as an issue, unless it is one of `expectingFailureOf`.
    static func read(_ stream: [UInt8], name: String, expectingFailureOf: Set<String> = []) async throws
        -> [String: JSONValue]
    {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "strata-arrow-\(name)-\(UUID().uuidString).arrows"
        ).path
        try Data(stream).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let arguments = [try python(), scripts + "/read_arrow_stream.py", path]
        // On a thread of its own: the readers take seconds to start, and a cooperative thread
        // blocked meanwhile starves the servers other tests run in-process.
        let result = await onThread { runCommand(arguments, environment: ["PYTHONUNBUFFERED": "1"]) }
        try #require(result.status == 0, "read_arrow_stream.py failed (exit \(result.status)):\n\(result.output)")
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(result.output.utf8))
        guard case .object(let readers) = decoded else {
            Issue.record("not an object: \(result.output)")
            return [:]
        }
        for (reader, read) in readers {
            if case .object(let fields) = read, let error = fields["error"], !expectingFailureOf.contains(reader) {
                Issue.record("\(reader) could not read the stream: \(error)")
            }
        }
        return readers
    }
}

/// A JSON value, as the readers' script prints it (numbers are integers there).
enum JSONValue: Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .int(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let fields):
            "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}
