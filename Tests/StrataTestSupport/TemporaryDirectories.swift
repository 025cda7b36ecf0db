#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh, empty directory under `/tmp` named `<prefix>-XXXXXX` (made with `mkdtemp`, so two
/// tests never share one); the caller removes it with ``removeTree(_:)``.
public func makeTemporaryDirectory(_ prefix: String = "strata-test") -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let result = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed for \(prefix)") }
        return String(cString: result)
    }
}

/// Removes a directory tree (test scratch space only: the path is one ``makeTemporaryDirectory(_:)``
/// returned or lies under it).
public func removeTree(_ path: String) {
    precondition(path.hasPrefix("/tmp/") || path.hasPrefix("/dev/shm/"), "not a scratch directory: \(path)")
    _ = system("rm -rf '\(path)'")
}

/// Writes `text` to `path` (created or truncated).
public func writeText(_ path: String, _ text: String) {
    guard let file = fopen(path, "wb") else { fatalError("cannot create \(path)") }
    var text = text
    let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, file) }
    precondition(written == text.utf8.count, "cannot write \(path)")
    fclose(file)
}
