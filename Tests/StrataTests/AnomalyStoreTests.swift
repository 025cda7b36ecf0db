import Strata
import StrataTestSupport
import Testing

/// Active anomalies kept in the store: random saves and removals, with the store closed and
/// reopened in the middle, leave the active set of a reference model (a dictionary by type and
/// symbol), and each anomaly's history is every save and removal made, in order.
@Suite struct AnomalyStoreTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil, snapshotInterval: 25)

    struct Key: Hashable {
        var type: String
        var symbol: Symbol?
    }

    @Test(arguments: 1...4) func theActiveSetAndHistoryAgreeWithAModelAcrossReopens(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-anomalies")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var model: [Key: Anomaly] = [:]
        var history: [Key: [String]] = [:]
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration)
        let types = ["spread", "gap", "volume"]
        let symbols: [Symbol?] = [nil, "BTCUSDT", "ETHUSDT"]
        for step in 0..<300 {
            let time = Self.t0.advanced(by: Int64(step) * 1_000)
            if step % 70 == 69 {
                try store.close()
                store = try StrataStore.open(directory: directory, configuration: Self.configuration)
                #expect(
                    try store.anomalies.active
                        == model.values.sorted { ($0.type, $0.symbol?.name ?? "") < ($1.type, $1.symbol?.name ?? "") })
            }
            let type = types[roll(3)]
            switch roll(5) {
            case 0, 1, 2:
                let symbol = symbols[roll(3)]
                var anomaly = Anomaly(
                    type: type, symbol: symbol, severity: Double(roll(100)) / 10, message: "m\(step)",
                    metadata: #"{"step":\#(step)}"#, at: time)
                let saved = try store.anomalies.save(anomaly)
                let key = Key(type: type, symbol: symbol)
                if let existing = model[key] { anomaly.detectedAt = existing.detectedAt }
                model[key] = anomaly
                history[key, default: []].append("saved \(step)")
                #expect(saved == anomaly, "the first detection is kept")
            case 3:
                let symbol = symbols[roll(3)]
                let removed = try store.anomalies.remove(type: type, symbol: symbol, at: time)
                let keys = model.keys.filter { $0.type == type && (symbol == nil || $0.symbol == symbol) }
                #expect(removed == keys.count, "step \(step)")
                for key in keys {
                    model[key] = nil
                    history[key, default: []].append("removed \(step)")
                }
            default:
                let removed = try store.anomalies.removeMarketWide(type: type, at: time)
                let key = Key(type: type, symbol: nil)
                #expect(removed == (model[key] == nil ? 0 : 1))
                if model.removeValue(forKey: key) != nil { history[key, default: []].append("removed \(step)") }
            }
        }
        let expected = model.values.sorted { ($0.type, $0.symbol?.name ?? "") < ($1.type, $1.symbol?.name ?? "") }
        #expect(try store.anomalies.active == expected)
        for type in types {
            #expect(try store.anomalies.active(type: type) == expected.filter { $0.type == type })
            for symbol in symbols {
                let events = try store.anomalies.history(type: type, symbol: symbol)
                let described = events.map { event -> String in
                    switch event {
                    case .saved(let anomaly):
                        "saved \(anomaly.updatedAt.nanoseconds.distance(to: Self.t0.nanoseconds) / -1_000)"
                    case .removed(_, let at): "removed \(at.nanoseconds.distance(to: Self.t0.nanoseconds) / -1_000)"
                    }
                }
                #expect(
                    described == history[Key(type: type, symbol: symbol)] ?? [], "\(type) \(symbol?.name ?? "market")")
            }
        }
        try store.close()
    }

    @Test func badAnomaliesAreRefusedNamingTheFieldAndStoreNothing() throws {
        let directory = makeTemporaryDirectory("strata-anomalies-bad")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration)
        #expect { try store.anomalies.save(Anomaly(type: "", symbol: nil, at: Self.t0)) } throws: {
            ($0 as? AnomalyError)?.field == "type"
        }
        #expect { try store.anomalies.save(Anomaly(type: "x", symbol: nil, severity: .nan, at: Self.t0)) } throws: {
            ($0 as? AnomalyError)?.field == "severity"
        }
        #expect { try store.anomalies.save(Anomaly(type: "x", symbol: "_market", at: Self.t0)) } throws: {
            ($0 as? AnomalyError)?.field == "symbol"
        }
        #expect(try store.anomalies.remove(type: "x", at: Self.t0) == 0)
        #expect(try store.anomalies.active.isEmpty)
        #expect(store.stats().first { $0.table == "anomaly_events" }?.rows == 0)
        try store.close()
    }
}
