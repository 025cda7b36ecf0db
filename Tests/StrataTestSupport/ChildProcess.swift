import CStrataTestSupport
public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn` and reaped by its own `waitpid`, for the tests'
/// servers and commands.
///
/// Why not Foundation's `Process`: on Linux, every `Process` of the test run is watched by one
/// shared thread, which learns of a child's end when a socket the child inherited closes, and
/// then calls a *blocking* `waitpid` on it. A child that closes the descriptors it inherited
/// (clickhouse-server does, at start) wakes that thread at once, and it then blocks until that
/// server exits — and no other `Process` of the run is ever seen to end: every
/// `waitUntilExit` hangs, the tests waiting on them hold their threads, and the suite deadlocks
/// (CI's 90 minutes ran out that way). A `ChildProcess` needs no shared thread: its descriptors
/// beyond 0, 1 and 2 are closed in the child, and `waitUntilExit` waits for its own pid only.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `exit` is guarded by `lock`; everything else is immutable after init.

    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file, created or appended to.
        case file(String)
        /// A pipe whose other end is ``standardOutput`` / ``standardError``.
        case pipe
    }

    public let pid: Int32
    /// The read end of the child's standard output (`.pipe` only).
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error (`.pipe` only).
    public let standardError: FileHandle?

    private let lock = NSLock()
    private var exit: Int32?

    /// Starts `arguments[0]` (a path) with the rest as its arguments.
    /// - Parameters:
    ///   - environment: the child's whole environment (this process's when `nil`).
    ///   - directory: the child's working directory (this process's when `nil`).
    /// - Throws: `POSIXError` when the child cannot be started.
    public init(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        output: Stream = .null, error: Stream = .null
    ) throws {
        precondition(!arguments.isEmpty, "a command needs its path")
        // Standard input is /dev/null (-1).
        var stdio: [Int32] = [-1, -1, -1]
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        var parentEnds: [Int32: Int32] = [:]
        func fail(_ code: Int32) -> POSIXError {
            for fd in parentEnds.values { close(fd) }
            return POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        for (target, stream) in [(1, output), (2, error)] {
            switch stream {
            case .null: stdio[target] = -1
            case .file(let path):
                let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw fail(errno) }
                childEnds.append(fd)
                stdio[target] = fd
            case .pipe:
                var ends: [Int32] = [0, 0]
                let status = strata_test_pipe(&ends)
                guard status == 0 else { throw fail(-status) }
                let (parentEnd, childEnd) = (ends[0], ends[1])
                parentEnds[Int32(target)] = parentEnd
                childEnds.append(childEnd)
                stdio[target] = childEnd
            }
        }
        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArguments = arguments.map { strdup($0) } + [nil]
        let cEnvironment = environmentLines.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        let child = strata_test_spawn(arguments[0], cArguments, cEnvironment, directory, stdio)
        guard child > 0 else { throw fail(-child) }
        pid = child
        let handles = parentEnds.mapValues { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = handles[1]
        standardError = handles[2]
    }

    /// Sends `signal` (SIGKILL, SIGTERM…) unless the child was already reaped.
    public func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if exit == nil { kill(pid, signal) }
    }

    /// Whether the child has not ended yet (reaps it if it has).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return reap() == nil
    }

    /// The raw wait status once the child ended (`nil` while it runs).
    public var waitStatus: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return reap()
    }

    /// Waits for the child to end and returns its exit code, or 128 + the signal that ended it
    /// (as a shell says). It blocks: from async code, call it through ``onThread(_:)``.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        var pause: useconds_t = 1_000
        while true {
            if let status = waitStatus { return Self.code(status) }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Must be called with `lock` held.
    private func reap() -> Int32? {
        if let exit { return exit }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exit = status
            return status
        }
        if result == -1 && errno == ECHILD {
            // Reaped by someone else (should not happen): say it ended, with an unknown status.
            exit = 0xff00
            return exit
        }
        return nil
    }

    private static func code(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    deinit {
        // A test that forgot its child must not leave it behind, nor a zombie.
        lock.lock()
        if reap() == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        lock.unlock()
    }
}
