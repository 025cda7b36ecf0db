import Strata
import StrataCore
import StrataImport
import Testing

@Suite("QuoteCSVFormat")
struct QuoteCSVFormatTests {
    @Test func readsTopOfBookAndOneSidedQuotes() throws {
        let text = """
            ts_ns,symbol,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0
            1381132800241000000,IBM,180.01,300,,
            1381132800242000000,IBM,,,181.80,3000
            1381132800243000000,IBM,180.01,300,181.8,0
            """
        let (batch, reader) = try readAll(text, QuoteCSVFormat())
        #expect(reader.headerLine == 1)
        #expect(batch.rejections.isEmpty)
        #expect(batch.records.count == 3)
        #expect(batch.records[0].bids == [DepthLevel(price: try Price("180.01"), size: try Quantity("300"))])
        #expect(batch.records[0].asks.isEmpty)
        #expect(batch.records[1].bids.isEmpty)
        #expect(batch.records[1].bestAsk?.price.description == "181.8")
        #expect(batch.records[2].bestAsk?.size == .zero)
    }

    @Test func readsDepthUpToFiveLevels() throws {
        var fields = ["1719878281500000000", "ESU4"]
        for level in 0..<5 {
            fields += ["\(5535 - level)", "\(level + 1)", "\(5536 + level)", "\(level + 10)"]
        }
        let line = fields.joined(separator: ",")
        let (batch, _) = try readAll(line + "\n1719878281500000000,ESU4,5535,1,5536,2,5534,3,,\n", QuoteCSVFormat())
        #expect(batch.rejections.isEmpty)
        let deep = try #require(batch.records.first)
        #expect(deep.bids.count == 5 && deep.asks.count == 5)
        #expect(deep.bids.map(\.price.description) == ["5535", "5534", "5533", "5532", "5531"])
        #expect(deep.asks.last?.size.description == "14")
        #expect(QuoteCSVFormat().line(for: deep) == line)
        let ragged = try #require(batch.records.last)
        #expect(ragged.bids.count == 2 && ragged.asks.count == 1)
        #expect(QuoteCSVFormat().line(for: ragged) == "1719878281500000000,ESU4,5535,1,5536,2,5534,3,,")
    }

    @Test(arguments: [
        ("1719878281500000000,IBM,180,1,181", "columns", ValidationError.Rule.malformed),
        ("1719878281500000000,IBM,180,1,181,1,179", "columns", .malformed),
        ("1719878281500000000,IBM,,,,", "quote", .malformed),
        ("1719878281500000000,IBM,180,,181,1", "bid_sz_0", .malformed),
        ("1719878281500000000,IBM,180,1,,1", "ask_px_0", .malformed),
        ("1719878281500000000,IBM,,,181,1,180,1,182,1", "bid_px_1", .malformed),
        ("1719878281500000000,IBM,0,0,181,1", "bid_px_0", .nonPositive),
        ("1719878281500000000,IBM,180,-1,181,1", "bid_sz_0", .negative),
        ("1719878281500000000,IBM,180,1,18l,1", "ask_px_0", .notANumber),
        ("1719878281500000000,I B M,180,1,181,1", "symbol", .malformedSymbol),
        ("1719878281500000000x,IBM,180,1,181,1", "ts_ns", .badTimestamp),
    ])
    func rejectsBadRows(line: String, field: String, rule: ValidationError.Rule) throws {
        let good = "1719878281500000000,IBM,180,1,181,1"
        let (batch, _) = try readAll("\(good)\n\(line)\n", QuoteCSVFormat())
        #expect(batch.records.count == 1)
        let rejection = try #require(batch.rejections.first)
        #expect(rejection.line == 2)
        #expect(rejection.error.field == field)
        #expect(rejection.error.rule == rule)
    }

    @Test func columnNamesCoverFiveLevels() {
        #expect(QuoteCSVFormat.columns.count == 22)
        #expect(
            QuoteCSVFormat.columns.prefix(6) == ["ts_ns", "symbol", "bid_px_0", "bid_sz_0", "ask_px_0", "ask_sz_0"])
        #expect(QuoteCSVFormat.columns.last == "ask_sz_4")
    }
}
