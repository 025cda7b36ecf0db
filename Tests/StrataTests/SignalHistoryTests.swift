import Strata
import StrataTestSupport
import Testing

/// The signal history: `recentSignals(since:symbol:limit:)` answers as a filter and sort of every
/// signal saved (a reference model), across symbols and a reopen; bad signals are refused naming
/// the field, and nothing of their batch is stored.
@Suite struct SignalHistoryTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil)

    static func expected(_ all: [Signal], since: Timestamp, symbol: Symbol?, limit: Int) -> [Signal] {
        Array(
            all.filter { $0.time >= since && (symbol == nil || $0.symbol == symbol) }
                .sorted { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }.prefix(limit))
    }

    @Test(arguments: 1...3) func recentSignalsAreTheNewestMatchingNewestFirst(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-signals")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration)
        var all: [Signal] = []
        let symbols: [Symbol] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
        for batch in 0..<20 {
            var signals: [Signal] = []
            for _ in 0..<(1 + roll(10)) {
                let id = Int64(all.count + signals.count + 1)
                signals.append(
                    Signal(
                        id: id, time: Self.t0.advanced(by: Int64(roll(10_000)) * 1_000_000),
                        strategy: ["momentum", "mean_reversion"][roll(2)], symbol: symbols[roll(3)],
                        type: ["buy", "sell"][roll(2)], confidence: Double(roll(1_000)) / 1_000,
                        price: roll(4) == 0 ? nil : Price(mantissa: Int64(1 + roll(1_000_000_000))),
                        quantity: roll(4) == 0 ? nil : Quantity(mantissa: Int64(roll(1_000_000))),
                        metadata: #"{"batch":\#(batch),"note":"a \"quoted\" word"}"#))
            }
            #expect(try store.saveSignals(signals).stored == signals.count)
            all += signals
            if batch == 10 {
                try store.close()
                store = try StrataStore.open(directory: directory, configuration: Self.configuration)
            }
        }
        // A re-sent id is stored once.
        #expect(try store.saveSignal(all[0]).stored == 0)
        for _ in 0..<40 {
            let since = Self.t0.advanced(by: Int64(roll(11_000)) * 1_000_000)
            let symbol: Symbol? = roll(4) == 0 ? nil : symbols[roll(3)]
            let limit = roll(30)
            #expect(
                try store.recentSignals(since: since, symbol: symbol, limit: limit)
                    == Self.expected(all, since: since, symbol: symbol, limit: limit),
                "since \(since) symbol \(symbol?.name ?? "all") limit \(limit)")
        }
        #expect(try store.recentSignals(since: .min, symbol: "XRPUSDT").isEmpty)
        #expect(throws: StrataError.self) { try store.recentSignals(since: .min, limit: -1) }
        try store.close()
    }

    @Test func badSignalsAreRefusedNamingTheFieldAndNothingOfTheBatchIsStored() throws {
        let directory = makeTemporaryDirectory("strata-signals-bad")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration)
        let good = Signal(id: 1, time: Self.t0, strategy: "s", symbol: "BTCUSDT", type: "buy", confidence: 0.5)
        var cases: [(String, Signal)] = []
        var signal = good
        signal.metadata = #"{"unterminated": "#
        cases.append(("metadata", signal))
        signal = good
        signal.strategy = ""
        cases.append(("strategy", signal))
        signal = good
        signal.type = ""
        cases.append(("type", signal))
        signal = good
        signal.confidence = .infinity
        cases.append(("confidence", signal))
        signal = good
        signal.time = .max
        cases.append(("ts", signal))
        for (field, bad) in cases {
            do {
                try store.saveSignals([good, bad])
                Issue.record("\(field): accepted")
            } catch let error as ValidationError {
                #expect(error.field == field && error.index == 1, "\(field): \(error)")
            } catch {
                Issue.record("\(field): \(error)")
            }
        }
        #expect(try store.recentSignals(since: .min).isEmpty, "nothing stored")
        #expect(try store.saveSignals([good]).stored == 1)
        #expect(try store.recentSignals(since: .min) == [good])
        try store.close()
    }
}
