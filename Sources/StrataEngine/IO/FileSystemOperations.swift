import StrataCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `errno` of a failed system call.
package struct SystemCallError: Error, Sendable, Equatable {
    package var errno: Int32

    package init(errno: Int32) { self.errno = errno }
}

/// Facts about a path (`stat(2)`).
package struct FileStatus: Sendable, Equatable {
    package var isDirectory: Bool
    package var size: Int64

    package init(isDirectory: Bool, size: Int64) {
        self.isDirectory = isDirectory
        self.size = size
    }
}

/// Every file-system call the engine makes: the seam under it.
///
/// The engine's tables, WAL, sealed files and recovery reach the disk only through this
/// protocol: ``SystemFileSystem`` (the default) makes the real calls; a test can pass an
/// implementation that fails the *n*-th call of a kind, to check that every failure is a typed
/// error and that nothing acknowledged is lost (see the engine's fault-injection tests).
///
/// The calls mirror POSIX and throw the `errno` of a failure (`EINTR` is retried inside);
/// ``FileDescriptor``, ``MappedFile`` and the helpers below turn it into a ``StrataError``
/// naming the path.
package protocol FileSystemOperations: Sendable {
    /// `open(2)` with `O_CLOEXEC`; returns the descriptor.
    func openFile(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32
    /// `close(2)`; never fails as far as the engine is concerned.
    func closeFile(_ fd: Int32)
    /// `write(2)` at the current position: writes a prefix of `bytes` and returns its length.
    func writeFile(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int
    /// `pread(2)`: reads up to `buffer.count` bytes at `offset`; 0 at the end of the file.
    func readFile(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemCallError)
        -> Int
    /// `fdatasync(2)`: the file's data (and the metadata needed to read it) to stable storage.
    func syncFileData(_ fd: Int32) throws(SystemCallError)
    /// `fsync(2)`: used on directories, to make entries durable.
    func syncFile(_ fd: Int32) throws(SystemCallError)
    /// `ftruncate(2)`.
    func truncateFile(_ fd: Int32, to length: Int64) throws(SystemCallError)
    /// `fstat(2)`'s size.
    func sizeOfFile(_ fd: Int32) throws(SystemCallError) -> Int64
    /// `mmap(2)` of the whole file, read-only and shared; `size` > 0.
    func mapFile(_ fd: Int32, size: Int) throws(SystemCallError) -> UnsafeRawPointer
    /// `munmap(2)`.
    func unmapFile(_ address: UnsafeRawPointer, size: Int)
    /// `rename(2)`.
    func renameFile(_ from: String, to: String) throws(SystemCallError)
    /// `unlink(2)`.
    func unlinkFile(_ path: String) throws(SystemCallError)
    /// `mkdir(2)` with mode 0755.
    func makeDirectory(_ path: String) throws(SystemCallError)
    /// The names in a directory (no `.` and `..`), in any order.
    func directoryEntries(_ path: String) throws(SystemCallError) -> [String]
    /// `stat(2)`, or nil if the path does not exist (or cannot be examined).
    func status(_ path: String) -> FileStatus?
    /// `flock(2)` exclusive, non-blocking.
    func lockFile(_ fd: Int32) throws(SystemCallError)
}

/// The real file system.
package struct SystemFileSystem: FileSystemOperations {
    package init() {}

    package func openFile(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode_t(mode))
            if fd >= 0 { return fd }
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func closeFile(_ fd: Int32) { close(fd) }

    package func writeFile(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        while true {
            let written = write(fd, base, bytes.count)
            if written >= 0 { return written }
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func readFile(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64)
        throws(SystemCallError) -> Int
    {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = pread(fd, base, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func syncFileData(_ fd: Int32) throws(SystemCallError) {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func syncFile(_ fd: Int32) throws(SystemCallError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func truncateFile(_ fd: Int32, to length: Int64) throws(SystemCallError) {
        while ftruncate(fd, off_t(length)) != 0 {
            if errno != EINTR { throw SystemCallError(errno: errno) }
        }
    }

    package func sizeOfFile(_ fd: Int32) throws(SystemCallError) -> Int64 {
        var info = stat()
        if fstat(fd, &info) != 0 { throw SystemCallError(errno: errno) }
        return Int64(info.st_size)
    }

    package func mapFile(_ fd: Int32, size: Int) throws(SystemCallError) -> UnsafeRawPointer {
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            throw SystemCallError(errno: errno)
        }
        return UnsafeRawPointer(base)
    }

    package func unmapFile(_ address: UnsafeRawPointer, size: Int) {
        munmap(UnsafeMutableRawPointer(mutating: address), size)
    }

    package func renameFile(_ from: String, to: String) throws(SystemCallError) {
        if Glibc.rename(from, to) != 0 { throw SystemCallError(errno: errno) }
    }

    package func unlinkFile(_ path: String) throws(SystemCallError) {
        if unlink(path) != 0 { throw SystemCallError(errno: errno) }
    }

    package func makeDirectory(_ path: String) throws(SystemCallError) {
        if mkdir(path, 0o755) != 0 { throw SystemCallError(errno: errno) }
    }

    package func directoryEntries(_ path: String) throws(SystemCallError) -> [String] {
        do { return try directoryNames(path) } catch { throw SystemCallError(errno: error.errno) }
    }

    package func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(isDirectory: (info.st_mode & S_IFMT) == S_IFDIR, size: Int64(info.st_size))
    }

    package func lockFile(_ fd: Int32) throws(SystemCallError) {
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { throw SystemCallError(errno: errno) }
    }
}
