import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL 15 cluster of the test's own (initdb into a temporary directory, a free port):
/// for tests that stop and restart the server, which must never touch the shared one.
/// As root, the server runs as the `postgres` user (`runuser`), as `.ci/run` does.
final class PrivatePostgres {
    static let bin = ProcessInfo.processInfo.environment["STRATA_TEST_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    static let password = "test_password"

    let directory: String
    let data: String
    let port: Int

    var url: String { "postgres://postgres:\(Self.password)@127.0.0.1:\(port)/postgres" }

    /// Makes the cluster and starts it.
    init() throws {
        directory = makeTemporaryDirectory("strata-private-pg")
        data = directory + "/data"
        port = freePort()
        try Self.ownByPostgres(directory)
        let passwordFile = directory + "/pw"
        writeText(passwordFile, Self.password + "\n")
        try Self.ownByPostgres(passwordFile)
        try Self.run(
            Self.bin + "/initdb",
            [
                "-D", data, "-U", "postgres", "--pwfile=\(passwordFile)", "--auth-host=scram-sha-256",
                "--auth-local=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
            ])
        try start()
    }

    /// `pg_ctl start` on the same port (after ``stop()``).
    func start() throws {
        try Self.run(
            Self.bin + "/pg_ctl",
            [
                "-D", data, "-l", directory + "/server.log", "-w", "-t", "30", "-o",
                "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                    + "-c full_page_writes=off", "start",
            ])
    }

    /// `pg_ctl stop -m fast`: sessions are terminated, in-flight transactions roll back.
    func stop() throws {
        try Self.run(Self.bin + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// Runs `sql` through `psql` (unaligned, tuples only) and returns its output lines.
    func psql(_ sql: String) throws -> [String] {
        try Self.run(
            Self.bin + "/psql",
            ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-tAc", sql],
            environment: ["PGPASSWORD": Self.password]
        ).split(separator: "\n").map(String.init)
    }

    /// Stops the server (if running) and removes the cluster.
    func destroy() {
        _ = try? Self.run(Self.bin + "/pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        removeTree(directory)
    }

    static var isRoot: Bool { geteuid() == 0 }

    static func ownByPostgres(_ path: String) throws {
        guard isRoot else { return }
        let user = try #require(getpwnam("postgres"), "the postgres user exists (apt-get install postgresql-15)")
        #expect(chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0)
    }

    /// Runs a PostgreSQL tool (as `postgres` when root) and returns its output (stdout and stderr).
    /// - Throws: when it exits non-zero, with its output.
    ///
    /// Spawned and reaped directly (`posix_spawn`, `waitpid`), its output to a file: `pg_ctl start`
    /// leaves the server running with what it inherited, and Foundation's `Process` waits for
    /// those descriptors to close, which they never do while the server runs.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let argumentList: [String]
        if isRoot {
            argumentList =
                ["/usr/sbin/runuser", "-u", "postgres", "--", "/usr/bin/env", "-C", "/tmp"]
                + environment.map { "\($0)=\($1)" }
                + [tool] + arguments
        } else {
            argumentList = ["/usr/bin/env", "-C", "/tmp"] + environment.map { "\($0)=\($1)" } + [tool] + arguments
        }
        let outputPath = "/tmp/strata-pg-tool-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        let argv = argumentList.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argumentList[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw PrivatePostgresError(message: "posix_spawn \(argumentList[0]) failed: \(spawned)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        let text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        guard (status & 0x7F) == 0, (status >> 8) & 0xFF == 0 else {
            throw PrivatePostgresError(message: "\(tool) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}

struct PrivatePostgresError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
