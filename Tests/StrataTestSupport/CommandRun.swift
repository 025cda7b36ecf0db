import Foundation

/// Runs a command to its end and returns its exit status and standard output, with its standard
/// error appended when it fails (-1 and the reason when it cannot start). Standard input is
/// `/dev/null`; standard error goes to a scratch file, so it neither mixes with the output nor
/// fills a pipe. It blocks: from async code, call it through ``onThread(_:)``.
/// - Parameter environment: variables added to this process's environment.
public func runCommand(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
    let errorPath = NSTemporaryDirectory() + "strata-command-stderr-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let process: ChildProcess
    do {
        process = try ChildProcess(
            arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            output: .pipe, error: .file(errorPath))
    } catch {
        return (-1, "cannot run \(arguments[0]): \(error)")
    }
    let data = process.standardOutput?.readDataToEndOfFile() ?? Data()
    let status = process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard status == 0 else {
        return (status, text + ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""))
    }
    return (0, text)
}
