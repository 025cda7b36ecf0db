import Foundation
import StrataTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM while clients are writing ILP over HTTP: the server stops accepting, finishes the
/// requests in flight, flushes and closes the store; after a restart every batch that was
/// acknowledged (204) is there, and every other batch is there entirely or not at all.
@Suite(.heavy, .serialized) struct SigtermDuringIngestTests {
    let environment = ["STRATA_TOKENS_WRITE": "sig-write", "STRATA_TOKENS_READ": "sig-read"]
    static let rowsPerBatch = 250
    static let base: Int64 = 1_720_051_200_000_000_000  // 2024-07-04T00:00:00Z

    /// The ILP text of batch `batch` of writer `writer`: trade ids `(writer, batch, row)` packed, one
    /// millisecond apart.
    static func body(writer: Int, batch: Int) -> String {
        var text = ""
        for row in 0..<rowsPerBatch {
            let id = tradeID(writer: writer, batch: batch, row: row)
            let time = base + Int64(id) * 1_000
            text += "trades,symbol=SIGTERM price=\(100 + row % 50).\(row % 100),qty=0.\(row + 1),trade_id=\(id)i"
            text += ",side=\"\(row % 2 == 0 ? "buy" : "sell")\" \(time)\n"
        }
        return text
    }

    static func tradeID(writer: Int, batch: Int, row: Int) -> Int {
        (writer * 100_000 + batch) * rowsPerBatch + row
    }

    @Test func everyAcknowledgedBatchSurvivesSigterm() async throws {
        let directory = makeTemporaryDirectory("strata-sigterm")
        defer { removeTree(directory) }
        let port = freePort()
        let arguments = ["serve", "--data", directory + "/data", "--port", String(port)]
        let server = try await ServerProcess.serve(
            arguments, port: port, environment: environment, stderrPath: directory + "/first.log")

        // Two writers on their own threads (blocking sockets), each posting batches until refused.
        let acknowledged = Mutex<[Int: [Int]]>([:])  // writer -> acknowledged batches
        let attempted = Mutex<[Int: Int]>([:])  // writer -> batches attempted
        let writers = 2
        let finished = Mutex(0)
        for writer in 0..<writers {
            let thread = Thread {
                var batch = 0
                while true {
                    attempted.withLock { $0[writer] = batch + 1 }
                    let answer = rawHTTPBlocking(
                        port: port, method: "POST", path: "/write",
                        headers: ["Authorization": "Bearer sig-write"], body: Self.body(writer: writer, batch: batch))
                    guard let answer else { break }  // refused: the server has stopped accepting
                    if answer.status == 204 {
                        acknowledged.withLock { $0[writer, default: []].append(batch) }
                    } else if answer.status != 503 {
                        break
                    }
                    batch += 1
                }
                finished.withLock { $0 += 1 }
            }
            thread.start()
        }
        // Let them write for a while, then SIGTERM in the middle of the stream.
        while acknowledged.withLock({ $0.values.map(\.count).reduce(0, +) }) < 40 {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(server.pid, SIGTERM)
        #expect(await server.wait() == 0, "\(server.stderr)")
        while finished.withLock({ $0 }) < writers { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.stderr.contains("store closed"), "\(server.stderr)")

        let restarted = try await ServerProcess.serve(
            arguments, port: port, environment: environment, stderrPath: directory + "/second.log")
        defer { restarted.stopInBackground(SIGTERM) }
        let stored = try await storedTradeIDs(port: port)
        let acked = acknowledged.withLock { $0 }
        var ackedRows = 0
        for writer in 0..<writers {
            let ackedBatches = Set(acked[writer] ?? [])
            for batch in 0..<(attempted.withLock { $0[writer] ?? 0 }) {
                let ids = (0..<Self.rowsPerBatch).map { Self.tradeID(writer: writer, batch: batch, row: $0) }
                let present = ids.filter(stored.contains).count
                if ackedBatches.contains(batch) {
                    #expect(present == ids.count, "writer \(writer) batch \(batch) was acknowledged: \(present) rows")
                    ackedRows += ids.count
                } else {
                    #expect(present == 0 || present == ids.count, "batch \(batch): \(present) rows, not atomic")
                }
            }
        }
        #expect(ackedRows >= 40 * Self.rowsPerBatch)
        #expect(stored.count >= ackedRows)
    }

    /// Every trade id of SIGTERM stored, through the JSON API, page by page (`next_cursor`): the
    /// writers store more than one page before the signal (small pages: the paging is exercised).
    func storedTradeIDs(port: Int) async throws -> Set<Int> {
        let to = Self.base + Int64(Self.tradeID(writer: 2, batch: 0, row: 0)) * 1_000
        var ids: Set<Int> = []
        var cursor: String?
        for _ in 0..<1_000 {
            let after = cursor.map { "&cursor=\($0)" } ?? ""
            let answer = await rawHTTP(
                port: port, method: "GET",
                path: "/api/v1/trades/range?symbol=SIGTERM&from=\(Self.base)&to=\(to)&limit=5000\(after)",
                headers: ["Authorization": "Bearer sig-read"])
            let status = answer?.status
            try #require(status == 200, "range query: \(String(describing: answer))")
            let json = try JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8)) as? [String: Any]
            let rows = try #require(json?["rows"] as? [[String: Any]])
            ids.formUnion(rows.compactMap { $0["trade_id"] as? Int })
            guard json?["truncated"] as? Bool == true else { return ids }
            cursor = try #require(json?["next_cursor"] as? String, "a truncated page names its next cursor")
        }
        Issue.record("more than 1,000 pages")
        return ids
    }
}
