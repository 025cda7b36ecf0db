import Strata
import StrataCore
import StrataImport
import StrataTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `text` to `path`.
func writeFile(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot create \(path)")
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            precondition(written > 0)
            offset += written
        }
    }
    close(fd)
}

/// The content of a file, or nil.
func readFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads all of `text` with `format`.
func readAll<Format: CSVRecordFormat>(
    _ text: String, _ format: Format
) throws -> (CSVBatch<Format.Record>, CSVReader<Format>) {
    let reader = CSVReader(text: text, format: format)
    let batch = try reader.readAll()
    return (batch, reader)
}

/// The real-data fixtures (see ``SharedData``).
let sharedDataDirectory = SharedData.directory
