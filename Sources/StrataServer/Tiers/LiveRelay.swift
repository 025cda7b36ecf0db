import Logging
import Strata
import StrataCore
import StrataRedis
import StrataRedisTier
import Synchronization

/// Several API nodes, one live feed (`tiers.redis.subscribe`): this node subscribes to the Redis
/// tier's channel `<prefix>live:<table>` of each listed table and hands the rows other nodes
/// stored to its own live-feed clients (``Strata/DynamicTable/relayLive(_:)``).
///
/// - A message from this node (its id on the message's first line, ``RedisLiveMessage``) is
///   skipped: its rows reached its clients when they were committed here, so no row is delivered
///   twice on a node that both stores and subscribes.
/// - Per channel and writing node, a position at or below the last one relayed is skipped (the
///   Redis tier publishes each log entry once; this guards a resubscription).
/// - The subscription is made again (every second) when Redis drops it; what was published
///   meanwhile is not replayed (pub/sub), as a live feed's client would miss it while reconnecting.
final class LiveRelay: Sendable {
    let nodeID: String
    private let configuration: RedisConfiguration
    private let tables: [String: DynamicTable]
    private let logger: Logger
    private let relayed = Mutex<(rows: Int, skipped: Int, malformed: Int)>((0, 0, 0))

    /// - Parameter tables: by channel name.
    init(nodeID: String, configuration: RedisConfiguration, tables: [String: DynamicTable], logger: Logger) {
        self.nodeID = nodeID
        self.configuration = configuration
        self.tables = tables
        self.logger = logger
    }

    /// Rows handed to the live feed, messages skipped (own or repeated), messages that did not decode.
    var counts: (rows: Int, skipped: Int, malformed: Int) { relayed.withLock { $0 } }

    /// Subscribes and relays until the task is cancelled.
    func run() async {
        var last: [String: UInt64] = [:]
        while !Task.isCancelled {
            do {
                let subscriber = try await RedisSubscriber.connect(configuration: configuration, logger: logger)
                try await subscriber.subscribe(Array(tables.keys).sorted())
                await withTaskCancellationHandler {
                    for await message in subscriber.messages {
                        guard let table = tables[message.channel] else { continue }
                        let parsed: RedisLiveMessage
                        do { parsed = try RedisLiveMessage(message.text, schema: table.schema) } catch {
                            relayed.withLock { $0.malformed += 1 }
                            continue
                        }
                        let key = message.channel + " " + parsed.origin
                        if parsed.origin == nodeID || (last[key].map { parsed.position <= $0 } ?? false) {
                            relayed.withLock { $0.skipped += 1 }
                            continue
                        }
                        last[key] = parsed.position
                        table.relayLive(parsed.batch)
                        relayed.withLock { $0.rows += parsed.batch.count }
                    }
                } onCancel: {
                    Task { await subscriber.close() }
                }
                await subscriber.close()
            } catch {
                logger.debug("live relay: Redis subscription failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
