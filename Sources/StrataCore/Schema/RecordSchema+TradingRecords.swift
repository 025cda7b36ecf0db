/// The trading records' tables (issue 9), described as any other table: the event tables of the
/// keyed state a store keeps (orders, jobs, active anomalies) and the signal history. Every store
/// has them (`StrataStore` opens them beside the built-in market data tables); their names are
/// taken like the built-in ones'.
extension RecordSchema {
    private static let optional = ColumnRules(required: false)

    /// Every change of an order (`OrderStore`): one row per event, keyed by the store-wide `seq`.
    public static let orderEvents = RecordSchema(
        unchecked: "order_events",
        columns: [
            SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("seq", .int64),
            SchemaColumn("order_id", .int64), SchemaColumn("event", .text),
            SchemaColumn("user", .text, rules: optional),
            SchemaColumn("client_order_id", .text, rules: optional),
            SchemaColumn("side", .text, rules: optional), SchemaColumn("type", .text, rules: optional),
            SchemaColumn("time_in_force", .text, rules: optional),
            SchemaColumn("price", .decimal(scale: Price.scale), rules: optional),
            SchemaColumn("stop_price", .decimal(scale: Price.scale), rules: optional),
            SchemaColumn("size", .decimal(scale: Quantity.scale), rules: optional),
            SchemaColumn("fill_quantity", .decimal(scale: Quantity.scale), rules: optional),
            SchemaColumn("fill_price", .decimal(scale: Price.scale), rules: optional),
            SchemaColumn("reason", .text, rules: optional),
        ],
        timestamp: "ts", key: RecordKey("seq"))

    /// Every change of a job (`JobStore`); the queue name is the row's symbol.
    public static let jobEvents = RecordSchema(
        unchecked: "job_events",
        columns: [
            SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("seq", .int64),
            SchemaColumn("job_id", .int64), SchemaColumn("event", .text),
            SchemaColumn("payload", .text, rules: optional), SchemaColumn("priority", .int64, rules: optional),
            SchemaColumn("not_before", .timestamp, rules: optional),
            SchemaColumn("worker", .text, rules: optional), SchemaColumn("token", .int64, rules: optional),
            SchemaColumn("expires", .timestamp, rules: optional), SchemaColumn("error", .text, rules: optional),
            SchemaColumn("retry_at", .timestamp, rules: optional),
        ],
        timestamp: "ts", key: RecordKey("seq"))

    /// Every save and removal of an active anomaly (`AnomalyStore`); the row's symbol is the
    /// anomaly's (``ActiveAnomalies/marketWide`` for one of the whole market).
    public static let anomalyEvents = RecordSchema(
        unchecked: "anomaly_events",
        columns: [
            SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("seq", .int64),
            SchemaColumn("type", .text), SchemaColumn("event", .text),
            SchemaColumn("severity", .float64, rules: optional), SchemaColumn("message", .text, rules: optional),
            SchemaColumn("metadata", .text, rules: optional),
            SchemaColumn("detected_at", .timestamp, rules: optional),
        ],
        timestamp: "ts", key: RecordKey("seq"))

    /// Strategy signals (``Signal``), a time series keyed by the signal's id.
    public static let signalHistory = RecordSchema(
        unchecked: "signal_history",
        columns: [
            SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
            SchemaColumn("strategy", .text, rules: ColumnRules(maximumLength: 256)),
            SchemaColumn("type", .text, rules: ColumnRules(maximumLength: 256)),
            SchemaColumn("confidence", .float64),
            SchemaColumn("price", .decimal(scale: Price.scale), rules: optional),
            SchemaColumn("quantity", .decimal(scale: Quantity.scale), rules: optional),
            SchemaColumn("metadata", .text),
        ],
        timestamp: "ts", key: RecordKey("id"))

    /// The trading records' tables, in the order a store lists them (after the built-in and
    /// bar tables, before the user-defined ones' stats).
    public static let tradingRecords: [RecordSchema] = [orderEvents, jobEvents, anomalyEvents, signalHistory]
}
