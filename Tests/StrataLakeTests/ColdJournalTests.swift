import Strata
import StrataCore
import StrataTestSupport
import Testing

@testable import StrataLake

#if canImport(Glibc)
    import Glibc
#endif

/// The cold tier's move journal: lines survive a reopen exactly, a line torn by a crash is cut
/// off (and the journal rewritten without it), a damaged line before the last is an error, and
/// symbols and paths with the separators in them come back as they were.
@Suite struct ColdJournalTests {
    static func move(_ id: Int, _ state: ColdMove.State) -> ColdMove {
        ColdMove(
            id: id, state: state, index: 19_724 + Int64(id), start: Int64(id) * 1_000, end: Int64(id) * 1_000 + 1_000,
            version: "3.\(id)", tableSequence: UInt64(40 + id), files: ["date=2024-01-02/part-\(id).parquet"],
            rows: 10 * id, digest: "\(10 * id)-abc",
            symbols: [
                SymbolSpan(symbol: "BTC:USDT,1%\tx", rows: 4 * id, first: 5, last: 9),
                SymbolSpan(symbol: "ÉTH", rows: 6 * id, first: 1, last: 7),
            ])
    }

    @Test func linesComeBackExactly() throws {
        let directory = makeTemporaryDirectory("strata-cold-journal")
        defer { removeTree(directory) }
        let path = directory + "/" + ColdJournal.fileName
        let journal = try ColdJournal(path: path)
        for step in [ColdMove.State.copying, .verified, .dropping, .moved] { try journal.record(Self.move(1, step)) }
        try journal.record(Self.move(2, .copying))
        try journal.record(Self.move(2, .abandoned))
        let reopened = try ColdJournal(path: path)
        #expect(reopened.moves == [1: Self.move(1, .moved), 2: Self.move(2, .abandoned)])
        #expect(reopened.nextID == 3)
    }

    @Test func aTornLastLineIsCutOffAndADamagedEarlierLineIsAnError() throws {
        let directory = makeTemporaryDirectory("strata-cold-journal")
        defer { removeTree(directory) }
        let path = directory + "/" + ColdJournal.fileName
        let journal = try ColdJournal(path: path)
        try journal.record(Self.move(1, .verified))
        let good = String(decoding: try #require(try LakeFileSystem.read(path)), as: UTF8.self)
        // A crash mid-append: half of the next line, no new line.
        let torn = ColdJournal.line(Self.move(1, .dropping))
        writeText(path, good + torn.prefix(torn.count / 2))
        let reopened = try ColdJournal(path: path)
        #expect(reopened.moves[1]?.state == .verified)
        #expect(String(decoding: try #require(try LakeFileSystem.read(path)), as: UTF8.self) == good)
        // A whole line whose checksum fails, last: also cut off (the step was not taken).
        var flipped = Array(ColdJournal.line(Self.move(1, .moved)).utf8)
        flipped[12] ^= 0x01
        writeText(path, good + String(decoding: flipped, as: UTF8.self) + "\n")
        #expect(try ColdJournal(path: path).moves[1]?.state == .verified)
        // A damaged line followed by others: the journal cannot be trusted.
        writeText(
            path,
            good + String(decoding: flipped, as: UTF8.self) + "\n" + ColdJournal.line(Self.move(2, .copying)) + "\n")
        #expect(throws: LakeError.self) { try ColdJournal(path: path) }
    }

    @Test func escapingRoundTrips() {
        for text in ["plain", "a,b:c%d\te\nf\rg", "déjà—vu", ""] {
            #expect(ColdJournal.unescape(Substring(ColdJournal.escape(text))) == text)
        }
    }
}
