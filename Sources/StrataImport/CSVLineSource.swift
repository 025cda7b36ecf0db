import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a file (or an in-memory text) into lines, reading it in large chunks with POSIX `read`.
///
/// Lines end at `\n`; a trailing `\r` is dropped (CRLF files), a UTF-8 byte-order mark at the
/// start of the input is skipped, and a last line without a newline is still a line. The bytes
/// handed out point into the source's own buffer and are valid only until the next call.
/// A line longer than the chunk grows the buffer; nothing is ever truncated.
final class CSVLineSource {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let path: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let chunkSize: Int
    /// The unread bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private var atEndOfInput = false
    private var checkedByteOrderMark = false
    /// Where the line last returned starts, for ``unread()``.
    private var lastLineStart = 0

    /// 1-based number of the line last returned.
    private(set) var lineNumber = 0
    /// Bytes read from the input so far.
    private(set) var bytesRead: Int64 = 0
    /// The input's size when known (a regular file), for progress.
    let totalBytes: Int64?

    /// Opens `path` for reading; `-` reads standard input.
    /// - Throws: ``StrataError`` (`.io`) naming the file and the system error.
    init(path: String, chunkSize: Int) throws {
        self.path = path
        self.chunkSize = max(chunkSize, 4096)
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                let code = errno
                throw StrataError(.io, "cannot open \(path): \(String(cString: strerror(code)))", errno: code)
            }
            fd = descriptor
            ownsDescriptor = true
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int64(info.st_size)
        } else if (info.st_mode & S_IFMT) == S_IFDIR {
            if ownsDescriptor { close(fd) }
            throw StrataError(.io, "cannot read \(path): it is a directory", errno: EISDIR)
        } else {
            totalBytes = nil
        }
        capacity = self.chunkSize
        buffer = .allocate(capacity: capacity)
    }

    /// A source over `text` (for tests and small inputs).
    init(text: String) {
        let bytes = Array(text.utf8)
        fd = -1
        ownsDescriptor = false
        path = "<text>"
        chunkSize = max(bytes.count, 1)
        capacity = chunkSize
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.update(from: base, count: source.count) }
        }
        buffer = storage
        end = bytes.count
        bytesRead = Int64(bytes.count)
        totalBytes = Int64(bytes.count)
        atEndOfInput = true
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// The next line without its terminator, or `nil` at the end of the input.
    /// - Throws: ``StrataError`` (`.io`) if reading fails.
    func nextLine() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if !checkedByteOrderMark {
                // Wait until three bytes (or the whole input) are available before deciding.
                if end - start >= 3 || atEndOfInput {
                    checkedByteOrderMark = true
                    if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                        start += 3
                    }
                } else {
                    try fill()
                    continue
                }
            }
            if start < end, let found = memchr(buffer + start, 0x0A, end - start) {
                let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let line = UnsafeBufferPointer(start: buffer + start, count: trimmedLength(from: start, to: newline))
                lastLineStart = start
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEndOfInput {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: buffer + start, count: trimmedLength(from: start, to: end))
                lastLineStart = start
                start = end
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// Hands the line last returned out again on the next ``nextLine()`` (once: the reader looks
    /// at the first line to tell a header from data before reading it as either).
    func unread() {
        start = lastLineStart
        lineNumber -= 1
    }

    @inline(__always)
    private func trimmedLength(from lower: Int, to upper: Int) -> Int {
        upper > lower && buffer[upper - 1] == 0x0D ? upper - lower - 1 : upper - lower
    }

    /// Moves the unread bytes to the front, grows the buffer if a line fills it, and reads a chunk.
    private func fill() throws {
        if start > 0 {
            let unread = end - start
            if unread > 0 { memmove(buffer, buffer + start, unread) }
            start = 0
            end = unread
        }
        if capacity - end < chunkSize / 2 {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        while true {
            let count = read(fd, buffer + end, capacity - end)
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw StrataError(.io, "cannot read \(path): \(String(cString: strerror(code)))", errno: code)
            }
            if count == 0 { atEndOfInput = true }
            end += count
            bytesRead += Int64(count)
            return
        }
    }
}
