import Foundation
import StrataTestSupport
import Testing

/// The real Python clients (`questdb`, `influxdb-client`, `websockets`, `prometheus_client`) in a
/// virtual environment made by `Python/setup-venv.sh` (which `.ci/run` calls first; here it is
/// called again and returns at once when the environment is up to date, or creates it).
///
/// These checks never skip: without python3 or PyPI the test fails, saying so.
enum PythonClients {
    /// `Tests/StrataServerTests/Python`.
    static let scripts: String = {
        var path = "\(#filePath)"
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Python"
    }()

    /// The checkout (three levels above `scripts`).
    static let repositoryRoot: String = {
        var root = scripts
        for _ in 0..<3 { root = String(root[..<root.lastIndex(of: "/")!]) }
        return root
    }()

    /// `STRATA_PYTHON_VENV`, else `.build/python-venv` at the repository root.
    static let venv: String = {
        if let custom = ProcessInfo.processInfo.environment["STRATA_PYTHON_VENV"], !custom.isEmpty { return custom }
        return repositoryRoot + "/.build/python-venv"
    }()

    /// `setup-venv.sh`, run once per test process.
    private static let setup = runBlocking(["/bin/bash", scripts + "/setup-venv.sh", venv])

    /// The environment's interpreter, once `setup-venv.sh` has succeeded.
    static func python() throws -> String {
        try #require(setup.status == 0, "could not set up the Python clients (python3 -m venv, pip): \(setup.output)")
        return venv + "/bin/python"
    }

    /// Runs `script` with the server's ports and tokens; records its output as the failure reason.
    static func check(
        _ script: String, httpPort: Int, tcpPort: Int = 0, read: String, write: String, extra: [String] = []
    ) async throws {
        let result = await run(
            [
                try python(), "-W", "error::DeprecationWarning", scripts + "/" + script,
                "--http-port", String(httpPort), "--tcp-port", String(tcpPort), "--read-token", read, "--write-token",
                write,
            ] + extra)
        #expect(result.status == 0, "\(script) failed (exit \(result.status)):\n\(result.output)")
        #expect(result.output.contains("ok: "), "\(script) did not report success:\n\(result.output)")
    }

    /// Runs a command, returning its exit status and its stdout and stderr together. The wait is
    /// on a thread of its own: a script runs for tens of seconds, and blocking one of the few
    /// threads of the cooperative pool meanwhile starves the servers other tests run in-process.
    static func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        await onThread { runBlocking(arguments) }
    }

    /// ``run(_:)`` on the calling thread, for short commands (openssl).
    static func runBlocking(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = scripts
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (-1, "cannot run \(arguments[0]): \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
