import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// RFC 4180 records of a whole CSV text: fields split at commas, quoted fields unquoted (`""` a
/// quote), line breaks inside quotes kept — the files Strata writes itself (quarantines), read
/// back whole. Bulk input goes through ``CSVReader`` instead.
enum CSVRecords {
    struct Record {
        /// The 1-based line the record starts on.
        var line: Int
        var fields: [String]
    }

    /// The non-blank records of `text`.
    static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var started = false
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() {
            if started {
                endField()
                records.append(Record(line: recordLine, fields: fields))
            }
            fields.removeAll()
            started = false
        }
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\n"):
                endRecord()
                line += 1
                recordLine = line
            case UInt8(ascii: "\r") where index < bytes.count && bytes[index] == UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: ","):
                started = true
                endField()
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote:
                started = true
                quoted = true
            default:
                started = true
                field.append(byte)
            }
        }
        endRecord()
        return records
    }
}

/// Small whole-file reads (quarantine files).
enum FileText {
    /// The file's text, or nil if it does not exist.
    /// - Throws: ``StrataError`` (`.io`) if it exists and cannot be read.
    static func read(_ path: String) throws -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            let code = errno
            throw StrataError(.io, "cannot open \(path): \(String(cString: strerror(code)))", path: path, errno: code)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw StrataError(
                    .io, "cannot read \(path): \(String(cString: strerror(code)))", path: path, errno: code)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the file's first line is `line` (read from its first bytes only, not the whole file).
    static func startsWithLine(_ path: String, _ line: String) throws -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return false }
            let code = errno
            throw StrataError(.io, "cannot open \(path): \(String(cString: strerror(code)))", path: path, errno: code)
        }
        defer { close(fd) }
        let expected = Array(line.utf8)
        var head = [UInt8](repeating: 0, count: expected.count + 2)
        var filled = 0
        while filled < head.count {
            let count = head.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + filled, $0.count - filled, off_t(filled))
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        guard filled > expected.count, Array(head[0..<expected.count]) == expected else { return false }
        return head[expected.count] == UInt8(ascii: "\n")
            || (head[expected.count] == UInt8(ascii: "\r") && filled > expected.count + 1
                && head[expected.count + 1] == UInt8(ascii: "\n"))
    }
}

#if canImport(Glibc)
    private let systemRead = Glibc.read
#elseif canImport(Darwin)
    private let systemRead = Darwin.read
#endif
