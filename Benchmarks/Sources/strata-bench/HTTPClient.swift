#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal HTTP/1.1 client over one keep-alive connection to `127.0.0.1:port`: one request
/// at a time, bodies framed by `Content-Length` or `Transfer-Encoding: chunked` (or, for a
/// response with neither, by the server closing the connection).
///
/// Not thread-safe: one connection per thread.
final class HTTPConnection {
    struct Response {
        var status: Int
        /// Names lowercased.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let port: UInt16
    private var fd: Int32 = -1
    /// Received bytes not yet consumed: `buffer[start..<end]`.
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    init(port: UInt16) { self.port = port }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        start = 0
        end = 0
    }

    /// Sends one request and reads its whole response. A GET on a connection the server had
    /// closed while idle is retried once on a new connection.
    /// - Throws: ``SocketError`` for a connection failure, a timeout (60 s) or a malformed response.
    func request(
        _ method: String, _ target: String, body: UnsafeRawBufferPointer? = nil, contentType: String? = nil
    ) throws -> Response {
        let reused = fd >= 0
        do {
            return try exchange(method, target, body: body, contentType: contentType)
        } catch {
            disconnect()
            guard reused, method == "GET" else { throw error }
            return try exchange(method, target, body: body, contentType: contentType)
        }
    }

    /// `GET target`.
    func get(_ target: String) throws -> Response { try request("GET", target) }

    private func exchange(
        _ method: String, _ target: String, body: UnsafeRawBufferPointer?, contentType: String?
    ) throws -> Response {
        if fd < 0 { fd = try Sockets.connect(port: port) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: strata-bench\r\n"
        if let body {
            head += "Content-Length: \(body.count)\r\n"
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
        }
        head += "\r\n"
        try Array(head.utf8).withUnsafeBytes { try Sockets.sendAll(fd, $0) }
        if let body { try Sockets.sendAll(fd, body) }
        return try readResponse(method: method)
    }

    // MARK: - Reading

    private func readResponse(method: String) throws -> Response {
        var statusLine = try readLine()
        var status = try Self.status(statusLine)
        var headers: [(name: String, value: String)] = []
        while true {
            // 1xx responses (100 Continue) come before the real one.
            headers = try readHeaders()
            guard (100..<200).contains(status) else { break }
            statusLine = try readLine()
            status = try Self.status(statusLine)
        }
        var response = Response(status: status, headers: headers, body: [])
        let closes = response.header("connection")?.lowercased() == "close"
        if method == "HEAD" || status == 204 || status == 304 {
            // No body.
        } else if response.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            response.body = try readChunkedBody()
        } else if let length = response.header("content-length") {
            guard let count = Int(length), count >= 0 else { throw SocketError("bad Content-Length: \(length)") }
            response.body = try readBytes(count)
        } else {
            response.body = try readToClose()
            disconnect()
            return response
        }
        if closes { disconnect() }
        return response
    }

    private static func status(_ line: String) throws -> Int {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw SocketError("bad status line: \(line)")
        }
        return status
    }

    private func readHeaders() throws -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { return headers }
            guard let colon = line.firstIndex(of: ":") else { throw SocketError("bad header line: \(line)") }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmed()))
        }
    }

    private func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmed() } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw SocketError("bad chunk size line: \(line)")
            }
            if size == 0 {
                _ = try readHeaders()  // trailers, up to the empty line
                return body
            }
            body += try readBytes(size)
            guard try readLine().isEmpty else { throw SocketError("chunk not followed by CRLF") }
        }
    }

    /// One line without its CRLF (or LF).
    private func readLine() throws -> String {
        var scanned = start
        while true {
            if let newline = buffer[scanned..<end].firstIndex(of: 0x0A) {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = String(decoding: buffer[start..<lineEnd], as: UTF8.self)
                start = newline + 1
                return line
            }
            scanned = end
            if end - start > 1 << 16 { throw SocketError("header line longer than 64 KiB") }
            let before = start
            guard try fill() else { throw SocketError("connection closed in the middle of a response") }
            scanned -= before - start  // `fill` may have moved the unread bytes to the front
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            if start == end {
                guard try fill() else { throw SocketError("connection closed in the middle of a body") }
            }
            let take = min(count - result.count, end - start)
            result += buffer[start..<start + take]
            start += take
        }
        return result
    }

    private func readToClose() throws -> [UInt8] {
        var result = Array(buffer[start..<end])
        start = end
        while try fill() {
            result += buffer[start..<end]
            start = end
        }
        return result
    }

    /// Receives more bytes after `end`, first moving the unread ones to the front. False at end
    /// of stream.
    private func fill() throws -> Bool {
        if start > 0 {
            if start < end {
                buffer.withUnsafeMutableBytes { _ = memmove($0.baseAddress!, $0.baseAddress! + start, end - start) }
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        while true {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + end, $0.count - end, 0) }
            if received > 0 {
                end += received
                return true
            }
            if received == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw SocketError("no answer from the server in 60 s") }
            throw SocketError("recv", errno: errno)
        }
    }
}
