import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The result of running the `strata` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built `strata` executable: beside the test bundle (`.build/<triple>/debug/`), found through
/// `/proc/self/exe` or `argv[0]`, else `.build/debug/strata` under the working directory.
let strataExecutable: String? = {
    var candidates: [String] = []
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if length > 0 {
        let exe = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        candidates.append(directoryName(exe) + "/strata")
    }
    if let argument = CommandLine.arguments.first, argument.contains("/") {
        candidates.append(directoryName(argument) + "/strata")
    }
    candidates.append(".build/debug/strata")
    return candidates.first { access($0, X_OK) == 0 }
}()

private func directoryName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

/// Runs `strata` with `arguments` in `directory`, with `STRATA_DATA` unset unless given.
func runStrata(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws
    -> CommandResult
{
    let executable = try #require(strataExecutable, "build the strata executable first (swift build)")
    let stdoutPath = directory + "/.stdout-\(UInt32.random(in: 0...UInt32.max))"
    let stderrPath = directory + "/.stderr-\(UInt32.random(in: 0...UInt32.max))"
    defer {
        unlink(stdoutPath)
        unlink(stderrPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    var environment: [String] = []
    var index = 0
    while let entry = environ[index] {
        let text = String(cString: entry)
        if !text.hasPrefix("STRATA_DATA=") { environment.append(text) }
        index += 1
    }
    for (key, value) in extra { environment.append("\(key)=\(value)") }

    // `env -C` runs the command in `directory` (posix_spawn_file_actions_addchdir_np is not exported).
    let argv = (["env", "-C", directory, executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
    try #require(spawned == 0, "posix_spawn failed: \(spawned)")
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { break }
    }
    let exitStatus: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return CommandResult(status: exitStatus, stdout: readFile(stdoutPath) ?? "", stderr: readFile(stderrPath) ?? "")
}
