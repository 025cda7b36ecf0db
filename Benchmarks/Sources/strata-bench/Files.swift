import Foundation

/// The size of a file in bytes, 0 if it does not exist.
func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
}

/// What a directory tree holds, walked file by file.
struct DirectoryUsage {
    var bytes: Int64 = 0
    var files = 0
    /// Bytes by the first path component under the root (`trades/`, `wal/`, …) or file extension
    /// at the top level.
    var byPart: [String: Int64] = [:]

    init(path: String) {
        let root = URL(fileURLWithPath: path)
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
        else { return }
        let rootComponents = root.standardizedFileURL.pathComponents.count
        for case let url as URL in enumerator {
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey]),
                values.isRegularFile == true
            else { continue }
            let size = Int64(values.fileSize ?? 0)
            bytes += size
            files += 1
            let components = url.standardizedFileURL.pathComponents.dropFirst(rootComponents)
            let part = components.count > 1 ? components.first! + "/" : "(top level)"
            byPart[part, default: 0] += size
        }
    }

    var breakdown: String {
        byPart.sorted { $0.value > $1.value }.map { "\($0.key) \(formatBytes($0.value))" }.joined(separator: ", ")
    }
}

/// Creates `path` (and its parents); it must not exist or be an empty directory.
func makeEmptyDirectory(_ path: String) throws {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue, (try manager.contentsOfDirectory(atPath: path)).isEmpty else {
            throw BenchError("\(path) exists and is not an empty directory")
        }
        return
    }
    try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
}

/// A fresh directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
    let base = FileManager.default.temporaryDirectory.path
    let path = base + "/strata-bench-\(getpid())-\(monotonicNanoseconds())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Resolves `path` against the current directory.
func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
