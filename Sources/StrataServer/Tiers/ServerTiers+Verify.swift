import Strata
import StrataCore
import StrataPostgres
import StrataPostgresTier
import StrataRedisTier
import StrataTiers

/// One difference reconciliation found between a tier and the system of record.
public struct TierDifference: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var tier: String
    /// The symbol, or nil for a difference of the whole tier (unreachable).
    public var symbol: String?
    /// `count`, `checksum`, `order`, `extra symbol`, `unreachable`.
    public var kind: String
    /// Rows the tier is meant to hold, and rows it holds.
    public var expectedRows: Int
    public var heldRows: Int
    public var detail: String

    public var description: String {
        "\(table) \(tier)\(symbol.map { " \($0)" } ?? ""): \(kind) (expected \(expectedRows) rows, holds \(heldRows))"
            + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// What ``ServerTiers/verify(table:)`` compared and found.
public struct TiersVerification: Sendable {
    /// Per table and tier, the symbols compared.
    public var checked: [(table: String, tier: String, symbols: Int, rows: Int)] = []
    public var differences: [TierDifference] = []
    /// Whether every tier had applied everything committed when the comparison began.
    public var caughtUp = true
}

extension ServerTiers {
    /// Reconciliation: each tier's rows compared with the system of record's — per symbol the
    /// count, an order-independent checksum and the order (``RowDigest``) — over what the tier is
    /// meant to hold: the memory tier its rings (the system of record's newest rows, as many),
    /// Redis the newest `tiers.redis.rows` per symbol, PostgreSQL every row.
    ///
    /// Waits (up to `timeout`) for the tiers to apply what was committed, so a backlog in flight is
    /// not reported as a difference; a tier still behind is compared anyway (and differs).
    /// - Parameter table: one table, or nil for every table with tiers.
    public func verify(table: String? = nil, timeout: Duration = .seconds(10)) async -> TiersVerification {
        var result = TiersVerification()
        result.caughtUp = await waitUntilCaughtUp(timeout: timeout)
        for name in tables.keys.sorted() where table == nil || table == name {
            let tiers = tables[name]!
            guard let reader = store.reader(named: name) else { continue }
            let textLanes = Set(Replicator.textLanes(of: tiers.schema))
            let symbols = reader.symbols().map(\.name)
            for kind in tiers.route.write {
                var compared = 0
                var rows = 0
                do {
                    // Per tier: the symbols it holds, a symbol's rows there, and what it is meant to hold.
                    let heldSymbols: [String]
                    let heldRows: (String) async throws -> RowSet
                    let expected: (_ symbol: String, _ held: RowSet) throws -> RowDigest
                    switch kind {
                    case .memory:
                        guard let memory else { continue }
                        heldSymbols = memory.heldSymbols(table: name)
                        heldRows = { memory.heldRows(table: name, symbol: $0) ?? RowSet(columnCount: 0) }
                        expected = { symbol, held in try self.newest(reader, symbol, held.count) }
                    case .redis:
                        guard let redis else { continue }
                        let tier = try await redis.lazy.get()
                        let keep = tier.recentRows(table: name) ?? 0
                        heldSymbols = try await tier.heldSymbols(table: name)
                        heldRows = { try await tier.heldRows(table: name, symbol: $0) }
                        expected = { symbol, _ in try self.newest(reader, symbol, keep) }
                    case .postgresql:
                        guard let postgres else { continue }
                        guard let replica = try postgres.tier().table(named: name) else { continue }
                        heldSymbols = replica.symbols()
                        heldRows = { try replica.range(symbol: $0, from: .min, to: .max, limit: Int(Int32.max)) }
                        expected = { symbol, _ in try self.everything(reader, symbol, textLanes) }
                    }
                    for symbol in Set(symbols + heldSymbols).sorted() {
                        let held = try await heldRows(symbol)
                        compare(
                            &result, name, kind.rawValue, symbol, expected: try expected(symbol, held),
                            held: RowDigest(symbol: symbol, rows: held, textLanes: textLanes),
                            known: symbols.contains(symbol))
                        compared += 1
                        rows += held.count
                    }
                } catch {
                    result.differences.append(
                        TierDifference(
                            table: name, tier: kind.rawValue, symbol: nil, kind: "unreachable", expectedRows: 0,
                            heldRows: 0, detail: "\(error)"))
                }
                result.checked.append((name, kind.rawValue, compared, rows))
            }
        }
        return result
    }

    /// The system of record's newest `count` rows of `symbol`, oldest first.
    private func newest(_ reader: TableReader, _ symbol: String, _ count: Int) throws -> RowDigest {
        let textLanes = Set(Replicator.textLanes(of: reader.schema))
        let rows = try reader.latest(symbol: Symbol(unchecked: symbol), limit: count)
        var ordered = RowSet(columns: rows.columns.map { Array($0.reversed()) })
        ordered.texts = rows.texts
        return RowDigest(symbol: symbol, rows: ordered, textLanes: textLanes)
    }

    /// Every row of `symbol` in the system of record, oldest first, page by page.
    private func everything(_ reader: TableReader, _ symbol: String, _ textLanes: Set<Int>) throws -> RowDigest {
        var digest = RowDigest(symbol: symbol, rows: RowSet(columnCount: 0), textLanes: [])
        var cursor: RangeCursor?
        repeat {
            let page = try reader.range(
                symbol: Symbol(unchecked: symbol), from: Timestamp(nanoseconds: .min),
                to: Timestamp(nanoseconds: .max), limit: 100_000, after: cursor)
            digest.add(RowDigest(symbol: symbol, rows: page.rows, textLanes: textLanes))
            cursor = page.next
        } while cursor != nil
        return digest
    }

    private func compare(
        _ result: inout TiersVerification, _ table: String, _ tier: String, _ symbol: String, expected: RowDigest,
        held: RowDigest, known: Bool
    ) {
        func differ(_ kind: String, _ detail: String = "") {
            result.differences.append(
                TierDifference(
                    table: table, tier: tier, symbol: symbol, kind: kind, expectedRows: expected.count,
                    heldRows: held.count, detail: detail))
        }
        if !known && held.count > 0 {
            differ("extra symbol", "the system of record has no row of it")
        } else if expected.count != held.count {
            differ("count")
        } else if expected.checksum != held.checksum {
            differ("checksum")
        } else if !expected.sameRowsInOrder(as: held) {
            differ("order")
        }
    }
}
