package import StrataCore

extension PostgresBackend: TradeBarsBackend {
    /// Opens the trades table with its bar tables (scope `bars`, created and filled from the
    /// trades already stored the first time): each append upserts its bars in its own
    /// transaction (``PostgresBars``).
    package func openTradesWithBars(_ schema: RecordSchema, options: TableOptions) throws -> (
        trades: any BackendTable, bars: any ContinuousBarSource
    ) {
        let namespace = configuration.schema
        let writer = try PostgresBars.Writer(trades: schema, namespace: namespace)
        let trades = try openPostgresTable(schema, options: options, bars: writer)
        do {
            try PostgresMigrator(
                connector: connector, scope: PostgresBars.scope,
                migrations: PostgresBars.migrations(namespace, writer: writer, trades: schema)
            ).upOnStart()
        } catch {
            try? trades.close()
            throw error
        }
        let width = options.partitionDuration ?? schema.partitioning.nanoseconds
        let tables = try PostgresBars.widths.map { barWidth in
            PostgresTable(
                layout: PostgresTableLayout(
                    schema: try PostgresBars.schema(
                        barWidth, priceScale: writer.priceScale, quantityScale: writer.quantityScale),
                    namespace: namespace, partitionWidth: width, absentValues: false, unpartitioned: true),
                connector: connector)
        }
        return (trades, PostgresBars(writer: writer, tables: tables))
    }
}
