#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `opendir` failed: its errno.
public struct DirectoryListingError: Error, Sendable, Hashable {
    public var errno: Int32
}

/// The names in the directory at `path`, without `.` and `..`, in no particular order.
///
/// The one place the code base reads `readdir`'s entries. An entry's name is read where it lies:
/// `readdir` hands out records packed in its buffer, each only as long as its name, so copying
/// `entry.pointee` (or its `d_name`, a 256-byte array) reads past the end of a record near the
/// buffer's end — and, when that end is the end of a page, crashed the process (a crash campaign
/// of the test suite died in `memcpy` listing a table's directory).
/// - Throws: ``DirectoryListingError`` when the directory cannot be opened.
public func directoryNames(_ path: String) throws(DirectoryListingError) -> [String] {
    guard let directory = opendir(path) else { throw DirectoryListingError(errno: errno) }
    defer { closedir(directory) }
    let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = String(
            cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
