import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few file-system operations the engine needs, with errors that name the path, over any
/// ``FileSystemOperations``.
extension FileSystemOperations {
    /// Opens `path` (see ``FileDescriptor/init(path:flags:fileSystem:)``).
    package func open(_ path: String, flags: Int32) throws -> FileDescriptor {
        try FileDescriptor(path: path, flags: flags, fileSystem: self)
    }

    /// Creates `path` and its parents if missing.
    package func createDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if status(current)?.isDirectory == true { continue }
            do { try makeDirectory(current) } catch  where error.errno == EEXIST {
            } catch {
                throw StrataError(.io, "cannot create directory", path: current, errno: error.errno)
            }
        }
        guard isDirectory(path) else { throw StrataError(.io, "not a directory", path: path) }
    }

    package func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory == true }

    package func exists(_ path: String) -> Bool { status(path) != nil }

    /// The names in a directory (no `.` and `..`), sorted.
    package func list(_ path: String) throws -> [String] {
        do { return try directoryEntries(path).sorted() } catch {
            throw StrataError(.io, "cannot list directory", path: path, errno: error.errno)
        }
    }

    /// The size of the file at `path`, 0 if it cannot be examined.
    package func fileSize(_ path: String) -> Int64 { status(path)?.size ?? 0 }

    /// Renames atomically (same file system).
    package func rename(_ from: String, to: String) throws {
        do { try renameFile(from, to: to) } catch {
            throw StrataError(.io, "cannot rename to \(to)", path: from, errno: error.errno)
        }
    }

    /// Removes a file; a missing file is not an error.
    package func remove(_ path: String) throws {
        do { try unlinkFile(path) } catch  where error.errno != ENOENT {
            throw StrataError(.io, "cannot remove", path: path, errno: error.errno)
        } catch {}
    }

    /// Makes a directory's entries (creations, renames, removals) durable.
    package func syncDirectory(_ path: String) throws {
        let dir = try open(path, flags: O_RDONLY | O_DIRECTORY)
        do { try syncFile(dir.fd) } catch {
            throw StrataError(.io, "cannot fsync directory", path: path, errno: error.errno)
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync of the directory.
    /// A reader sees the old file or the whole new one, never a part, even across power loss.
    package func writeAtomically(_ path: String, chunks: [[UInt8]]) throws {
        let temporary = path + ".tmp"
        do {
            let file = try open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            for chunk in chunks { try file.write(chunk) }
            try file.sync()
        }
        try rename(temporary, to: path)
        try syncDirectory(FileSystem.directory(of: path))
    }

    /// Takes an exclusive advisory lock on `path` for the life of the returned descriptor.
    /// - Throws: ``StrataError`` `.locked` if another process holds it.
    /// Takes the directory lock (`flock`, per open file description), retrying for up to half a
    /// second: a child process forked elsewhere in this process (a test, a server spawning a
    /// command) holds a copy of every descriptor from its fork until its `exec` closes them
    /// (they are all `O_CLOEXEC`), so a lock just released can look taken for that instant.
    package func lockExclusively(_ path: String) throws -> FileDescriptor {
        let file = try open(path, flags: O_RDWR | O_CREAT)
        var attempt = 0
        while true {
            do {
                try lockFile(file.fd)
                return file
            } catch {
                guard error.errno == EWOULDBLOCK, attempt < 50 else {
                    throw StrataError(
                        .locked, "the data directory is in use by another process", path: path, errno: error.errno)
                }
                attempt += 1
                usleep(10_000)
            }
        }
    }
}

/// The operations of ``FileSystemOperations`` on the real file system, for callers that have no
/// file system of their own to pass (the facade, tools, tests).
package enum FileSystem {
    package static let system = SystemFileSystem()

    package static func createDirectory(_ path: String) throws { try system.createDirectory(path) }
    package static func isDirectory(_ path: String) -> Bool { system.isDirectory(path) }
    package static func exists(_ path: String) -> Bool { system.exists(path) }
    package static func list(_ path: String) throws -> [String] { try system.list(path) }
    package static func fileSize(_ path: String) -> Int64 { system.fileSize(path) }
    package static func rename(_ from: String, to: String) throws { try system.rename(from, to: to) }
    package static func remove(_ path: String) throws { try system.remove(path) }
    package static func syncDirectory(_ path: String) throws { try system.syncDirectory(path) }
    package static func writeAtomically(_ path: String, chunks: [[UInt8]]) throws {
        try system.writeAtomically(path, chunks: chunks)
    }
    package static func lockExclusively(_ path: String) throws -> FileDescriptor {
        try system.lockExclusively(path)
    }

    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
