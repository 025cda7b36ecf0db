import NIOCore
public import StrataCore
public import StrataRedis
public import StrataTiers

/// The Redis tier: per table and symbol the most recent rows in a sorted set trimmed to N, and a
/// pub/sub fan-out of every committed batch, fed by the ``Replicator``.
///
/// Keys (under `keyPrefix`, `strata:` by default):
/// - `rows:<table>:<symbol>` — sorted set; score the row's time in microseconds, member
///   ``RedisRowEncoding/member(row:of:position:)`` (exact row, exact order); trimmed to the
///   table's `recentRows` newest;
/// - `applied:<table>` — the last log position the tier holds;
/// - channel `live:<table>` — one message per log entry: its position (and, with an `origin`, a
///   space and the writing node's id), then one JSON row per line (``RedisLiveMessage``).
///
/// A call applies its entries in one Lua script, atomically: entries at or below `applied` are
/// skipped (a batch sent again after a restart or a lost reply changes nothing, and publishes
/// nothing again), the rows are added and trimmed, each entry is published, and `applied`
/// moves — so every entry reaches Redis, and its subscribers, exactly once. A Redis that lost
/// entries (restarted without persistence: `applied` behind what the replicator sent before) is
/// refused with ``TierError`` `.rebuildNeeded`, never papered over.
public final class RedisTier: ReplicaTier {
    /// Which tables the tier holds and how many rows per symbol.
    public struct Configuration: Sendable {
        public var keyPrefix: String
        /// Per table (by name): its schema and the rows kept per symbol.
        public var tables: [String: (schema: RecordSchema, recentRows: Int)]
        public var name: String
        /// The node that writes (its id on the first line of each message, so that a node that
        /// also subscribes skips its own rows); empty: none.
        public var origin: String

        public init(
            tables: [(schema: RecordSchema, recentRows: Int)], keyPrefix: String = "strata:", name: String = "redis",
            origin: String = ""
        ) {
            self.keyPrefix = keyPrefix
            self.name = name
            self.origin = origin
            var byName: [String: (schema: RecordSchema, recentRows: Int)] = [:]
            for table in tables { byName[table.schema.name] = table }
            self.tables = byName
        }
    }

    public let client: RedisClient
    public let configuration: Configuration
    let encodings: [String: RedisRowEncoding]
    let decodings: [String: RedisRowDecoding]

    public var name: String { configuration.name }

    /// - Throws: ``TierError`` `.invalidConfiguration` for a `recentRows` below 1.
    public init(client: RedisClient, configuration: Configuration) throws(TierError) {
        for (name, table) in configuration.tables where table.recentRows < 1 {
            throw TierError(.invalidConfiguration, "redis tier: recentRows of table \(name) is \(table.recentRows)")
        }
        self.client = client
        self.configuration = configuration
        encodings = configuration.tables.mapValues { RedisRowEncoding(schema: $0.schema) }
        decodings = configuration.tables.mapValues { RedisRowDecoding(schema: $0.schema) }
    }

    public func rowsKey(table: String, symbol: String) -> String { configuration.keyPrefix + "rows:\(table):\(symbol)" }
    public func appliedKey(table: String) -> String { configuration.keyPrefix + "applied:\(table)" }
    public func channel(table: String) -> String { configuration.keyPrefix + "live:\(table)" }

    /// `KEYS[1]` the applied position; `ARGV`: from, through, rows kept per symbol, the rows'
    /// key prefix, the channel; then per entry its position, its count of symbol groups and its
    /// message, and per group the symbol, its count of rows and that many score-member pairs —
    /// one ZADD per group (in slices `unpack` can take), not one per row.
    static let script = """
        local applied = tonumber(redis.call('GET', KEYS[1]) or '0')
        local from = tonumber(ARGV[1])
        local through = tonumber(ARGV[2])
        if through <= applied then return applied end
        if from > applied + 1 then
            return redis.error_reply('STRATAGAP holds through ' .. applied .. ', sent from ' .. from)
        end
        local keep = tonumber(ARGV[3])
        local prefix = ARGV[4]
        local channel = ARGV[5]
        local touched = {}
        local i = 6
        while i <= #ARGV do
            local position = tonumber(ARGV[i])
            local groups = tonumber(ARGV[i + 1])
            local message = ARGV[i + 2]
            i = i + 3
            for g = 1, groups do
                local key = prefix .. ARGV[i]
                local last = i + 1 + 2 * tonumber(ARGV[i + 1])
                i = i + 2
                if position > applied then
                    while i <= last do
                        local stop = math.min(last, i + 3999)
                        redis.call('ZADD', key, unpack(ARGV, i, stop))
                        i = stop + 1
                    end
                    touched[key] = true
                end
                i = last + 1
            end
            if position > applied then redis.call('PUBLISH', channel, message) end
        end
        for key, _ in pairs(touched) do redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1)) end
        redis.call('SET', KEYS[1], through)
        return through
        """

    /// Applies `entries` of `table` atomically and exactly once (see the type's summary).
    /// - Throws: ``TierError`` `.unavailable` when Redis cannot be reached or refuses,
    ///   `.rebuildNeeded` when Redis lost entries it had confirmed.
    public func apply(table: String, entries: [LogEntry]) async throws {
        guard let first = entries.first, let last = entries.last else { return }
        guard let encoding = encodings[table], let recentRows = configuration.tables[table]?.recentRows else {
            throw TierError(.invalidConfiguration, "redis tier: table \(table) is not configured")
        }
        let command = Self.command(
            encoding: encoding, entries: entries, appliedKey: appliedKey(table: table),
            arguments: [
                String(first.position), String(last.position), String(recentRows),
                configuration.keyPrefix + "rows:\(table):", channel(table: table),
            ],
            origin: configuration.origin)
        let reply: RESPValue
        do { reply = try await client.send(command) } catch {
            if case .server(let message) = error, message.hasPrefix("STRATAGAP") {
                throw TierError(.rebuildNeeded, "redis tier: Redis lost entries of \(table): \(message)")
            }
            throw TierError(.unavailable, "redis tier: \(error)")
        }
        guard let applied = reply.int, applied >= Int64(last.position) else {
            throw TierError(.unavailable, "redis tier: unexpected reply \(reply)")
        }
    }

    /// The script's call for `entries`: every row's JSON written once, into a scratch buffer,
    /// then copied into the entry's message and into its member.
    static func command(
        encoding: RedisRowEncoding, entries: [LogEntry], appliedKey: String, arguments: [String], origin: String
    ) -> RedisCommand {
        // Per entry: the rows grouped by symbol (counting sort on the symbol slot, rows in order).
        var groupings: [(order: [Int32], starts: [Int], groups: Int)] = []
        groupings.reserveCapacity(entries.count)
        var argumentCount = 4 + arguments.count
        var bytes = 0
        for entry in entries {
            let batch = entry.batch
            var counts = [Int](repeating: 0, count: batch.symbols.count + 1)
            for slot in batch.symbolIndex { counts[Int(slot) + 1] += 1 }
            for s in 0..<batch.symbols.count { counts[s + 1] += counts[s] }
            let starts = counts
            var order = [Int32](repeating: 0, count: batch.count)
            for row in 0..<batch.count {
                let slot = Int(batch.symbolIndex[row])
                order[counts[slot]] = Int32(row)
                counts[slot] += 1
            }
            let groups = (0..<batch.symbols.count).count { starts[$0 + 1] > starts[$0] }
            argumentCount += 3 + 2 * groups + 2 * batch.count
            bytes += batch.count * 2 * (RedisRowEncoding.memberPrefixLength + 48 * batch.columns.count)
            groupings.append((order, starts, groups))
        }
        var command = RedisCommand(argumentCount: argumentCount, capacity: bytes + 4_096)
        command.append("EVAL")
        command.append(script)
        command.append("1")
        command.append(appliedKey)
        for argument in arguments { command.append(argument) }
        var json = ByteBuffer()
        var ends: [Int] = []
        for (entry, grouping) in zip(entries, groupings) {
            let batch = entry.batch
            json.clear()
            ends.removeAll(keepingCapacity: true)
            for row in 0..<batch.count {
                encoding.writeJSON(row: row, of: batch, into: &json)
                ends.append(json.writerIndex)
            }
            let header = String(entry.position) + (origin.isEmpty ? "" : " " + origin)
            command.append(Int64(entry.position))
            command.append(Int64(grouping.groups))
            command.append(length: header.utf8.count + batch.count + json.readableBytes) { buffer in
                buffer.writeString(header)
                var start = 0
                for end in ends {
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    buffer.writeBytes(json.readableBytesView[start..<end])
                    start = end
                }
            }
            for slot in 0..<batch.symbols.count where grouping.starts[slot + 1] > grouping.starts[slot] {
                command.append(batch.symbols[slot])
                command.append(Int64(grouping.starts[slot + 1] - grouping.starts[slot]))
                for index in grouping.starts[slot]..<grouping.starts[slot + 1] {
                    let row = Int(grouping.order[index])
                    let time = batch.columns[encoding.timestampLane][row]
                    command.append(encoding.score(time: time))
                    let start = row == 0 ? 0 : ends[row - 1]
                    command.append(length: RedisRowEncoding.memberPrefixLength + ends[row] - start) { buffer in
                        encoding.writeMemberPrefix(time: time, position: entry.position, row: row, into: &buffer)
                        buffer.writeBytes(json.readableBytesView[start..<ends[row]])
                    }
                }
            }
        }
        return command
    }

    /// The last log position of `table` Redis holds (0 for none).
    public func appliedPosition(table: String) async throws -> UInt64 {
        let reply = try await client.send(["GET", .string(appliedKey(table: table))])
        return reply.string.flatMap { UInt64($0) } ?? 0
    }

    /// The newest `limit` rows of `symbol` as JSON objects, newest first, or `nil` when Redis
    /// holds fewer (it cannot answer fully: older rows live in the system of record).
    public func latest(table: String, symbol: String, limit: Int) async throws -> [String]? {
        guard limit > 0 else { return [] }
        let reply = try await client.send([
            "ZRANGE", .string(rowsKey(table: table, symbol: symbol)), "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0",
            .string(String(limit)),
        ])
        let members = (reply.array ?? []).compactMap(\.string)
        guard members.count >= limit else { return nil }
        return members.map { String(RedisRowEncoding.json(ofMember: $0)) }
    }

    /// Every member of `symbol`'s sorted set, oldest first (for verification).
    public func members(table: String, symbol: String) async throws -> [String] {
        let reply = try await client.send(["ZRANGE", .string(rowsKey(table: table, symbol: symbol)), "0", "-1"])
        return (reply.array ?? []).compactMap(\.string)
    }
}
