public import StrataCore
import StrataRedis
public import StrataTiers

/// The Redis tier as a read tier of a composite (``TieredReader``): it answers from its sorted
/// sets only what it holds **fully**.
///
/// - latest-N: when the symbol's set has at least N rows (fewer: older rows may exist only in the
///   system of record).
/// - a range `[from, to)`: when the oldest row held is older than `from` (trimming takes the
///   oldest rows, so every row at or after `from` is still held).
extension RedisTier: ReadableTier {
    public func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet? {
        guard let decoding = decodings[table] else { return nil }
        guard let members = try await latestMembers(table: table, symbol: symbol, limit: limit) else { return nil }
        return try decoding.rows(members)
    }

    public func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet? {
        guard let decoding = decodings[table], let encoding = encodings[table] else { return nil }
        let key = rowsKey(table: table, symbol: symbol)
        let oldest = try await client.send(["ZRANGE", .string(key), "0", "0"])
        guard let first = oldest.array?.first?.string, let oldestTime = RedisRowDecoding.time(ofMember: first),
            oldestTime < from
        else { return nil }
        guard from < to, limit > 0 else { return RowSet(columnCount: decoding.laneCount) }
        let reply = try await client.send([
            "ZRANGE", .string(key), .string(String(encoding.score(time: from))),
            .string(String(encoding.score(time: to - 1))), "BYSCORE",
        ])
        let members = (reply.array ?? []).compactMap(\.string).filter { member in
            guard let time = RedisRowDecoding.time(ofMember: member) else { return false }
            return time >= from && time < to
        }
        return try decoding.rows(Array(members.prefix(limit)))
    }

    /// The newest `limit` members of `symbol`, newest first, or `nil` when fewer are held.
    func latestMembers(table: String, symbol: String, limit: Int) async throws -> [String]? {
        guard limit > 0 else { return [] }
        let reply = try await client.send([
            "ZRANGE", .string(rowsKey(table: table, symbol: symbol)), "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0",
            .string(String(limit)),
        ])
        let members = (reply.array ?? []).compactMap(\.string)
        return members.count >= limit ? members : nil
    }

    /// Every row Redis holds of `symbol`, oldest first (for verification).
    /// - Throws: ``TierError`` `.invalidConfiguration` for a table the tier does not hold;
    ///   `.corruptFile` for a member that does not decode; what Redis throws.
    public func heldRows(table: String, symbol: String) async throws -> RowSet {
        guard let decoding = decodings[table] else {
            throw TierError(.invalidConfiguration, "redis tier: table \(table) is not configured")
        }
        return try decoding.rows(try await members(table: table, symbol: symbol))
    }

    /// The symbols with a set of `table` (SCAN over `rows:<table>:*`).
    public func heldSymbols(table: String) async throws -> [String] {
        let prefix = rowsKey(table: table, symbol: "")
        var cursor = "0"
        var symbols = Set<String>()
        repeat {
            let reply = try await client.send([
                "SCAN", .string(cursor), "MATCH", .string(prefix + "*"), "COUNT", "1000",
            ])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { break }
            cursor = next
            for key in parts[1].array ?? [] {
                if let key = key.string, key.hasPrefix(prefix) { symbols.insert(String(key.dropFirst(prefix.count))) }
            }
        } while cursor != "0"
        return symbols.sorted()
    }

    /// The rows per symbol the tier keeps for `table`.
    public func recentRows(table: String) -> Int? { configuration.tables[table]?.recentRows }
}
