import Foundation

/// Runs a command to its end and returns its exit status and standard output, with its standard
/// error appended when it fails (-1 and the reason when it cannot start). Standard input is
/// `/dev/null`; standard error goes to a scratch file, so it neither mixes with the output nor
/// fills a pipe. It blocks: from async code, call it through ``onThread(_:)``.
/// - Parameter environment: variables added to this process's environment.
public func runCommand(_ arguments: [String], environment: [String: String] = [:]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let errorPath = NSTemporaryDirectory() + "strata-command-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    guard let errors = FileHandle(forWritingAtPath: errorPath) else { return (-1, "cannot create \(errorPath)") }
    defer { try? errors.close() }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return (-1, "cannot run \(arguments[0]): \(error)")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        return (process.terminationStatus, text + ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""))
    }
    return (0, text)
}
