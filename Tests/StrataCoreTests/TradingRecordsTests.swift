import StrataCore
import Testing

/// The trading records' schemas pass the checks of a declared schema; the JSON syntax check of
/// signal metadata; the active anomalies' value logic and snapshot.
@Suite struct TradingRecordsTests {
    static let t0 = Timestamp(nanoseconds: 1_700_000_000_000_000_000)

    @Test func theRecordSchemasAreValidDeclarations() throws {
        for schema in RecordSchema.tradingRecords {
            let declared = try RecordSchema(
                name: schema.name, aliases: schema.aliases, columns: schema.columns, timestamp: schema.timestamp,
                partitioning: schema.partitioning, key: schema.key)
            #expect(declared == schema)
        }
        _ = try SchemaCatalog.builtIn.adding(RecordSchema.tradingRecords)
    }

    @Test func jsonSyntaxAcceptsJSONAndNothingElse() {
        for good in [
            "{}", "[]", "0", "-0.5e+10", "\"a\\u00e9\\n\"", "true", "null", #"{"a":[1,2,{"b":null}],"c":"d"}"#,
            " { \"x\" : 1 } ",
        ] {
            #expect(JSONSyntax.isValue(good), "\(good)")
        }
        for bad in [
            "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.", "-", "tru", "\"unterminated", "{} {}", "'a'",
            "\"\u{01}\"", "\"\\x\"", "{\"a\":1,}", "NaN",
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ] {
            #expect(!JSONSyntax.isValue(bad), "\(bad)")
        }
    }

    @Test func anomaliesAreKeyedByTypeAndSymbolAndKeepTheirFirstDetection() throws {
        var anomalies = ActiveAnomalies()
        _ = try anomalies.save(Anomaly(type: "spread", symbol: "BTCUSDT", severity: 1, at: Self.t0))
        _ = try anomalies.save(Anomaly(type: "spread", symbol: nil, severity: 2, at: Self.t0))
        let later = Self.t0.advanced(by: 5)
        guard
            case .saved(let again) = try anomalies.save(
                Anomaly(type: "spread", symbol: "BTCUSDT", severity: 3, at: later))
        else { Issue.record("not a save"); return }
        #expect(again.detectedAt == Self.t0 && again.updatedAt == later && again.severity == 3)
        #expect(anomalies.all.map(\.symbol) == [nil, "BTCUSDT"])
        #expect(anomalies.remove(type: "spread", symbol: "ETHUSDT", at: later).isEmpty)
        #expect(anomalies.remove(type: "spread", at: later).count == 2)
        #expect(anomalies.all.isEmpty)
        _ = try anomalies.save(
            Anomaly(type: "gap", symbol: "ETHUSDT", message: "m", metadata: "{\"a\":1}", at: Self.t0))
        var writer = SnapshotWriter()
        anomalies.writeSnapshot(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        var copy = ActiveAnomalies()
        try copy.readSnapshot(from: &reader)
        #expect(copy == anomalies)
    }
}
