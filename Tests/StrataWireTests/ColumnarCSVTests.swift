import StrataCore
import StrataWire
import Testing

/// The CSV answers' text, exactly: the header once, values as the CLI prints them (decimals
/// exact without trailing zeros, wide decimals, epoch-ns times), quoting where CSV needs it,
/// absent values empty, book sides as their level columns interleaved level by level.
@Suite struct ColumnarCSVTests {
    static func quotes(_ rows: Int, depth: [Int32]) -> ColumnarBatch {
        var offsets: [Int32] = [0]
        for d in depth { offsets.append(offsets.last! + d) }
        let levels = Int(offsets.last!)
        let bids = BookLevels(
            offsets: offsets, prices: (0..<levels).map { Int64(100_000_000 + $0) },
            sizes: Array(repeating: 5, count: levels),
            priceScale: 8, sizeScale: 0, levelColumns: [("bid_px_0", "bid_sz_0"), ("bid_px_1", "bid_sz_1")])
        let asks = BookLevels(
            offsets: Array(repeating: 0, count: rows + 1), priceScale: 8, sizeScale: 0,
            levelColumns: [("ask_px_0", "ask_sz_0"), ("ask_px_1", "ask_sz_1")])
        return ColumnarBatch(
            count: rows,
            columns: [
                ColumnarColumn(name: "ts_ns", values: .timestamps((0..<rows).map { Int64($0) })),
                ColumnarColumn(name: "bids", values: .levels(bids)),
                ColumnarColumn(name: "asks", values: .levels(asks)),
            ])
    }

    @Test func valuesQuotingAndAbsence() {
        let batch = ColumnarBatch(
            count: 3,
            columns: [
                ColumnarColumn(name: "ts", values: .timestamps([1_700_000_000_000_000_001, -5, 0])),
                .dictionary("symbol", ["BTCUSDT", "BTCUSDT", "ETH,USD"]),
                ColumnarColumn(name: "price", values: .decimals([6_400_050_000_000, -1, Int64.min + 1], scale: 8)),
                ColumnarColumn(
                    name: "sum(qty)", values: .wideDecimals([Int128(Int64.max) * 10, 0, -15], scale: 1),
                    present: [true, false, true]),
                ColumnarColumn(name: "level", values: .int8([-128, 0, 127])),
                ColumnarColumn(name: "score", values: .float64([0.1, -2.5e-7, 1e300]), present: [true, true, false]),
                ColumnarColumn(name: "maker", values: .bool([true, false, true])),
                ColumnarColumn(
                    name: "note", values: .strings(StringColumn(["plain", "say \"hi\"", " padded"])),
                    present: [true, true, true]),
            ])
        var writer = ColumnarCSVWriter()
        var output: [UInt8] = []
        writer.write(batch, to: &output)
        writer.write(ColumnarBatch(count: 0, columns: batch.columns.map { $0 }), to: &output)
        writer.finish(schemaOf: batch, to: &output)
        #expect(
            String(decoding: output, as: UTF8.self) == """
                ts,symbol,price,sum(qty),level,score,maker,note
                1700000000000000001,BTCUSDT,64000.5,9223372036854775807,-128,0.1,true,plain
                -5,BTCUSDT,-0.00000001,,0,-2.5e-07,false,"say ""hi\"\"\"
                0,"ETH,USD",-92233720368.54775807,-1.5,127,,true," padded"

                """)
    }

    @Test func bookSidesInterleaveLevelByLevel() {
        var writer = ColumnarCSVWriter()
        var output: [UInt8] = []
        writer.write(Self.quotes(3, depth: [2, 0, 1]), to: &output)
        #expect(
            String(decoding: output, as: UTF8.self) == """
                ts_ns,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0,bid_px_1,bid_sz_1,ask_px_1,ask_sz_1
                0,1,5,,,1.00000001,5,,
                1,,,,,,,,
                2,1.00000002,5,,,,,,

                """)
    }

    @Test func anAnswerWithoutRowsIsItsHeader() {
        var writer = ColumnarCSVWriter()
        var output: [UInt8] = []
        writer.finish(schemaOf: Self.quotes(0, depth: []), to: &output)
        #expect(
            String(decoding: output, as: UTF8.self)
                == "ts_ns,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0,bid_px_1,bid_sz_1,ask_px_1,ask_sz_1\n")
    }
}
