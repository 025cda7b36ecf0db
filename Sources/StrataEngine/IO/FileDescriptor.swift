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
    package let fileSystem: any FileSystemOperations

    /// Opens `path` with `flags` (`O_RDONLY`, `O_WRONLY | O_CREAT | O_APPEND`, …) through
    /// `fileSystem`.
    /// - Throws: ``StrataError`` (`.io`) naming the path and errno.
    package init(path: String, flags: Int32, fileSystem: any FileSystemOperations = SystemFileSystem()) throws {
        do { fd = try fileSystem.openFile(path, flags: flags, mode: 0o644) } catch {
            throw StrataError(.io, "cannot open", path: path, errno: error.errno)
        }
        self.path = path
        self.fileSystem = fileSystem
    }

    deinit { fileSystem.closeFile(fd) }

    /// Writes all of `bytes` at the current position.
    /// - Throws: ``StrataError`` `.io`; a prefix of `bytes` may have been written.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            do throws(SystemCallError) {
                let written = try fileSystem.writeFile(fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                guard written > 0 else { throw SystemCallError(errno: EIO) }
                offset += written
            } catch {
                throw StrataError(.io, "write failed", path: path, errno: error.errno)
            }
        }
    }

    package func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Flushes the file's data (and the metadata needed to read it) to stable storage.
    package func sync() throws {
        do { try fileSystem.syncFileData(fd) } catch {
            throw StrataError(.io, "fdatasync failed", path: path, errno: error.errno)
        }
    }

    /// The file's current size.
    package func size() throws -> Int64 {
        do { return try fileSystem.sizeOfFile(fd) } catch {
            throw StrataError(.io, "fstat failed", path: path, errno: error.errno)
        }
    }

    /// Reads the whole file.
    package func readAll() throws -> [UInt8] {
        guard let total = Int(exactly: try size()) else { throw StrataError(.io, "file too large", path: path) }
        var bytes = [UInt8](repeating: 0, count: total)
        var offset = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while offset < total {
                let n: Int
                do throws(SystemCallError) {
                    n = try fileSystem.readFile(
                        fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]), at: Int64(offset))
                } catch {
                    throw StrataError(.io, "read failed", path: path, offset: Int64(offset), errno: error.errno)
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
        do { try fileSystem.truncateFile(fd, to: length) } catch {
            throw StrataError(.io, "ftruncate failed", path: path, offset: length, errno: error.errno)
        }
    }
}
