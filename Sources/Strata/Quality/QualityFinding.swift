public import StrataCore

/// A rule of the data-quality monitor (see ``QualityMonitor`` for what each checks).
public enum QualityRule: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A price beyond the configured band around the median of the symbol's recent prices.
    case priceJump = "price_jump"
    /// A row older than the newest of its symbol by more than the reorder tolerance.
    case backwards
    /// More trading time than the gap interval between two consecutive rows of a symbol.
    case gap
    /// More trading time than the stale interval since a symbol's last row arrived.
    case stale
    /// A row whose key the table already holds.
    case duplicate
    /// A quote whose best bid is at or above its best ask.
    case crossed

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.index < rhs.index
    }
}

/// One rule that failed on one row (or, for ``QualityRule/stale``, one silence): a row of the
/// `quality_findings` table.
public struct QualityFinding: Sendable, Hashable, CustomStringConvertible {
    public var rule: QualityRule
    /// The table the row went to.
    public var table: String
    public var symbol: Symbol
    /// The row's time (for `stale`: when the silence was noticed).
    public var time: Timestamp
    /// What was measured, exact: the price (`price_jump`), the bid (`crossed`), seconds
    /// (`backwards`, `gap`, `stale`), the key (`duplicate`).
    public var value: ExactAmount
    /// The same in words, with what it was measured against.
    public var detail: String

    public init(
        rule: QualityRule, table: String, symbol: Symbol, time: Timestamp, value: ExactAmount, detail: String
    ) {
        self.rule = rule
        self.table = table
        self.symbol = symbol
        self.time = time
        self.value = value
        self.detail = detail
    }

    public var description: String { "\(time.iso8601) \(rule.rawValue) \(table) \(symbol): \(detail)" }

    /// The findings table: a user-visible time series, queryable like any table
    /// (`GET /api/v1/quality_findings/range?symbol=…`), kept by the store's retention.
    /// - Throws: never in practice (``SchemaError`` if its fixed declaration were invalid;
    ///   `QualityMonitorTests` reads the table back).
    public static var schema: RecordSchema {
        get throws(SchemaError) { try declared.get() }
    }

    private static let declared: Result<RecordSchema, SchemaError> = {
        let text = { (length: Int) in ColumnRules(maximumLength: length) }
        return Result { () throws(SchemaError) -> RecordSchema in
            try RecordSchema(
                name: "quality_findings",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol),
                    SchemaColumn("rule", .text, rules: text(32)), SchemaColumn("table", .text, rules: text(128)),
                    SchemaColumn("value", .decimal(scale: valueScale)),
                    SchemaColumn("detail", .text, rules: text(1_000)),
                ],
                timestamp: "ts")
        }
    }()

    /// The scale of the `value` column (prices' scale; a finer decimal is cut toward zero).
    public static let valueScale = 8

    /// As a row of ``schema``.
    var row: Row {
        var mantissa = value.mantissa
        var scale = value.scale
        while scale > Self.valueScale {
            mantissa /= 10
            scale -= 1
        }
        while scale < Self.valueScale {
            mantissa *= 10
            scale += 1
        }
        let clamped = Int128(Int64.max - 1)
        mantissa = max(-clamped, min(clamped, mantissa))
        return Row(
            symbol: symbol,
            [
                "ts": .timestamp(time), "rule": .text(rule.rawValue), "table": .text(table),
                "value": .decimal(ExactAmount(mantissa: mantissa, scale: Self.valueScale)), "detail": .text(detail),
            ])
    }

    /// From a row of ``schema`` (nil for a row this version cannot read).
    init?(row: Row) {
        guard case .timestamp(let time) = row["ts"], case .text(let ruleName) = row["rule"],
            let rule = QualityRule(rawValue: ruleName), case .text(let table) = row["table"],
            case .decimal(let value) = row["value"], case .text(let detail) = row["detail"]
        else { return nil }
        self.init(rule: rule, table: table, symbol: row.symbol, time: time, value: value, detail: detail)
    }
}
