import StrataCore
import StrataTiers
import Testing

/// Reconciliation's digest: counts, an order-independent checksum, the order, text by content.
@Suite struct RowDigestTests {
    static func rows(_ ids: [Int64], texts: [String?]) -> RowSet {
        var set = RowSet(columnCount: 2)
        for (id, text) in zip(ids, texts) {
            set.columns[0].append(id)
            set.columns[1].append(text.map { set.texts.append($0) } ?? -1)
        }
        return set
    }

    @Test func sameRowsSameDigestWhateverTheTextHeapLayout() {
        let a = RowDigest(symbol: "BTC", rows: Self.rows([1, 2, 3], texts: ["a", nil, "c"]), textLanes: [1])
        var other = RowSet(columnCount: 2)
        _ = other.texts.append("padding")
        for (id, text) in [(Int64(1), "a"), (2, nil), (3, "c")] as [(Int64, String?)] {
            other.columns[0].append(id)
            other.columns[1].append(text.map { other.texts.append($0) } ?? -1)
        }
        let b = RowDigest(symbol: "BTC", rows: other, textLanes: [1])
        #expect(a == b)
        #expect(a.count == 3 && a.sameRowsInOrder(as: b))
    }

    @Test func orderCountValueAndSymbolAreTold() {
        let base = RowDigest(symbol: "BTC", rows: Self.rows([1, 2, 3], texts: ["a", "b", "c"]), textLanes: [1])
        let swapped = RowDigest(symbol: "BTC", rows: Self.rows([2, 1, 3], texts: ["b", "a", "c"]), textLanes: [1])
        #expect(base.checksum == swapped.checksum && !base.sameRowsInOrder(as: swapped))
        let changed = RowDigest(symbol: "BTC", rows: Self.rows([1, 2, 3], texts: ["a", "b", "d"]), textLanes: [1])
        #expect(base.checksum != changed.checksum)
        let other = RowDigest(symbol: "ETH", rows: Self.rows([1, 2, 3], texts: ["a", "b", "c"]), textLanes: [1])
        #expect(base.checksum != other.checksum)
        var pages = RowDigest(symbol: "BTC", rows: Self.rows([1], texts: ["a"]), textLanes: [1])
        pages.add(RowDigest(symbol: "BTC", rows: Self.rows([2, 3], texts: ["b", "c"]), textLanes: [1]))
        #expect(pages == base)
    }
}
