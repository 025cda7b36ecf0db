import NIOCore
import StrataRedis
import Testing

@Suite("Redis pub/sub (real redis-server)", RedisTestEnvironment.sharedServer)
struct RedisPubSubTests {
    @Test("SUBSCRIBE and PSUBSCRIBE deliver published messages in order, as RESP3 push frames")
    func subscribe() async throws {
        let configuration = try RedisTestEnvironment.configuration
        let subscriber = try await RedisSubscriber.connect(configuration: configuration)
        let publisher = try await RedisClient.connect(configuration: configuration)
        let prefix = RedisTestEnvironment.prefix("pubsub")
        try await subscriber.subscribe([prefix + "trades"])
        try await subscriber.psubscribe([prefix + "bars.*"])

        var expected: [RedisPubSubMessage] = []
        for index in 0..<100 {
            let channel = index % 2 == 0 ? prefix + "trades" : prefix + "bars.1m"
            let payload: [UInt8] = Array("row \(index)\r\n".utf8) + [0, 255]
            let receivers = try await publisher.send(["PUBLISH", .string(channel), RedisArgument(payload)])
            #expect(receivers == .integer(1))
            expected.append(
                RedisPubSubMessage(
                    channel: channel, pattern: index % 2 == 0 ? nil : prefix + "bars.*",
                    payload: ByteBuffer(bytes: payload)
                ))
        }
        // Published on a channel nobody subscribed to: not delivered.
        #expect(try await publisher.send(["PUBLISH", .string(prefix + "other"), "x"]) == .integer(0))

        var iterator = subscriber.messages.makeAsyncIterator()
        var received: [RedisPubSubMessage] = []
        while received.count < expected.count, let message = await iterator.next() {
            received.append(message)
        }
        #expect(received == expected)

        try await subscriber.unsubscribe([prefix + "trades"])
        #expect(try await publisher.send(["PUBLISH", .string(prefix + "trades"), "gone"]) == .integer(0))
        await subscriber.close()
        // The stream finishes when the connection closes.
        #expect(await iterator.next() == nil)
        await publisher.close()
    }
}
