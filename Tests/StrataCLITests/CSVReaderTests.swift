import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Testing

@Suite("CSVReader")
struct CSVReaderTests {
    /// Many rows through a tiny chunk, so lines straddle every possible chunk boundary.
    @Test func linesAcrossChunkBoundariesAndLongLines() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        var lines = ["ts_ns,symbol,trade_id,price,qty,is_buyer_maker"]
        for index in 0..<3_000 {
            lines.append(
                "\(1_719_878_281_500_000_000 + index),SYM\(index % 7),\(index),\(100 + index % 50).25,0.\(index % 9 + 1),\(index % 2 == 0)"
            )
        }
        // A line longer than a chunk.
        lines.insert("1719878281500000000,BAD," + String(repeating: "9", count: 20_000) + ",1,1,t", at: 1500)
        let path = directory + "/trades.csv"
        writeText(path, lines.joined(separator: "\r\n"))
        let reader = try CSVReader(path: path, format: TradeCSVFormat(), chunkSize: 4096)
        var records: [Trade] = []
        var rejections: [CSVRejection] = []
        var batches = 0
        while let batch = try reader.nextBatch(maxRows: 1000) {
            #expect(batch.rowCount <= 1000)
            records += batch.records
            rejections += batch.rejections
            batches += 1
        }
        #expect(batches == 4)
        #expect(records.count == 3_000)
        #expect(records.map(\.tradeID) == Array(0..<3_000))
        #expect(records[2999].symbol.name == "SYM\(2999 % 7)")
        #expect(rejections.count == 1)
        #expect(rejections.first?.line == 1501)
        #expect(rejections.first?.error.rule == .overflow)
        #expect(rejections.first?.raw.count == 20_030)
        #expect(reader.bytesRead == reader.totalBytes)
        #expect(try reader.nextBatch() == nil)
    }

    @Test func missingFileAndDirectoryThrowStrataError() {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        #expect {
            _ = try CSVReader(path: directory + "/nope.csv", format: TradeCSVFormat())
        } throws: { error in
            guard let error = error as? StrataError else { return false }
            return error.code == .io && error.description.contains("nope.csv")
                && error.description.contains("No such file")
        }
        #expect(throws: StrataError.self) { _ = try CSVReader(path: directory, format: TradeCSVFormat()) }
    }

    @Test func emptyInputHasNoBatches() throws {
        #expect(try CSVReader(text: "", format: TradeCSVFormat()).nextBatch() == nil)
        let headerOnly = CSVReader(text: "ts_ns,symbol,trade_id,price,qty,is_buyer_maker\n", format: TradeCSVFormat())
        #expect(try headerOnly.nextBatch() == nil)
        #expect(headerOnly.headerLine == 1)
    }

    /// A header-less file whose first row is damaged data (its first field starts with a letter)
    /// must reject that row with its reason, not skip it as a header; real headers are still
    /// recognised, for every layout.
    @Test func damagedFirstRowIsRejectedNotSkippedAsHeader() throws {
        let damaged = CSVReader(
            text:
                "x1719878281500000000,BTCUSDT,1,64000.5,0.25,true\n1719878281500000001,BTCUSDT,2,64000.5,0.25,false\n",
            format: TradeCSVFormat())
        let batch = try #require(try damaged.nextBatch())
        #expect(damaged.headerLine == nil)
        #expect(batch.records.map(\.tradeID) == [2])
        #expect(batch.rejections.map(\.line) == [1])
        #expect(batch.rejections.first?.error.field == "ts_ns")
        #expect(batch.rowCount == 2)

        let agg = CSVReader(
            text: "abc,64000.5,1.5,10,12,1717200000000,true,true\n", format: AggregatedTradeCSVFormat(symbol: "BTCUSDT")
        )
        let aggBatch = try #require(try agg.nextBatch())
        #expect(agg.headerLine == nil)
        #expect(aggBatch.rejections.count == 1)

        for (header, format) in [
            ("ts_ns,symbol,trade_id,price,qty,is_buyer_maker", TradeCSVFormat() as any CSVRecordFormat),
            (
                AggregatedTradeCSVFormat.binanceColumns.joined(separator: ","),
                AggregatedTradeCSVFormat(symbol: "BTCUSDT")
            ),
            (QuoteCSVFormat.columns.joined(separator: ","), QuoteCSVFormat()),
        ] {
            #expect(try headerLine(of: header + "\n", format: format) == 1, "\(header)")
        }
    }

    private func headerLine<F: CSVRecordFormat>(of text: String, format: F) throws -> Int? {
        let reader = CSVReader(text: text, format: format)
        _ = try reader.nextBatch()
        return reader.headerLine
    }

    @Test func quotedFieldsSplitAsRFC4180Says() throws {
        // A comma inside quotes is part of the field; blanks around the quotes are not.
        let (batch, _) = try readAll("\"1719878281500000000\",\"BTCUSDT\",1,\"64,123.45\",1,true\n", TradeCSVFormat())
        #expect(batch.rejections.first?.error.field == "price")
        #expect(batch.rejections.first?.error.value == "64,123.45")
        let ok = try readAll(" \"1719878281500000000\" , \"BTCUSDT\" ,1,\"64123.45\",1,true\n", TradeCSVFormat()).0
        #expect(ok.records.first?.price == Price(mantissa: 6_412_345_000_000))
    }

    @Test func quotedFieldsKeepTheLineTheyCameIn() throws {
        let (batch, _) = try readAll("1719878281500000000,\"BTC,USDT\",1,1,1,true\n", TradeCSVFormat())
        #expect(batch.rejections.first?.error.value == "BTC,USDT")
        #expect(batch.rejections.first?.raw == "1719878281500000000,\"BTC,USDT\",1,1,1,true")
        // An unterminated or malformed quoted field is split at commas as before, not refused.
        let (loose, _) = try readAll("1719878281500000000,\"BTCUSDT,1,1,1,true\n", TradeCSVFormat())
        #expect(loose.rejections.first?.error.value == "\"BTCUSDT")
    }
}
