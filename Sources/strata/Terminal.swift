#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to the standard streams without buffering surprises.
enum Terminal {
    /// Whether standard error is a terminal (progress bars are drawn only then).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes `text` to standard error.
    static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Writes `text` to standard output.
    static func writeOutput(_ text: String) { write(text, to: STDOUT_FILENO) }

    private static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                    let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                    let written = Darwin.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Buffers standard output in large writes (query results can be millions of lines).
struct OutputBuffer {
    private var text = ""

    init() { text.reserveCapacity(1 << 16) }

    mutating func append(_ piece: String) {
        text += piece
        if text.utf8.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !text.isEmpty else { return }
        Terminal.writeOutput(text)
        text.removeAll(keepingCapacity: true)
    }
}
