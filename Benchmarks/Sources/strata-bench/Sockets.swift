#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blocking IPv4 TCP sockets on the loopback interface, straight on POSIX: what the server
/// workload needs to talk to `strata serve` (ILP over TCP, HTTP/1.1) and to host the no-op sink.
enum Sockets {
    #if os(Linux)
        static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        static let streamType = SOCK_STREAM
    #endif

    /// `127.0.0.1:port`.
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A connected socket with `TCP_NODELAY` and send/receive timeouts.
    /// - Throws: ``SocketError`` naming the port and errno.
    static func connect(port: UInt16, timeoutSeconds: Int = 60) throws(SocketError) -> Int32 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw SocketError("socket()", errno: errno) }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw SocketError("connect to 127.0.0.1:\(port)", errno: code)
        }
        setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// A listening socket on `127.0.0.1:port` (0: any free port) and the port it got.
    static func listen(port: UInt16 = 0) throws(SocketError) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw SocketError("socket()", errno: errno) }
        setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, systemListen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw SocketError("bind/listen on 127.0.0.1:\(port)", errno: code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: actual.sin_port))
    }

    /// A port that was free a moment ago (bound to port 0, read back, closed). The server is
    /// started on it right away; the small race with other programs is accepted.
    static func freePort() throws(SocketError) -> UInt16 {
        let (fd, port) = try listen(port: 0)
        close(fd)
        return port
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = send(fd, pointer, min(remaining, 1 << 20), 0)
            if written < 0 {
                if errno == EINTR { continue }
                throw SocketError("send", errno: errno)
            }
            pointer += written
            remaining -= written
        }
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) {
        var value = value
        setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Ignores SIGPIPE, so that a peer closing a connection is an error from `send`, not a signal.
    static func ignoreBrokenPipes() { signal(SIGPIPE, SIG_IGN) }
}

// The POSIX names that `Sockets`' own methods shadow.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}

private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { listen(fd, backlog) }

/// A socket call that failed.
struct SocketError: Error, CustomStringConvertible {
    var description: String

    init(_ operation: String, errno code: Int32) {
        description = "\(operation): \(String(cString: strerror(code))) (errno \(code))"
    }

    init(_ message: String) { description = message }
}
