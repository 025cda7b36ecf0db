import Strata
import StrataCore
import StrataImport
import StrataTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
