import Foundation
import StrataCore
import Testing

@Suite("TimeSeriesRecord")
struct TimeSeriesRecordTests {
    @Test func recordKinds() throws {
        #expect(RecordKind.allCases == [.trades, .aggtrades, .quotes])
        #expect(RecordKind.allCases.map(\.rawValue) == ["trades", "aggtrades", "quotes"])
        #expect(String(decoding: try JSONEncoder().encode([RecordKind.aggtrades]), as: UTF8.self) == #"["aggtrades"]"#)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([RecordKind].self, from: Data(#"["bars"]"#.utf8))
        }
    }

    @Test func eachRecordTypeHasItsKind() {
        #expect(kind(of: Trade.self) == .trades)
        #expect(kind(of: AggregatedTrade.self) == .aggtrades)
        #expect(kind(of: Quote.self) == .quotes)
    }

    private func kind<R: TimeSeriesRecord>(of _: R.Type) -> RecordKind { R.kind }
}
