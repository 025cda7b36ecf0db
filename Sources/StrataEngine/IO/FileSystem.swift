import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few file-system operations the engine needs, with errors that name the path.
package enum FileSystem {
    /// Creates `path` and its parents if missing.
    package static func createDirectory(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw StrataError(.io, "cannot create directory", path: current, errno: errno)
            }
        }
        guard isDirectory(path) else { throw StrataError(.io, "not a directory", path: path) }
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The names in a directory (no `.` and `..`), sorted.
    package static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw StrataError(.io, "cannot list directory", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    package static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Renames atomically (same file system).
    package static func rename(_ from: String, to: String) throws {
        if Glibc.rename(from, to) != 0 { throw StrataError(.io, "cannot rename to \(to)", path: from, errno: errno) }
    }

    package static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw StrataError(.io, "cannot remove", path: path, errno: errno) }
    }

    /// Makes a directory's entries (creations, renames, removals) durable.
    package static func syncDirectory(_ path: String) throws {
        let dir = try FileDescriptor(path: path, flags: O_RDONLY | O_DIRECTORY)
        if fsync(dir.fd) != 0 { throw StrataError(.io, "cannot fsync directory", path: path, errno: errno) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync of the directory.
    /// A reader sees the old file or the whole new one, never a part, even across power loss.
    package static func writeAtomically(_ path: String, chunks: [[UInt8]]) throws {
        let temporary = path + ".tmp"
        do {
            let file = try FileDescriptor(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
            for chunk in chunks { try file.write(chunk) }
            try file.sync()
        }
        try rename(temporary, to: path)
        try syncDirectory(directory(of: path))
    }

    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Takes an exclusive advisory lock on `path` for the life of the returned descriptor.
    /// - Throws: ``StrataError`` `.locked` if another process holds it.
    package static func lockExclusively(_ path: String) throws -> FileDescriptor {
        let file = try FileDescriptor(path: path, flags: O_RDWR | O_CREAT)
        if flock(file.fd, LOCK_EX | LOCK_NB) != 0 {
            throw StrataError(.locked, "the data directory is in use by another process", path: path, errno: errno)
        }
        return file
    }
}
