import StrataCore
import StrataTiers
import Synchronization

extension ClickHouseTier {
    /// The slow path of ``apply(table:entries:)``: finds what ClickHouse already holds of
    /// `entries` and completes the rest (see the type's summary).
    func recover(_ entries: [LogEntry], of prepared: Prepared, table: String) async throws {
        guard let first = entries.first?.position else { return }
        try await waitForRunningWrites(table: table)
        let ledger = try await appliedPosition(table: table)
        if first > 1 && ledger < first - 1 {
            throw TierError(
                .rebuildNeeded,
                "clickhouse tier: ClickHouse lost entries of \(table): its ledger holds through \(ledger), the batch starts at \(first)"
            )
        }
        let pending = entries.filter { $0.position > ledger }
        state.withLock { $0.skippedEntries += entries.count - pending.count }
        guard let from = pending.first?.position, let through = pending.last?.position else { return }
        // What the batch has, per unit; and the span of time and symbols it covers.
        var expected: [Unit: Int] = [:]
        var low = Int64.max
        var high = Int64.min
        var symbols = Set<String>()
        for entry in pending {
            for (month, rows) in prepared.encoder.rowsByMonth(entry) {
                expected[Unit(position: entry.position, month: month)] = rows.count
            }
            for time in entry.batch.columns[prepared.encoder.timeLane] {
                low = min(low, time)
                high = max(high, time)
            }
            symbols.formUnion(entry.batch.symbols)
        }
        let symbolFilter =
            symbols.count <= 256
            ? " AND \(prepared.layout.symbolColumn) IN (\(symbols.sorted().map(ClickHouseSQL.quote(string:)).joined(separator: ", ")))"
            : ""
        let time = prepared.layout.timeColumn
        let stored = try await counts(
            """
            SELECT \(ClickHouseTableLayout.positionColumn), \(ClickHouseSQL.monthExpression(time)) AS m, count() \
            FROM \(prepared.layout.qualifiedName(database: database)) \
            WHERE \(ClickHouseTableLayout.positionColumn) >= \(from) AND \(ClickHouseTableLayout.positionColumn) <= \(through) \
            AND \(time) >= \(low) AND \(time) <= \(high)\(symbolFilter) \
            GROUP BY \(ClickHouseTableLayout.positionColumn), m
            """)
        var viewCounts: [Timeframe: [Unit: Int]] = [:]
        if let views = prepared.views {
            let symbolFilter =
                symbols.count <= 256
                ? " AND symbol IN (\(symbols.sorted().map(ClickHouseSQL.quote(string:)).joined(separator: ", ")))" : ""
            for timeframe in views.timeframes {
                let width = timeframe.nanoseconds
                let lowBucket = low - ((low % width) + width) % width
                viewCounts[timeframe] = try await positionsInView(
                    """
                    SELECT m, tupleElement(s, 1), tupleElement(s, 2) FROM (\
                    SELECT \(ClickHouseSQL.monthExpression("start")) AS m, sumMapMerge(positions) AS s \
                    FROM \(views.qualified(database, views.targetName(timeframe))) \
                    WHERE start >= \(lowBucket) AND start <= \(high)\(symbolFilter) GROUP BY m)
                    """, from: from, through: through)
            }
        }
        var missing = Set<Unit>()
        var repairs: [Timeframe: Set<Unit>] = [:]
        for (unit, rows) in expected {
            let have = stored[unit] ?? 0
            if have == 0 {
                for (timeframe, counts) in viewCounts where (counts[unit] ?? 0) != 0 {
                    throw partial(
                        table, unit,
                        "the table has none of its \(rows) rows, the \(timeframe) bars have \(counts[unit]!)")
                }
                missing.insert(unit)
            } else if have == rows {
                for (timeframe, counts) in viewCounts {
                    let inView = counts[unit] ?? 0
                    if inView == 0 {
                        repairs[timeframe, default: []].insert(unit)
                    } else if inView != rows {
                        throw partial(table, unit, "the \(timeframe) bars counted \(inView) of its \(rows) rows")
                    }
                }
            } else {
                throw partial(table, unit, "the table holds \(have) of its \(rows) rows")
            }
        }
        if !missing.isEmpty {
            try await insert(pending, of: prepared, table: table, only: missing)
        }
        if let views = prepared.views {
            for (timeframe, units) in repairs.sorted(by: { $0.key < $1.key }) {
                try await repair(views, timeframe, units: units)
            }
        }
        try await recordLedger(pending, table: table)
    }

    /// Waits until no earlier write of the tier to `table` is still running in ClickHouse (a
    /// timeout ends the client's wait, not the server's insert: counting before it ends could
    /// insert its rows a second time), up to the query timeout.
    /// - Throws: ``TierError`` `.unavailable` when one still runs after that.
    func waitForRunningWrites(table: String) async throws {
        let prefix = queryIDPrefix(table: table)
        let query =
            "SELECT count() FROM system.processes WHERE startsWith(query_id, \(ClickHouseSQL.quote(string: prefix)))"
        let deadline = ContinuousClock.now + client.configuration.queryTimeout
        while true {
            let running = try await client.rows(query).first?.first.flatMap { Int($0) } ?? 0
            if running == 0 { return }
            guard ContinuousClock.now < deadline else {
                throw TierError(
                    .unavailable, "clickhouse tier: \(running) earlier write(s) of \(table) still running in ClickHouse"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Re-derives the states of `units` for one view from the table's rows.
    private func repair(_ views: ClickHouseBarViews, _ timeframe: Timeframe, units: Set<Unit>) async throws {
        let time = views.layout.timeColumn
        var byMonth: [Int: [UInt64]] = [:]
        for unit in units { byMonth[unit.month, default: []].append(unit.position) }
        for (month, positions) in byMonth.sorted(by: { $0.key < $1.key }) {
            let condition =
                "\(ClickHouseTableLayout.positionColumn) IN (\(positions.sorted().map(String.init).joined(separator: ", "))) AND \(ClickHouseSQL.monthExpression(time)) = \(month)"
            try await client.execute(
                "INSERT INTO \(views.qualified(database, views.targetName(timeframe))) "
                    + views.select(timeframe, database: database, where: condition),
                settings: Self.insertSettings(rows: 0), queryID: queryID(table: views.layout.name))
        }
        state.withLock { $0.repairedViewUnits += units.count }
    }

    private func partial(_ table: String, _ unit: Unit, _ what: String) -> TierError {
        TierError(
            .rebuildNeeded,
            "clickhouse tier: \(table) holds log position \(unit.position) (month \(unit.month)) partly: \(what)")
    }

    /// Rows `position, month, count` as counts per unit.
    private func counts(_ query: String) async throws -> [Unit: Int] {
        var counts: [Unit: Int] = [:]
        for row in try await client.rows(query) {
            guard row.count == 3, let position = UInt64(row[0]), let month = Int(row[1]), let count = Int(row[2]) else {
                throw ClickHouseError(.badResponse, "unexpected row \(row)", statement: query)
            }
            counts[Unit(position: position, month: month)] = count
        }
        return counts
    }

    /// Rows `month, [positions], [counts]` as counts per unit, positions in `from...through` only.
    private func positionsInView(_ query: String, from: UInt64, through: UInt64) async throws -> [Unit: Int] {
        var counts: [Unit: Int] = [:]
        for row in try await client.rows(query) {
            guard row.count == 3, let month = Int(row[0]), let positions = ClickHouseSQL.parseIntegerArray(row[1]),
                let values = ClickHouseSQL.parseIntegerArray(row[2]), positions.count == values.count
            else { throw ClickHouseError(.badResponse, "unexpected row \(row)", statement: query) }
            for (position, count) in zip(positions, values) where (from...through).contains(UInt64(position)) {
                counts[Unit(position: UInt64(position), month: month), default: 0] += Int(count)
            }
        }
        return counts
    }
}
