import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// `@unchecked Sendable`: the mapping is read-only and immutable for the object's life;
/// `munmap` runs only in `deinit`, when no reader can hold a reference any more.
package final class MappedFile: @unchecked Sendable {
    package let path: String
    package let bytes: UnsafeRawBufferPointer
    private let fileSystem: any FileSystemOperations

    package init(path: String, fileSystem: any FileSystemOperations = SystemFileSystem()) throws {
        let file = try FileDescriptor(path: path, flags: O_RDONLY, fileSystem: fileSystem)
        let size = try file.size()
        self.path = path
        self.fileSystem = fileSystem
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let count = Int(exactly: size) else { throw StrataError(.io, "file too large to map", path: path) }
        do {
            bytes = UnsafeRawBufferPointer(start: try fileSystem.mapFile(file.fd, size: count), count: count)
        } catch {
            throw StrataError(.io, "mmap failed", path: path, errno: error.errno)
        }
    }

    deinit {
        if let base = bytes.baseAddress { fileSystem.unmapFile(base, size: bytes.count) }
    }
}
