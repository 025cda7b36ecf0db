public import StrataCore

/// OHLCV bars of a trades table kept by ClickHouse: per timeframe an `AggregatingMergeTree`
/// target table fed by a materialized view (`TO` the target) on the table's inserts.
///
/// A target `<table>_bars_<tf>` holds per (symbol, bucket start) the aggregate states:
/// - `open`/`close`: `argMin`/`argMax` of the price by (time, key) — the trade id breaks ties of
///   equal times, as Strata's own bars do (``Bar``) — never `any`/`anyLast`, which follow
///   insertion order: a late trade lands in the right place whatever order rows arrive in;
/// - `high`/`low`: `max`/`min`; `volume`: `sum` of the quantity (`Decimal128(8)` when merged);
///   `notional`: `sum` of `toDecimal128(price) × quantity` (`Decimal128(16)`, exact, as
///   ``Notional``); `trades`: `count`;
/// - `positions`: `sumMap([_position], [1])`, how many rows each log position contributed: what
///   lets the tier see whether a view got a batch the table got (``ClickHouseTier``'s recovery).
///
/// Buckets are aligned to the epoch (`time − time mod width`, floored for negative times as
/// Strata does). Partitioned by month like the table, ordered by (symbol, start). Reads merge
/// the states (`argMinMerge`…) grouped by bucket, so unmerged parts never show twice.
///
/// Bars exist for a table whose schema has a required `price` and `qty` decimal column at
/// ``Price/scale`` and ``Quantity/scale`` and an `int64` key (trades, aggregated trades).
public struct ClickHouseBarViews: Sendable, Hashable {
    public let layout: ClickHouseTableLayout
    /// The timeframes kept, finest first; each divides a day.
    public let timeframes: [Timeframe]
    let price: String
    let quantity: String
    let key: String

    /// The views of `layout`'s table, or nil when its schema has no bars (see the type's summary).
    public init?(layout: ClickHouseTableLayout, timeframes: [Timeframe] = Timeframe.standard) {
        let schema = layout.schema
        guard let price = schema.column(named: "price"), let quantity = schema.column(named: "qty"),
            price.kind == .decimal(scale: Price.scale), quantity.kind == .decimal(scale: Quantity.scale),
            price.rules.required, quantity.rules.required, let key = schema.key,
            schema.column(named: key.column)?.kind == .int64
        else { return nil }
        let day = Timeframe.oneDay.minutes
        let kept = timeframes.filter { day % $0.minutes == 0 }.sorted()
        guard !kept.isEmpty else { return nil }
        self.layout = layout
        self.timeframes = kept
        self.price = ClickHouseSQL.quote(identifier: price.name)
        self.quantity = ClickHouseSQL.quote(identifier: quantity.name)
        self.key = ClickHouseSQL.quote(identifier: key.column)
    }

    /// The target table of `timeframe`: `<table>_bars_1m`.
    public func targetName(_ timeframe: Timeframe) -> String { "\(layout.name)_bars_\(timeframe)" }
    /// The materialized view of `timeframe`: `<table>_bars_1m_mv`.
    public func viewName(_ timeframe: Timeframe) -> String { targetName(timeframe) + "_mv" }

    func qualified(_ database: String, _ name: String) -> String {
        ClickHouseSQL.quote(identifier: database) + "." + ClickHouseSQL.quote(identifier: name)
    }

    /// The target tables' and views' DDL, targets first.
    public func createStatements(database: String) -> [String] {
        var statements: [String] = []
        for timeframe in timeframes {
            statements.append(
                """
                CREATE TABLE IF NOT EXISTS \(qualified(database, targetName(timeframe))) (
                    symbol String,
                    start Int64,
                    open AggregateFunction(argMin, Decimal64(\(Price.scale)), Tuple(Int64, Int64)),
                    high AggregateFunction(max, Decimal64(\(Price.scale))),
                    low AggregateFunction(min, Decimal64(\(Price.scale))),
                    close AggregateFunction(argMax, Decimal64(\(Price.scale)), Tuple(Int64, Int64)),
                    volume AggregateFunction(sum, Decimal64(\(Quantity.scale))),
                    notional AggregateFunction(sum, Decimal128(\(Notional.scale))),
                    trades AggregateFunction(count),
                    positions AggregateFunction(sumMap, Array(UInt64), Array(UInt64))
                ) ENGINE = AggregatingMergeTree
                PARTITION BY \(ClickHouseSQL.monthExpression("start"))
                ORDER BY (symbol, start)
                """)
        }
        for timeframe in timeframes {
            statements.append(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS \(qualified(database, viewName(timeframe))) TO "
                    + qualified(database, targetName(timeframe)) + " AS "
                    + select(timeframe, database: database, where: nil))
        }
        return statements
    }

    /// The view's query: the states of one timeframe from the table's rows (`where` narrows it:
    /// what the tier's recovery re-derives a view's missing batch with).
    public func select(_ timeframe: Timeframe, database: String, where condition: String?) -> String {
        // Typed: a bare literal this large is a UInt64, and Int64 % UInt64 is unsigned arithmetic.
        let width = "toInt64(\(timeframe.nanoseconds))"
        let time = layout.timeColumn
        let order = "(\(time), \(key))"
        return """
            SELECT \(layout.symbolColumn) AS symbol, \(time) - ((\(time) % \(width)) + \(width)) % \(width) AS start, \
            argMinState(\(price), \(order)) AS open, maxState(\(price)) AS high, minState(\(price)) AS low, \
            argMaxState(\(price), \(order)) AS close, sumState(\(quantity)) AS volume, \
            sumState(toDecimal128(\(price), \(Price.scale)) * \(quantity)) AS notional, countState() AS trades, \
            sumMapState([\(ClickHouseTableLayout.positionColumn)], [toUInt64(1)]) AS positions \
            FROM \(layout.qualifiedName(database: database))\(condition.map { " WHERE " + $0 } ?? "") \
            GROUP BY symbol, start
            """
    }

    /// The stored timeframe a read of `timeframe` (shifted by `shift`) rolls up from: the
    /// coarsest kept one that divides both, or nil.
    public func source(for timeframe: Timeframe, shift: Int64) -> Timeframe? {
        timeframes.reversed().first { timeframe.nanoseconds % $0.nanoseconds == 0 && shift % $0.nanoseconds == 0 }
    }
}
