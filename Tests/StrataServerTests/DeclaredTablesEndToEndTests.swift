import Foundation
import Strata
import StrataServer
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two tables declared in a configuration file, with no Swift change — `news` (text columns, a
/// float64, a keep-first id) and `corporate_actions` (upserts: last-wins by id) — written through
/// the library, CSV, ILP over HTTP and ILP over TCP, and read back exactly through the JSON API, the
/// CLI, the live feed and an aggregate; then the server restarts, the partitions are sealed, and
/// everything reads the same.
@Suite(.heavy, .serialized) struct DeclaredTablesEndToEndTests {
    static let day: Int64 = 86_400_000_000_000

    struct News: Equatable {
        var symbol: String
        var ts: Int64
        var id: Int64
        var source: String
        var headline: String
        var sentiment: Double

        /// The row as the API writes it.
        var json: [String: String] {
            [
                "symbol": symbol, "ts": String(ts), "id": String(id), "source": source, "headline": headline,
                "sentiment": String(sentiment),
            ]
        }

        /// One ILP line (string fields escaped as the protocol says).
        var line: String {
            let escaped = headline.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            let tag = source.replacingOccurrences(of: " ", with: "\\ ")
            return "news,symbol=\(symbol),source=\(tag) id=\(id)i,headline=\"\(escaped)\",sentiment=\(sentiment) \(ts)"
        }

        var row: Row {
            Row(
                symbol: Symbol(unchecked: symbol),
                [
                    "ts": .timestamp(Timestamp(nanoseconds: ts)), "id": .integer(id), "source": .text(source),
                    "headline": .text(headline), "sentiment": .float(sentiment),
                ])
        }
    }

    static func news(_ id: Int64, base: Int64) -> News {
        News(
            symbol: id % 3 == 0 ? "MSFT" : "AAPL", ts: base + id * 60_000_000_000, id: id,
            source: ["Reuters", "Dow Jones", "Bloomberg"][Int(id % 3)],
            headline: "Headline \(id): “earnings”, \"quotes\", back\\slash and ünïcödé 📈 "
                + String(repeating: "·", count: Int(id % 40)),
            sentiment: Double(id % 21 - 10) / 10)
    }

    static let configuration = """
        {"auth": {"disabled": true},
         "ilp": {"tcp": {"enabled": true, "port": TCP_PORT}},
         "tables": [
           {"name": "news", "timestamp": "ts", "key": {"column": "id"},
            "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                        {"name": "id", "type": "int64"},
                        {"name": "source", "type": "text", "max_length": 64},
                        {"name": "headline", "type": "text", "max_length": 1000},
                        {"name": "sentiment", "type": "float64", "min": ">=-1", "max": "<=1"}]},
           {"name": "corporate_actions", "aliases": ["corp_actions"], "timestamp": "ts",
            "key": {"column": "id", "policy": "last-wins"},
            "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                        {"name": "id", "type": "int64"}, {"name": "action", "type": "text"},
                        {"name": "ratio", "type": "decimal(6)", "min": ">0"}]}
         ]}
        """

    func get(_ port: Int, _ path: String, key: String = "rows") async -> [[String: Any]] {
        let answer = await rawHTTP(port: port, method: "GET", path: path)
        let json = (try? JSONSerialization.jsonObject(with: Data((answer?.body ?? "").utf8))) as? [String: Any]
        return json?[key] as? [[String: Any]] ?? []
    }

    /// The API's (or the CLI's) news rows, as the fields ``News/json`` names.
    func newsFields(_ rows: [[String: Any]]) -> [[String: String]] {
        rows.map { row in
            var fields: [String: String] = [:]
            for key in ["symbol", "ts", "source", "headline", "sentiment"] { fields[key] = row[key] as? String }
            fields["id"] = (row["id"] as? Int).map(String.init)
            return fields
        }
    }

    func expected(_ rows: [News], _ symbol: String) -> [[String: String]] {
        rows.filter { $0.symbol == symbol }.sorted { $0.ts < $1.ts }.map(\.json)
    }

    @Test func declaredTablesEndToEnd() async throws {
        let directory = makeTemporaryDirectory("strata-declared-tables")
        defer { removeTree(directory) }
        let data = directory + "/data"
        let file = directory + "/strata.json"
        let tcpPort = freePort()
        writeText(file, Self.configuration.replacingOccurrences(of: "TCP_PORT", with: String(tcpPort)))
        // Three days ago, midnight UTC: inside the default time window, in partitions a compaction seals.
        let now = WallClock.now().nanoseconds
        let base = (now / Self.day - 3) * Self.day

        // 1. The library, on the store the server will open (the same file declares the tables).
        let declared = try ServerConfiguration.load(file: file, environment: [:])
        var all: [News] = (1...60).map { Self.news($0, base: base) }
        do {
            let store = try StrataStore.open(
                directory: data, configuration: .init(durability: .osBuffered, tables: declared.tables))
            let news = try #require(store.table(named: "news"))
            try await news.append(all.map(\.row))
            let actions = try #require(store.table(named: "corp_actions"))
            try await actions.append([
                Row(
                    symbol: "AAPL",
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: base)), "id": .integer(3), "action": .text("dividend"),
                        "ratio": FieldValue.decimal("0.25")!,
                    ])
            ])
            try store.close()
        }

        // CSV with a header, through `strata ingest` (quoted text: commas, doubled quotes).
        let overCSV = (121...140).map { Self.news($0, base: base) }
        let csv = directory + "/news.csv"
        writeText(
            csv,
            "ts,symbol,id,source,headline,sentiment\n"
                + overCSV.map { item in
                    let quoted = "\"" + item.headline.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    return "\(item.ts),\(item.symbol),\(item.id),\(item.source),\(quoted),\(item.sentiment)"
                }.joined(separator: "\n") + "\n")
        _ = try await runCLI(["ingest", "--table", "news", csv, "--config", file, "--data", data])
        all += overCSV

        // 2. The server, from the same file; a live client on both tables.
        let port = freePort()
        let serveArguments = ["serve", "--config", file, "--data", data, "--port", String(port)]
        var server = try await ServerProcess.serve(
            serveArguments, port: port, environment: [:], stderrPath: directory + "/serve1.log")
        let live = LiveClient(port: port, query: "channel=news,corporate_actions", token: .none)
        try await live.subscribed()

        // ILP over HTTP, then over TCP.
        let overHTTP = (61...90).map { Self.news($0, base: base) }
        let written = await rawHTTP(
            port: port, method: "POST", path: "/api/v2/write?precision=ns",
            body: overHTTP.map(\.line).joined(separator: "\n") + "\n"
                + "corporate_actions,symbol=AAPL id=1i,action=\"split 2:1\",ratio=2 \(base + 3_600_000_000_000)\n"
                + "corporate_actions,symbol=AAPL id=2i,action=\"spin-off\",ratio=0.1 \(base + 7_200_000_000_000)\n")
        #expect(written?.status == 204, "\(String(describing: written))")
        let overTCP = (91...120).map { Self.news($0, base: base) }
        let tcp = try #require(try? connectLoopback(port: tcpPort).get())
        let tcpText =
            overTCP.map(\.line).joined(separator: "\n") + "\n"
            // The split is corrected a day later: last-wins replaces id 1 (another partition).
            + "corporate_actions,symbol=AAPL id=1i,action=\"split 3:1\",ratio=3 \(base + Self.day + 60_000_000_000)\n"
        let sent = tcpText.utf8.withContiguousStorageIfAvailable { write(tcp, $0.baseAddress, $0.count) } ?? -1
        #expect(sent == tcpText.utf8.count)
        close(tcp)
        all += overHTTP + overTCP

        // Every ILP row arrives on the live feed, exactly.
        let liveRows = try await live.rows(channel: "news", count: 60)
        #expect(newsFields(liveRows) == (overHTTP + overTCP).map(\.json), "the live feed")
        let liveActions = try await live.rows(channel: "corporate_actions", count: 3)
        #expect(liveActions.map { $0["action"] as? String } == ["split 2:1", "spin-off", "split 3:1"])

        func checkAPI(_ label: String) async throws {
            for symbol in ["AAPL", "MSFT"] {
                var rows: [[String: Any]] = []
                for _ in 0..<100 {  // TCP rows are stored shortly after they are sent
                    rows = await get(
                        port, "/api/v1/news/range?symbol=\(symbol)&from=\(base)&to=\(base + Self.day)&limit=1000")
                    if rows.count == expected(all, symbol).count { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(newsFields(rows) == expected(all, symbol), "\(label): news range \(symbol)")
                #expect(rows.first?["time"] is String)
            }
            let latest = await get(port, "/api/v1/news/latest?symbol=AAPL&limit=2")
            #expect(newsFields(latest) == Array(expected(all, "AAPL").suffix(2).reversed()), "\(label): latest")
            let aggregate = await get(port, "/api/v1/news/aggregate?fn=count,sum(id),max(id)&by=symbol")
            for (symbol, row) in zip(["AAPL", "MSFT"], aggregate) {
                let ids = all.filter { $0.symbol == symbol }.map(\.id)
                #expect(row["symbol"] as? String == symbol)
                #expect(row["count"] as? Int == ids.count, "\(label): count \(row)")
                #expect("\(row["sum(id)"] ?? "")" == String(ids.reduce(0, +)), "\(label): sum \(row)")
                #expect("\(row["max(id)"] ?? "")" == String(ids.max()!), "\(label): max \(row)")
            }
            let actions = await get(
                port, "/api/v1/corporate_actions/range?symbol=AAPL&from=\(base)&to=\(base + 2 * Self.day)")
            #expect(
                actions.map { "\($0["id"] ?? "")=\($0["action"] as? String ?? "")@\($0["ratio"] as? String ?? "")" }
                    == ["3=dividend@0.25", "2=spin-off@0.1", "1=split 3:1@3"], "\(label): last-wins")
        }
        try await checkAPI("served")
        let apiRange = await get(port, "/api/v1/news/range?symbol=AAPL&from=\(base)&to=\(base + Self.day)&limit=1000")
        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")

        // 3. The CLI: the API's rows, from the same file.
        let cli = try await runCLI(
            [
                "query", "range", "--table", "news", "--symbol", "AAPL", "--from", String(base), "--to",
                String(base + Self.day), "--limit", "1000", "--format", "json", "--config", file, "--data", data,
            ])
        let cliRows = try #require(try JSONSerialization.jsonObject(with: Data(cli.utf8)) as? [[String: Any]])
        #expect(NSArray(array: cliRows).isEqual(to: apiRange), "the CLI prints the API's rows")
        let cliActions = try await runCLI(
            [
                "query", "latest", "--table", "corp_actions", "--symbol", "AAPL", "--format", "json", "--config",
                file, "--data", data,
            ])
        #expect(cliActions.contains("split 3:1") && !cliActions.contains("split 2:1"))

        // 4. Sealed, restarted: the same answers.
        _ = try await runCLI(["compact", "--config", file, "--data", data])
        let stats = try await runCLI(["stats", "--format", "json", "--config", file, "--data", data])
        let tables = (try? JSONSerialization.jsonObject(with: Data(stats.utf8))) as? [[String: Any]] ?? []
        for name in ["news", "corporate_actions"] {
            let table = tables.first { $0["table"] as? String == name }
            #expect((table?["sealed_partitions"] as? Int ?? 0) >= 1, "\(name) sealed: \(stats)")
        }
        let actionStats = tables.first { $0["table"] as? String == "corporate_actions" }
        #expect(actionStats?["rows"] as? Int == 3 && actionStats?["overwrites"] as? Int == 1, "\(stats)")
        // `--storage-columns`: a row per stored column of the sealed files, then the table's totals.
        let storage = try await runCLI([
            "stats", "--storage-columns", "--format", "json", "--config", file, "--data", data,
        ])
        let storageRows = (try? JSONSerialization.jsonObject(with: Data(storage.utf8))) as? [[String: Any]] ?? []
        let news = storageRows.filter { $0["table"] as? String == "news" }
        #expect(news.contains { $0["column"] as? String == "headline" && ($0["encoded_bytes"] as? Int ?? 0) > 0 })
        #expect(news.last?["column"] as? String == "*" && news.last?["memory_rows"] as? Int == 0, "\(storage)")
        server = try await ServerProcess.serve(
            serveArguments, port: port, environment: [:], stderrPath: directory + "/serve2.log")
        try await checkAPI("sealed and restarted")
        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")
        let verify = try await runCLI(["verify", "--config", file, "--data", data])
        #expect(!verify.contains("DAMAGED"), "\(verify)")
    }
}
