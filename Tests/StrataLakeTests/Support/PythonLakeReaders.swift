import Foundation
import StrataTestSupport
import Testing

/// pyarrow, DuckDB and polars reading a lake (`Python/read_lake.py`), in the virtual environment
/// `Tests/StrataServerTests/Python/setup-venv.sh` makes (`STRATA_PYTHON_VENV`, else
/// `.build/python-venv`; the script returns at once when the environment is up to date). These
/// checks never skip: without python3 or PyPI the test fails, saying so.
enum PythonLakeReaders {
    static let root: String = {
        var path = "\(#filePath)"
        for _ in 0..<4 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static let venv: String = {
        if let custom = ProcessInfo.processInfo.environment["STRATA_PYTHON_VENV"], !custom.isEmpty { return custom }
        return root + "/.build/python-venv"
    }()

    private static let setup = runCommand(["/bin/bash", root + "/Tests/StrataServerTests/Python/setup-venv.sh", venv])

    /// What the readers saw of `table` in `lake` (the script's JSON object), `symbol` being the
    /// one the pruning checks filter on.
    static func read(lake: String, table: String, symbol: String) async throws -> [String: Any] {
        try #require(setup.status == 0, "could not set up pyarrow, polars and DuckDB: \(setup.output)")
        let script = root + "/Tests/StrataLakeTests/Python/read_lake.py"
        let arguments = [venv + "/bin/python", script, lake, table, symbol]
        // On a thread of its own: the readers take seconds to start.
        let result = await onThread { runCommand(arguments) }
        try #require(result.status == 0, "read_lake.py failed (exit \(result.status)):\n\(result.output)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
        return try #require(object as? [String: Any], "not an object: \(result.output.prefix(500))")
    }

    /// A reader's rows (recording its error, if it failed).
    static func rows(_ output: [String: Any], _ reader: String) -> [[String]] {
        guard let section = output[reader] as? [String: Any] else {
            Issue.record("no answer from \(reader)")
            return []
        }
        if let error = section["error"] { Issue.record("\(reader) failed: \(error)") }
        return (section["rows"] as? [[String]]) ?? []
    }
}
