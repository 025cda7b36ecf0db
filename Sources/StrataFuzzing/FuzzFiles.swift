import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Scratch files for the harnesses that read from disk: in `/dev/shm` when there is one (no real
/// I/O, fsync is free), one directory per process.
enum FuzzFiles {
    private static let root: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(base)/strata-fuzz-\(getpid())"
        mkdir(path, 0o755)
        return path
    }()

    static func temporaryDirectory() -> String { root }

    private static let counter = Atomic<Int>(0)

    /// A fresh, empty directory under the scratch root, its own even when harnesses run in
    /// parallel (the replay tests do).
    static func freshDirectory(_ name: String) -> String {
        let path = root + "/" + name + "-" + String(counter.add(1, ordering: .relaxed).newValue)
        removeTree(path)
        mkdir(path, 0o755)
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws(FuzzFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FuzzFailure(harness: "files", message: "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            guard n > 0 else { throw FuzzFailure(harness: "files", message: "cannot write \(path): errno \(errno)") }
            written += n
        }
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65_536) }
            guard n > 0 else { break }
            result += chunk[0..<n]
        }
        return result
    }

    /// Names in a directory (not `.` or `..`), sorted; none if it cannot be read.
    static func list(_ path: String) -> [String] { (try? FileSystem.list(path)) ?? [] }

    /// Removes a file or a directory tree.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
