public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// The state of one pooled connection, for health.
public enum RedisConnectionState: Sendable, Hashable {
    case connected
    /// Lost (or never made): `attempt` failed reconnects so far, and the last error.
    case reconnecting(attempt: Int, lastError: String)
    case closed
}

/// The pool's health: one state per connection.
public struct RedisHealth: Sendable, Hashable {
    public var connections: [RedisConnectionState]

    public var connectedCount: Int { connections.filter { $0 == .connected }.count }
    /// Every connection is up.
    public var isHealthy: Bool { !connections.isEmpty && connectedCount == connections.count }
    /// The most recent error of a connection that is reconnecting, if any.
    public var lastError: String? {
        for state in connections {
            if case .reconnecting(_, let error) = state { return error }
        }
        return nil
    }
}

/// A small pool of `RedisConnection`s. Commands go round-robin to the connections that are up;
/// each connection that is lost is remade in the background with exponential backoff and jitter
/// while the others carry on. When none is up, commands fail at once with
/// `RedisError.notConnected` (a caller's circuit breaker decides what to do), never hang.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let slots: [Slot]
    private let cursor = Atomic<Int>(0)
    private let group: any EventLoopGroup
    private let logger: Logger

    private final class Slot: Sendable {
        struct State {
            var connection: RedisConnection?
            var status: RedisConnectionState
            var task: Task<Void, Never>?
            var closing = false
        }
        let index: Int
        let state: Mutex<State>

        init(index: Int, connection: RedisConnection) {
            self.index = index
            self.state = Mutex(State(connection: connection, status: .connected, task: nil))
        }
    }

    private init(configuration: RedisConfiguration, slots: [Slot], group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.slots = slots
        self.group = group
        self.logger = logger
    }

    /// Opens `poolSize` connections (failing if any cannot be made) and starts watching them.
    public static func connect(
        configuration: RedisConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger? = nil
    ) async throws(RedisError) -> RedisClient {
        guard configuration.poolSize >= 1 else { throw .invalidConfiguration("pool size must be at least 1") }
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        let logger = logger ?? Logger(label: "strata.redis")
        var slots: [Slot] = []
        do throws(RedisError) {
            for index in 0..<configuration.poolSize {
                let connection = try await RedisConnection.connect(
                    configuration: configuration, eventLoopGroup: group, logger: logger)
                slots.append(Slot(index: index, connection: connection))
            }
        } catch {
            for slot in slots {
                let connection = slot.state.withLock { $0.connection }
                await connection?.close()
            }
            throw error
        }
        let client = RedisClient(configuration: configuration, slots: slots, group: group, logger: logger)
        for slot in slots {
            let task = Task { await client.maintain(slot) }
            slot.state.withLock { $0.task = task }
        }
        return client
    }

    /// The state of every connection.
    public var health: RedisHealth {
        RedisHealth(connections: slots.map { slot in slot.state.withLock { $0.status } })
    }

    /// Sends one command on the next live connection.
    public func send(_ command: [RedisArgument], timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await nextConnection().send(command, timeout: timeout)
    }

    /// Sends one command written by a ``RedisCommand`` on the next live connection.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await nextConnection().send(command, timeout: timeout)
    }

    /// Pipelines the commands on one connection (replies in order, one result per command).
    public func pipeline(_ commands: [[RedisArgument]], timeout: Duration? = nil) async throws(RedisError)
        -> [Result<RESPValue, RedisError>]
    {
        try await nextConnection().pipeline(commands, timeout: timeout)
    }

    /// Runs `body` with one live connection (for commands that must share one, like `MULTI`).
    public func withConnection<T>(_ body: (RedisConnection) async throws -> T) async throws -> T {
        try await body(try nextConnection())
    }

    /// Stops reconnecting and closes every connection.
    public func close() async {
        var tasks: [Task<Void, Never>] = []
        for slot in slots {
            let (connection, task) = slot.state.withLock { state -> (RedisConnection?, Task<Void, Never>?) in
                state.closing = true
                state.status = .closed
                defer { state.connection = nil }
                return (state.connection, state.task)
            }
            task?.cancel()
            if let task { tasks.append(task) }
            await connection?.close()
        }
        for task in tasks { await task.value }
    }

    private func nextConnection() throws(RedisError) -> RedisConnection {
        let start = UInt(bitPattern: cursor.wrappingAdd(1, ordering: .relaxed).oldValue)
        var lastError: String?
        for offset in 0..<slots.count {
            let slot = slots[Int((start &+ UInt(offset)) % UInt(slots.count))]
            let (connection, status) = slot.state.withLock { ($0.connection, $0.status) }
            if let connection, connection.isActive { return connection }
            if case .reconnecting(_, let error) = status { lastError = error }
        }
        throw .notConnected(lastError: lastError)
    }

    /// Waits for the slot's connection to close, then remakes it until it succeeds or the client
    /// closes.
    private func maintain(_ slot: Slot) async {
        while true {
            guard let connection = slot.state.withLock({ $0.closing ? nil : $0.connection }) else { return }
            await connection.waitUntilClosed()
            var lastError = "connection lost"
            let stop = slot.state.withLock { state -> Bool in
                if state.closing { return true }
                state.connection = nil
                state.status = .reconnecting(attempt: 0, lastError: lastError)
                return false
            }
            if stop { return }
            logger.warning("redis: connection lost, reconnecting", metadata: ["slot": "\(slot.index)"])
            var attempt = 0
            while true {
                do {
                    try await Task.sleep(for: backoff(attempt: attempt))
                } catch {
                    return
                }
                do {
                    let fresh = try await RedisConnection.connect(
                        configuration: configuration, eventLoopGroup: group, logger: logger)
                    let keep = slot.state.withLock { state -> Bool in
                        guard !state.closing else { return false }
                        state.connection = fresh
                        state.status = .connected
                        return true
                    }
                    if !keep {
                        await fresh.close()
                        return
                    }
                    logger.info(
                        "redis: reconnected", metadata: ["slot": "\(slot.index)", "attempts": "\(attempt + 1)"])
                    break
                } catch {
                    attempt += 1
                    lastError = error.description
                    let stop = slot.state.withLock { state -> Bool in
                        if state.closing { return true }
                        state.status = .reconnecting(attempt: attempt, lastError: lastError)
                        return false
                    }
                    if stop { return }
                }
            }
        }
    }

    /// The delay before reconnect attempt `attempt` (0 first): base × 2^attempt, capped, then
    /// jittered to between half and all of it.
    func backoff(attempt: Int) -> Duration {
        let base = configuration.reconnectBaseDelay
        let cap = configuration.reconnectMaxDelay
        var delay = base
        for _ in 0..<min(attempt, 30) {
            delay *= 2
            if delay >= cap { break }
        }
        delay = min(delay, cap)
        return delay * Double.random(in: 0.5...1.0)
    }
}
