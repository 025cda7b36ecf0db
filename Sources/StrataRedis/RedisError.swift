/// What a Redis command or connection can fail with.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an error reply; its message as sent (`ERR …`, `WRONGTYPE …`).
    case server(String)
    /// No reply within the command's timeout. The connection stays usable: the late reply is
    /// matched to this command and dropped.
    case timedOut(Duration)
    /// The connection closed (or was lost) before the reply arrived, or was closed when written.
    case connectionClosed
    /// No connection could be made within the connect timeout, or the handshake failed.
    case connectFailed(String)
    /// The client has no live connection at the moment (every slot is reconnecting).
    case notConnected(lastError: String?)
    /// The server sent bytes that are not RESP, or exceed the decoder's limits.
    case protocolViolation(RESPDecodingError)
    /// A reply of a shape the operation did not expect.
    case unexpectedReply(RESPValue)
    /// A command `send` cannot carry (subscriptions change the connection's mode).
    case unsupportedCommand(String)
    /// A configuration or URL that cannot be used.
    case invalidConfiguration(String)

    /// The first word of a server error (`ERR`, `WRONGTYPE`, `NOAUTH`, `WRONGPASS`…).
    public var serverCode: String? {
        guard case .server(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    public var description: String {
        switch self {
        case .server(let message): return "redis: \(message)"
        case .timedOut(let duration): return "redis: no reply within \(duration)"
        case .connectionClosed: return "redis: connection closed"
        case .connectFailed(let reason): return "redis: cannot connect: \(reason)"
        case .notConnected(let lastError):
            return "redis: not connected" + (lastError.map { " (last error: \($0))" } ?? "")
        case .protocolViolation(let error): return "redis: protocol violation: \(error)"
        case .unexpectedReply(let value): return "redis: unexpected reply \(value)"
        case .unsupportedCommand(let name): return "redis: \(name) is not supported by send"
        case .invalidConfiguration(let reason): return "redis: invalid configuration: \(reason)"
        }
    }
}
