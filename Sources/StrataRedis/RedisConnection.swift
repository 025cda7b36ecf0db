public import Logging
public import NIOCore
import NIOPosix
import NIOSSL

/// One command on its way: its arguments and the promise its reply completes.
struct RedisRequest: Sendable {
    var command: [RedisArgument]
    /// The command already encoded (then `command` is empty).
    var encoded: ByteBuffer? = nil
    var promise: EventLoopPromise<RESPValue>
    /// 0 for an ordinary reply; for (P)SUBSCRIBE and (P)UNSUBSCRIBE over RESP3, how many push
    /// confirmations (one per channel) stand for the reply.
    var confirmations = 0
}

/// Commands written together: encoded into one buffer, one write through the pipeline.
struct RedisBatch: Sendable {
    var requests: [RedisRequest]
}

/// The decoder as a NIO inbound stage: bytes in, whole `RESPValue`s out.
struct RESPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue
    var decoder: RESPDecoder

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try decoder.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

/// Writes commands and completes their promises with the replies, first in first out.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisBatch
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var confirmations: Int
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 64)
    private var closed: RedisError?
    private let logger: Logger
    private let onPush: (@Sendable (RESPValue) -> Void)?

    private static let confirmationKinds: Set<String> = [
        "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
    ]

    init(logger: Logger, onPush: (@Sendable (RESPValue) -> Void)? = nil) {
        self.logger = logger
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let batch = Self.unwrapOutboundIn(data)
        if let closed {
            for request in batch.requests { request.promise.fail(closed) }
            promise?.fail(closed)
            return
        }
        if batch.requests.count == 1, let encoded = batch.requests[0].encoded {
            // Written as it is: no copy of a command that may be megabytes.
            pending.append(Pending(promise: batch.requests[0].promise, confirmations: batch.requests[0].confirmations))
            context.write(Self.wrapOutboundOut(encoded), promise: promise)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64 * batch.requests.count)
        for request in batch.requests {
            if let encoded = request.encoded {
                buffer.writeImmutableBuffer(encoded)
            } else {
                RESPEncoder.encodeCommand(request.command, into: &buffer)
            }
            pending.append(Pending(promise: request.promise, confirmations: request.confirmations))
        }
        context.write(Self.wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = Self.unwrapInboundIn(data)
        if case .push(let items) = value.withoutAttributes {
            // Out-of-band (RESP3): a subscription's confirmation stands for its command's reply;
            // anything else (messages) goes to the push handler.
            if let head = pending.first, head.confirmations > 0, let kind = items.first?.string,
                Self.confirmationKinds.contains(kind.lowercased())
            {
                if head.confirmations == 1 {
                    pending.removeFirst()
                    head.promise.succeed(value)
                } else {
                    pending[pending.startIndex].confirmations -= 1
                }
            } else if let onPush {
                onPush(value)
            } else {
                logger.debug("redis: push frame ignored", metadata: ["frame": "\(value)"])
            }
            return
        }
        guard let head = pending.popFirst() else {
            failAll(context: context, with: .unexpectedReply(value))
            return
        }
        switch value.withoutAttributes {
        case .error(let message), .bulkError(let message): head.promise.fail(RedisError.server(message))
        default: head.promise.succeed(value)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decoding = error as? RESPDecodingError {
            failAll(context: context, with: .protocolViolation(decoding))
        } else {
            logger.debug("redis: connection error", metadata: ["error": "\(error)"])
            failAll(context: context, with: .connectionClosed)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(context: context, with: .connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(context: ChannelHandlerContext, with error: RedisError) {
        if closed == nil { closed = error }
        while let head = pending.popFirst() { head.promise.fail(error) }
        context.close(promise: nil)
    }
}

/// One connection to Redis: a NIO channel that writes commands as they are sent (so any number
/// may be in flight) and matches replies in order.
///
/// Error replies throw `RedisError.server`; a lost connection fails every pending command with
/// `RedisError.connectionClosed`. Made by `connect(configuration:)`, which negotiates the
/// protocol, authenticates and selects the database.
public final class RedisConnection: Sendable {
    let channel: any Channel
    /// 3 when `HELLO 3` succeeded, else 2.
    public let protocolVersion: Int
    /// The timeout of a command sent without one.
    public let commandTimeout: Duration?

    private init(channel: any Channel, protocolVersion: Int, commandTimeout: Duration?) {
        self.channel = channel
        self.protocolVersion = protocolVersion
        self.commandTimeout = commandTimeout
    }

    /// Connects, negotiates RESP3 (`HELLO 3`, with `AUTH` inside it) or falls back to RESP2
    /// (`AUTH` alone), then `SELECT`s the configured database.
    public static func connect(
        configuration: RedisConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> RedisConnection {
        try await connect(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger, onPush: nil)
    }

    /// `onPush` receives the RESP3 push frames that are not confirmations (pub/sub messages).
    static func connect(
        configuration: RedisConfiguration, eventLoopGroup: (any EventLoopGroup)?, logger: Logger?,
        onPush: (@Sendable (RESPValue) -> Void)?
    ) async throws(RedisError) -> RedisConnection {
        let logger = logger ?? Logger(label: "strata.redis")
        let limits = configuration.decodingLimits
        let tls = try tlsContext(configuration)
        let serverName = configuration.tlsServerName ?? (isIPAddress(configuration.host) ? nil : configuration.host)
        let bootstrap = ClientBootstrap(group: eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(configuration.connectTimeout.timeAmount)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RESPFrameDecoder(decoder: RESPDecoder(limits: limits))))
                    try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(logger: logger, onPush: onPush))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw .connectFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        do {
            let version = try await handshake(channel: channel, configuration: configuration)
            return RedisConnection(
                channel: channel, protocolVersion: version, commandTimeout: configuration.commandTimeout)
        } catch .connectionClosed {
            try? await channel.close()
            let hint = configuration.tls == .required ? " (the TLS handshake failed, or the server is not TLS)" : ""
            throw .connectFailed(
                "\(configuration.host):\(configuration.port): closed during the handshake\(hint)")
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func tlsContext(_ configuration: RedisConfiguration) throws(RedisError) -> NIOSSLContext? {
        guard configuration.tls == .required else { return nil }
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let path = configuration.tlsCACertificatePath { tls.trustRoots = .file(path) }
            switch (configuration.tlsCertificatePath, configuration.tlsPrivateKeyPath) {
            case (let certificate?, let key?):
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            case (nil, nil):
                break
            default:
                throw RedisError.invalidConfiguration("TLS: a client certificate needs its private key, and back")
            }
            return try NIOSSLContext(configuration: tls)
        } catch let error as RedisError {
            throw error
        } catch {
            throw .invalidConfiguration("TLS: \(error)")
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || (!host.isEmpty && host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber })
    }

    private static func handshake(channel: any Channel, configuration: RedisConfiguration) async throws(RedisError)
        -> Int
    {
        // The handshake is bounded by the connect timeout.
        let timeout = configuration.connectTimeout
        var version = 2
        if configuration.protocolPreference == .resp3 {
            var hello: [RedisArgument] = ["HELLO", "3"]
            if let password = configuration.password {
                hello += ["AUTH", .string(configuration.username ?? "default"), .string(password)]
            }
            do {
                _ = try await send(hello, on: channel, timeout: timeout)
                version = 3
            } catch .server(let message) where message.hasPrefix("NOPROTO") || message.hasPrefix("ERR unknown command")
            {
                // A server without RESP3 (before Redis 6): RESP2 below.
            }
        }
        if version == 2, let password = configuration.password {
            var auth: [RedisArgument] = ["AUTH"]
            if let username = configuration.username { auth.append(.string(username)) }
            auth.append(.string(password))
            _ = try await send(auth, on: channel, timeout: timeout)
        }
        if configuration.database != 0 {
            _ = try await send(["SELECT", RedisArgument(configuration.database)], on: channel, timeout: timeout)
        }
        return version
    }

    /// Sends one command and waits for its reply (`timeout`, else the configured command
    /// timeout; `nil` for none).
    public func send(_ command: [RedisArgument], timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try Self.checkSendable(command)
        return try await Self.send(command, on: channel, timeout: timeout ?? commandTimeout)
    }

    /// Sends one command written by a ``RedisCommand`` and waits for its reply.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        guard command.isComplete else { throw .unsupportedCommand("a command missing \(command.remaining) arguments") }
        let channel = self.channel
        let request = RedisRequest(command: [], encoded: command.buffer, promise: channel.eventLoop.makePromise())
        return try await Self.submit([request], on: channel, timeout: timeout ?? commandTimeout)[0].get()
    }

    /// Writes every command, flushes once, then waits for the replies, which come back in the
    /// same order: one result per command (an error reply fails only its own command).
    public func pipeline(_ commands: [[RedisArgument]], timeout: Duration? = nil) async throws(RedisError)
        -> [Result<RESPValue, RedisError>]
    {
        for command in commands { try Self.checkSendable(command) }
        let channel = self.channel
        let requests = commands.map { RedisRequest(command: $0, promise: channel.eventLoop.makePromise()) }
        return await Self.submit(requests, on: channel, timeout: timeout ?? commandTimeout)
    }

    /// Whether the channel is still open.
    public var isActive: Bool { channel.isActive }

    /// Returns when the connection has closed, for whatever reason.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Closes the connection; pending commands fail with `RedisError.connectionClosed`.
    public func close() async {
        try? await channel.close()
    }

    /// A (un)subscription: answered by `confirmations` push frames (RESP3), the last returned.
    func sendSubscription(_ command: [RedisArgument], confirmations: Int) async throws(RedisError) -> RESPValue {
        try await Self.send(command, on: channel, timeout: commandTimeout, confirmations: confirmations)
    }

    static func send(
        _ command: [RedisArgument], on channel: any Channel, timeout: Duration?, confirmations: Int = 0
    ) async throws(RedisError) -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(command: command, promise: promise, confirmations: confirmations)
        return try await submit([request], on: channel, timeout: timeout)[0].get()
    }

    /// Writes the requests and flushes once, arms one deadline for them all, and resumes when
    /// every reply (or failure) is in — all in one hop to the event loop and one back: awaiting
    /// each future from outside the loop would cost a wake-up per reply.
    private static func submit(_ requests: [RedisRequest], on channel: any Channel, timeout: Duration?) async
        -> [Result<RESPValue, RedisError>]
    {
        guard !requests.isEmpty else { return [] }
        let loop = channel.eventLoop
        let results: [Result<RESPValue, any Error>] = await withUnsafeContinuation { continuation in
            loop.execute {
                channel.writeAndFlush(RedisBatch(requests: requests)).whenFailure { _ in
                    for request in requests { request.promise.fail(RedisError.connectionClosed) }
                }
                let deadline = timeout.map { timeout in
                    loop.scheduleTask(in: timeout.timeAmount) {
                        for request in requests { request.promise.fail(RedisError.timedOut(timeout)) }
                    }
                }
                if requests.count == 1 {
                    requests[0].promise.futureResult.whenComplete { result in
                        deadline?.cancel()
                        continuation.resume(returning: [result])
                    }
                } else {
                    EventLoopFuture.whenAllComplete(requests.map(\.promise.futureResult), on: loop).whenSuccess {
                        deadline?.cancel()
                        continuation.resume(returning: $0)
                    }
                }
            }
        }
        return results.map { $0.mapError(redisError) }
    }

    static func redisError(_ error: any Error) -> RedisError {
        (error as? RedisError) ?? .connectionClosed
    }

    private static let subscriptionCommands: Set<String> = [
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
    ]

    /// Commands that switch the connection out of request/reply would leave replies unmatched.
    private static func checkSendable(_ command: [RedisArgument]) throws(RedisError) {
        guard case .string(let name)? = command.first, name.utf8.count <= 12 else { return }
        let upper = name.uppercased()
        if subscriptionCommands.contains(upper) { throw .unsupportedCommand(upper) }
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
