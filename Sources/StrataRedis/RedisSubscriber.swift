public import Logging
public import NIOCore

/// One pub/sub message: the channel it was published to, the pattern that matched it (for
/// `PSUBSCRIBE`), and its payload (binary-safe).
public struct RedisPubSubMessage: Sendable, Hashable {
    public var channel: String
    public var pattern: String?
    public var payload: ByteBuffer

    public init(channel: String, pattern: String? = nil, payload: ByteBuffer) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }

    /// The payload as UTF-8 text.
    public var text: String { String(buffer: payload) }
}

/// A connection dedicated to subscriptions (RESP3 only: messages arrive as push frames, so the
/// connection could also carry ordinary commands). Messages of every channel and pattern
/// subscribed arrive in `messages`, in the order the server sent them; the stream finishes when
/// the connection closes. It does not resubscribe after a lost connection: make a new one.
public final class RedisSubscriber: Sendable {
    public let messages: AsyncStream<RedisPubSubMessage>
    private let connection: RedisConnection

    private init(connection: RedisConnection, messages: AsyncStream<RedisPubSubMessage>) {
        self.connection = connection
        self.messages = messages
    }

    /// Connects (over RESP3; a RESP2-only configuration or server is refused).
    public static func connect(
        configuration: RedisConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> RedisSubscriber {
        guard configuration.protocolPreference == .resp3 else {
            throw .unsupportedCommand("SUBSCRIBE over RESP2")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: RedisPubSubMessage.self)
        let connection = try await RedisConnection.connect(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
            onPush: { frame in
                if let message = Self.message(frame) { continuation.yield(message) }
            })
        guard connection.protocolVersion == 3 else {
            await connection.close()
            throw .unsupportedCommand("SUBSCRIBE over RESP2")
        }
        connection.channel.closeFuture.whenComplete { _ in continuation.finish() }
        return RedisSubscriber(connection: connection, messages: stream)
    }

    /// Subscribes to the channels; returns once the server has confirmed every one.
    public func subscribe(_ channels: [String]) async throws(RedisError) {
        try await change("SUBSCRIBE", channels)
    }

    /// Subscribes to the glob-style patterns.
    public func psubscribe(_ patterns: [String]) async throws(RedisError) {
        try await change("PSUBSCRIBE", patterns)
    }

    public func unsubscribe(_ channels: [String]) async throws(RedisError) {
        try await change("UNSUBSCRIBE", channels)
    }

    public func punsubscribe(_ patterns: [String]) async throws(RedisError) {
        try await change("PUNSUBSCRIBE", patterns)
    }

    /// Closes the connection, which finishes `messages`.
    public func close() async {
        await connection.close()
    }

    private func change(_ command: String, _ names: [String]) async throws(RedisError) {
        guard !names.isEmpty else { return }
        _ = try await connection.sendSubscription(
            [.string(command)] + names.map { .string($0) }, confirmations: names.count)
    }

    static func message(_ frame: RESPValue) -> RedisPubSubMessage? {
        guard case .push(let items) = frame.withoutAttributes, let kind = items.first?.string?.lowercased() else {
            return nil
        }
        func payload(_ value: RESPValue) -> ByteBuffer? {
            if case .bulkString(let buffer?) = value.withoutAttributes { return buffer }
            return value.bytes.map { ByteBuffer(bytes: $0) }
        }
        switch kind {
        case "message", "smessage":
            guard items.count == 3, let channel = items[1].string, let body = payload(items[2]) else { return nil }
            return RedisPubSubMessage(channel: channel, pattern: nil, payload: body)
        case "pmessage":
            guard items.count == 4, let pattern = items[1].string, let channel = items[2].string,
                let body = payload(items[3])
            else { return nil }
            return RedisPubSubMessage(channel: channel, pattern: pattern, payload: body)
        default:
            return nil
        }
    }
}
