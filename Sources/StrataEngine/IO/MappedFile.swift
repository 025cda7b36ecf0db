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

    package init(path: String) throws {
        let file = try FileDescriptor(path: path, flags: O_RDONLY)
        let size = Int(try file.size())
        self.path = path
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, file.fd, 0), base != MAP_FAILED else {
            throw StrataError(.io, "mmap failed", path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
