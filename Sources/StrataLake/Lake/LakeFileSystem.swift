import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file operations of the lake (POSIX), each failure a ``LakeError`` `.io` naming the path.
///
/// Publishing is atomic: a file is written under a hidden temporary name in its directory,
/// fsynced, closed, renamed to its name, and the directory fsynced — a reader (or a crash) sees
/// the whole file or none.
enum LakeFileSystem {
    private static func failure(_ what: String, _ path: String) -> LakeError {
        LakeError(.io, "cannot \(what): \(String(cString: strerror(errno)))", path: path)
    }

    /// Creates `path` and its parents.
    static func makeDirectories(_ path: String) throws(LakeError) {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o755) != 0, errno != EEXIST { throw failure("create the directory", built) }
        }
    }

    /// A file open for writing (created, truncated).
    final class Output {
        let path: String
        private var fd: Int32

        init(creating path: String) throws(LakeError) {
            self.path = path
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LakeFileSystem.failure("create", path) }
        }

        func write(_ bytes: [UInt8]) throws(LakeError) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw LakeFileSystem.failure("write", path) }
                offset += written
            }
        }

        /// fsync and close.
        func finish() throws(LakeError) {
            guard fsync(fd) == 0 else { throw LakeFileSystem.failure("fsync", path) }
            guard close(fd) == 0 else { throw LakeFileSystem.failure("close", path) }
            fd = -1
        }

        deinit { if fd >= 0 { close(fd) } }
    }

    /// Renames `from` to `to` and fsyncs the directory of `to`.
    static func publish(_ from: String, as to: String) throws(LakeError) {
        guard rename(from, to) == 0 else { throw failure("rename \(from) to", to) }
        try syncDirectory(of: to)
    }

    static func syncDirectory(of path: String) throws(LakeError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open the directory", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync the directory", directory) }
    }

    /// Writes `bytes` to `path` atomically (temporary file, fsync, rename, fsync of the directory).
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(LakeError) {
        let temporary = temporaryPath(for: path)
        let output = try Output(creating: temporary)
        try output.write(bytes)
        try output.finish()
        try publish(temporary, as: path)
    }

    /// The hidden temporary name of `path` in its directory (no reader's glob matches it).
    static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + ".tmp"
    }

    /// The whole file, or nil if it does not exist.
    static func read(_ path: String) throws(LakeError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", path) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { break }
            offset += count
        }
        if offset < bytes.count { bytes.removeLast(bytes.count - offset) }
        return bytes
    }

    /// The names in `path` (nil if it does not exist), without `.` and `..`.
    static func list(_ path: String) -> [String]? {
        (try? directoryNames(path))?.sorted()
    }

    static func remove(_ path: String) { unlink(path) }

    /// Whether `path` exists.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Appends `bytes` to `path` (created if needed) and fsyncs it (and its directory when created).
    static func append(_ bytes: [UInt8], to path: String) throws(LakeError) {
        let created = !exists(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw failure("write", path) }
            offset += written
        }
        guard fsync(fd) == 0 else { throw failure("fsync", path) }
        if created { try syncDirectory(of: path) }
    }
}
