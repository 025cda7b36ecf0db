import Crypto
import Logging
import NIOCore
import Strata

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ServerConfiguration.ILPTCPKey {
    /// The P-256 public key of the JWK coordinates.
    /// - Throws: ``ConfigurationError`` (key `ilp.tcp.keys`) if a coordinate is not base64url of
    ///   32 bytes or the point is not on the curve.
    func publicKey() throws(ConfigurationError) -> P256.Signing.PublicKey {
        guard let x = Base64.decode(x), x.count == 32, let y = Base64.decode(y), y.count == 32 else {
            throw ConfigurationError(
                key: "ilp.tcp.keys", message: "kid '\(kid)': x and y must be base64url encodings of 32 bytes")
        }
        do {
            return try P256.Signing.PublicKey(rawRepresentation: x + y)
        } catch {
            throw ConfigurationError(key: "ilp.tcp.keys", message: "kid '\(kid)': not a P-256 public key")
        }
    }
}

/// QuestDB's ILP-over-TCP authentication, in front of ``ILPTCPConnectionHandler``:
///
/// 1. the client sends its key id and `\n`;
/// 2. the server answers a challenge: 512 random printable ASCII characters (0x20…0x7E) and `\n`;
/// 3. the client sends the base64 ECDSA P-256 / SHA-256 signature of those 512 bytes and `\n`:
///    64 bytes `r‖s` (what the questdb clients send) or DER;
/// 4. a valid signature by the key id's public key: the handler removes itself and passes any
///    bytes after the signature's `\n` on as ILP. Anything else (unknown key id, bad signature,
///    a line over 1 KiB, no answer within the timeout) is logged and the connection closed,
///    without a word to the client. An unknown key id still gets a challenge, so key ids cannot
///    be probed.
final class ILPTCPAuthHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let challengeLength = 512
    static let maximumLineLength = 1024

    private enum State {
        case awaitingKeyID
        case awaitingSignature(kid: String, key: P256.Signing.PublicKey?, challenge: [UInt8])
        case done
    }

    private let keys: [String: P256.Signing.PublicKey]
    private let timeout: TimeAmount
    private let metrics: ServerMetrics
    private let logger: Logger
    private var state = State.awaitingKeyID
    private var buffer: [UInt8] = []
    private var timer: Scheduled<Void>?

    init(keys: [String: P256.Signing.PublicKey], timeout: TimeAmount, metrics: ServerMetrics, logger: Logger) {
        self.keys = keys
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(context: context, reason: "no authentication within \(handler.timeout)")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .done = state { return }
        let bytes = unwrapInboundIn(data)
        buffer.append(contentsOf: bytes.readableBytesView)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let lineBytes = Array(line)
            buffer.removeSubrange(...newline)
            switch state {
            case .awaitingKeyID:
                guard receiveKeyID(lineBytes, context: context) else { return }
            case .awaitingSignature(let kid, let key, let challenge):
                guard verify(lineBytes, kid: kid, key: key, challenge: challenge, context: context) else { return }
                authenticated(context: context, kid: kid)
                return
            case .done:
                return
            }
        }
        if buffer.count > Self.maximumLineLength {
            fail(context: context, reason: "authentication line longer than \(Self.maximumLineLength) bytes")
        }
    }

    private func receiveKeyID(_ line: [UInt8], context: ChannelHandlerContext) -> Bool {
        let kid = String(decoding: line, as: UTF8.self)
        var generator = SystemRandomNumberGenerator()
        var challenge = [UInt8](repeating: 0, count: Self.challengeLength)
        for index in challenge.indices { challenge[index] = 0x20 + UInt8.random(in: 0..<0x5F, using: &generator) }
        state = .awaitingSignature(kid: kid, key: keys[kid], challenge: challenge)
        var out = context.channel.allocator.buffer(capacity: challenge.count + 1)
        out.writeBytes(challenge)
        out.writeInteger(UInt8(ascii: "\n"))
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        return true
    }

    private func verify(
        _ line: [UInt8], kid: String, key: P256.Signing.PublicKey?, challenge: [UInt8], context: ChannelHandlerContext
    ) -> Bool {
        guard let key else {
            fail(context: context, reason: "unknown key id", kid: kid)
            return false
        }
        guard let raw = Base64.decode(String(decoding: line, as: UTF8.self)) else {
            fail(context: context, reason: "the signature is not base64", kid: kid)
            return false
        }
        let signature: P256.Signing.ECDSASignature
        do {
            signature =
                raw.count == 64
                ? try P256.Signing.ECDSASignature(rawRepresentation: raw)
                : try P256.Signing.ECDSASignature(derRepresentation: raw)
        } catch {
            fail(context: context, reason: "malformed signature (\(raw.count) bytes)", kid: kid)
            return false
        }
        guard key.isValidSignature(signature, for: challenge) else {
            fail(context: context, reason: "the signature does not verify", kid: kid)
            return false
        }
        return true
    }

    private func authenticated(context: ChannelHandlerContext, kid: String) {
        state = .done
        timer?.cancel()
        timer = nil
        logger.info("ILP/TCP authenticated", metadata: ["kid": "\(kid)"])
        let rest = buffer
        buffer = []
        if !rest.isEmpty {
            var out = context.channel.allocator.buffer(capacity: rest.count)
            out.writeBytes(rest)
            context.fireChannelRead(wrapInboundOut(out))
            context.fireChannelReadComplete()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Until authenticated, nothing reaches the ILP handler.
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ILPTCPShutdownEvent {
            // Not authenticated yet: nothing to store, just close.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func fail(context: ChannelHandlerContext, reason: String, kid: String? = nil) {
        guard context.channel.isActive else { return }
        state = .done
        buffer = []
        metrics.tcpAuthenticationFailed()
        var metadata: Logger.Metadata = ["reason": "\(reason)"]
        // The key id is what the client sent first: shortened, it cannot flood the log.
        if let kid { metadata["kid"] = "\(kid.count > 64 ? kid.prefix(64) + "…" : kid)" }
        logger.notice("ILP/TCP authentication failed, closing the connection", metadata: metadata)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ILPTCPAuthHandler: Sendable {}
