import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file, closed when the last reference goes away.
///
/// A reference type so that the WAL's group-commit flusher can keep a segment open while it
/// fsyncs, even if the writer has rolled over to the next segment meanwhile.
/// `@unchecked Sendable`: the descriptor is immutable after init, and the calls made on it
/// (`write`, `pwrite`, `pread`, `fdatasync`) are safe from several threads; the WAL serialises
/// its writes under the table's lock.
package final class FileDescriptor: @unchecked Sendable {
    package let fd: Int32
    package let path: String

    /// Opens `path` with `flags` (`O_RDONLY`, `O_WRONLY | O_CREAT | O_APPEND`, …).
    /// - Throws: ``StrataError`` (`.io`) naming the path and errno.
    package init(path: String, flags: Int32) throws {
        let fd = open(path, flags | O_CLOEXEC, 0o644)
        if fd < 0 { throw StrataError(.io, "cannot open", path: path, errno: errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Writes all of `bytes` at the current position.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StrataError(.io, "write failed", path: path, errno: errno)
            }
            offset += written
        }
    }

    package func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Flushes the file's data (and the metadata needed to read it) to stable storage.
    package func sync() throws {
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw StrataError(.io, "fdatasync failed", path: path, errno: errno)
        }
    }

    /// The file's current size.
    package func size() throws -> Int64 {
        var info = stat()
        if fstat(fd, &info) != 0 { throw StrataError(.io, "fstat failed", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads the whole file.
    package func readAll() throws -> [UInt8] {
        let total = Int(try size())
        var bytes = [UInt8](repeating: 0, count: total)
        var offset = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while offset < total {
                let n = pread(fd, buffer.baseAddress! + offset, total - offset, off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StrataError(.io, "read failed", path: path, offset: Int64(offset), errno: errno)
                }
                if n == 0 { break }
                offset += n
            }
        }
        if offset < total { bytes.removeLast(total - offset) }
        return bytes
    }

    /// Cuts the file to `length` bytes.
    package func truncate(to length: Int64) throws {
        if ftruncate(fd, off_t(length)) != 0 {
            throw StrataError(.io, "ftruncate failed", path: path, offset: length, errno: errno)
        }
    }
}
