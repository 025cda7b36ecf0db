import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `strata` executable beside the test bundle (dirname of `/proc/self/exe`), else
/// `.build/debug/strata`.
let strataExecutable: String? = {
    var candidates: [String] = []
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if length > 0 {
        let exe = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let slash = exe.lastIndex(of: "/") { candidates.append(String(exe[..<slash]) + "/strata") }
    }
    candidates.append(".build/debug/strata")
    return candidates.first { access($0, X_OK) == 0 }
}()

/// A `strata serve` child process, its stderr in a file.
struct ServerProcess {
    let pid: pid_t
    let stderrPath: String

    /// Starts `strata` with `arguments` and `environment` added to this process's.
    static func start(_ arguments: [String], environment extra: [String: String], stderrPath: String) throws
        -> ServerProcess
    {
        let executable = try #require(strataExecutable, "build the strata executable first (swift build)")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var environment: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if !text.hasPrefix("STRATA_") { environment.append(text) }
            index += 1
        }
        for (key, value) in extra { environment.append("\(key)=\(value)") }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        try #require(spawned == 0, "posix_spawn failed: \(spawned)")
        return ServerProcess(pid: pid, stderrPath: stderrPath)
    }

    /// Starts `strata serve …` and waits until its `/health/live` answers on `port` (with `tls`,
    /// which this plain client cannot speak: until `port` accepts connections and the ILP/TCP
    /// listener has logged that it listens).
    static func serve(
        _ arguments: [String], port: Int, environment: [String: String], stderrPath: String, tls: Bool = false
    ) async throws -> ServerProcess {
        let server = try start(arguments, environment: environment, stderrPath: stderrPath)
        for _ in 0..<300 {
            if tls {
                if case .success(let fd) = connectLoopback(port: port) {
                    close(fd)
                    if server.stderr.contains("protocol=ilp-tcp") { return server }
                }
            } else if let answer = await rawHTTP(port: port, method: "GET", path: "/health/live"), answer.status == 200
            {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("server did not start: \(server.stderr)")
        return server
    }

    /// Sends `signal` and waits for the exit status (128 + signal if killed by one), on a thread
    /// of its own (a graceful stop takes seconds under load, which a cooperative thread must not
    /// spend blocked: the in-process servers of other tests run on those few threads).
    func stop(_ signal: Int32 = SIGTERM) async -> Int32 {
        kill(pid, signal)
        return await wait()
    }

    /// Sends `signal` and reaps the process on a thread of its own, without waiting: for `defer`.
    func stopInBackground(_ signal: Int32 = SIGKILL) {
        kill(pid, signal)
        let pid = pid
        Thread { _ = Self.reap(pid) }.start()
    }

    /// The exit status, waiting on a thread of its own.
    func wait() async -> Int32 {
        let pid = pid
        return await onThread { Self.reap(pid) }
    }

    private static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    var stderr: String {
        guard let file = fopen(stderrPath, "rb") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A port that was free a moment ago on 127.0.0.1.
func freePort() -> Int {
    let (fd, port) = bindLoopback()
    close(fd)
    return port
}

/// One HTTP/1.1 exchange over a raw socket (`Connection: close`): the status, the body and the
/// response head (status line and headers, as text), or `nil` if nothing listens.
/// Waits on a thread of its own.
func rawHTTP(port: Int, method: String, path: String, headers: [String: String] = [:], body: String = "") async
    -> (status: Int, body: String, head: String)?
{
    await onThread { rawHTTPBlocking(port: port, method: method, path: path, headers: headers, body: body) }
}

/// The same on the calling thread (for code already on a thread of its own).
func rawHTTPBlocking(
    port: Int, method: String, path: String, headers: [String: String] = [:], body: String = ""
)
    -> (status: Int, body: String, head: String)?
{
    guard case .success(let fd) = connectLoopback(port: port) else { return nil }
    defer { close(fd) }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
    request += "Content-Length: \(body.utf8.count)\r\n"
    for (key, value) in headers { request += "\(key): \(value)\r\n" }
    request += "\r\n" + body
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
        let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        sent += count
    }
    let text = String(decoding: readToEnd(fd), as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return nil }
    guard let end = text.range(of: "\r\n\r\n") else { return (status, "", text) }
    return (status, String(text[end.upperBound...]), String(text[..<end.lowerBound]))
}

/// Everything the peer sends until it closes the connection (or an error).
func readToEnd(_ fd: Int32) -> [UInt8] {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(fd, &chunk, chunk.count, 0)
        if count <= 0 { break }
        received += chunk[0..<count]
    }
    return received
}

/// A TCP connection to 127.0.0.1:`port`: its descriptor, or the `errno` of the failure.
func connectLoopback(port: Int) -> Result<Int32, TCPClientError> {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return .failure(.connectFailed(errno)) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        let failure = errno
        close(fd)
        return .failure(.connectFailed(failure))
    }
    return .success(fd)
}

/// Runs the `strata` command and returns its standard output (a failure is an issue); waits on
/// a thread of its own.
func runCLI(_ arguments: [String]) async throws -> String {
    let executable = try #require(strataExecutable)
    let (status, text) = await onThread { runBlocking(executable, arguments) }
    #expect(status == 0, "strata \(arguments.joined(separator: " ")): \(text)")
    return text
}

private func runBlocking(_ executable: String, _ arguments: [String]) -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return (-1, "cannot run \(executable): \(error)") }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}
