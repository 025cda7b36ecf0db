import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Strata
import StrataImport
import StrataServer
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// ILP over TCP against a real in-process listener on port 0 (real sockets), read back through
/// the store.
@Suite(.heavy) struct ILPTCPTests {
    @Test func linesAreStored() async throws {
        try await withTCPServer { server in
            let client = try TCPClient(port: server.port)
            client.send((1...3).map { tradeLine($0) }.joined())
            #expect(try await server.waitForTrades(3) == 3, "a few lines are stored promptly")
            let latest = try await server.store.trades.latest(symbol: btc, limit: 10)
            #expect(latest.map(\.tradeID) == [3, 2, 1])
            #expect(latest.last?.price == (try Price("1000.01")))
            #expect(latest.last?.quantity == (try Quantity("0.001")))
            #expect(latest.last?.timestamp == Timestamp(nanoseconds: t(1)))
            #expect(latest.last?.isBuyerMaker == true)
            client.send("quotes,symbol=BTCUSDT bid_px_0=1.5,bid_sz_0=2,ask_px_0=1.6,ask_sz_0=3 \(t(9))\n")
            client.send(
                "aggtrades,symbol=BTCUSDT agg_trade_id=7i,price=2.25,qty=1,first_trade_id=1i,last_trade_id=3i,"
                    + "is_buyer_maker=false \(t(9))\n")
            client.finishSending()
            #expect(await client.serverCloses())
            for _ in 0..<200 where server.store.aggregatedTrades.stats().rows < 1 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.store.quotes.stats().rows == 1)
            #expect(server.store.aggregatedTrades.stats().rows == 1)
            let text = server.metricsText
            #expect(text.contains(#"strata_ingest_rows_total{table="trades",protocol="tcp"} 3"#), "\(text)")
            #expect(text.contains("strata_ingest_batch_rows_bucket"))
        }
    }

    /// A user-defined table's lines over TCP: stored as over HTTP; a bad line keeps the lines
    /// before it (of every table) and closes the connection.
    @Test func userTableLinesAreStored() async throws {
        var configuration = tcpTestConfiguration()
        configuration.tables = [
            try RecordSchema(
                name: "signals",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("target", .decimal(scale: 8)),
                ],
                timestamp: "ts", key: RecordKey("id"))
        ]
        try await withTCPServer(configuration) { server in
            let client = try TCPClient(port: server.port)
            let table = try #require(server.store.table(named: "signals"))
            client.send(
                (1...3).map { "signals,symbol=BTCUSDT id=\($0)i,target=64123.4\($0) \(t(Int64($0)))\n" }.joined()
                    + tradeLine(4) + "signals,symbol=BTCUSDT id=9i,target=oops \(t(9))\n"
                    + "signals,symbol=BTCUSDT id=10i,target=1 \(t(10))\n")
            #expect(await client.serverCloses(), "a bad line ends the stream")
            #expect(try await server.waitForTrades(1) == 1)
            let stored = try await table.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 100).rows
            #expect(stored.map { $0["target"]?.description } == ["64123.41", "64123.42", "64123.43"])
        }
    }

    @Test func arbitrarySegmentBoundariesGiveTheSameRows() async throws {
        try await withTCPServer { server in
            // Escaped names, quoted strings and CRLF endings, split anywhere.
            var text = ""
            for id in 1...150 {
                text += tradeLine(id, symbol: id % 3 == 0 ? "ETH-USD" : "BTCUSDT")
                if id % 25 == 0 { text += "# a comment\r\n\n" }
            }
            let bytes = Array(text.utf8)
            var generator = SystemRandomNumberGenerator()
            let client = try TCPClient(port: server.port)
            var offset = 0
            while offset < bytes.count {
                let size = offset < 300 ? 1 : Int.random(in: 1...97, using: &generator)
                let end = min(bytes.count, offset + size)
                client.send(bytes[offset..<end])
                offset = end
                usleep(50)
            }
            #expect(try await server.waitForTrades(150) == 150)
            let btcIDs = try await server.store.trades.latest(symbol: btc, limit: 1000).map(\.tradeID).sorted()
            #expect(btcIDs == (1...150).filter { $0 % 3 != 0 }.map(Int64.init))
            let eth = try await server.store.trades.latest(symbol: Symbol(unchecked: "ETH-USD"), limit: 1000)
            #expect(eth.count == 50)
            #expect(eth.allSatisfy { $0.price == (try? Price(tradePrice(Int($0.tradeID)))) })
        }
    }

    @Test func badLineKeepsTheLinesBeforeItAndCloses() async throws {
        try await withTCPServer { server in
            let client = try TCPClient(port: server.port)
            var text = (1...5).map { tradeLine($0) }.joined()
            text += "trades,symbol=BTCUSDT price=1.5,qty=oops,trade_id=6i,side=\"buy\" \(t(6))\n"
            text += (7...10).map { tradeLine($0) }.joined()
            client.send(text)
            #expect(await client.serverCloses(), "the server closes the connection after a bad line")
            #expect(try await server.waitForTrades(5, seconds: 2) == 5)
            let ids = try await server.store.trades.latest(symbol: btc, limit: 100).map(\.tradeID)
            #expect(ids == [5, 4, 3, 2, 1], "earlier lines stored, later ones not")
            #expect(
                server.metricsText.contains(#"strata_ingest_rejected_rows_total{table="unknown",protocol="tcp"} 1"#))
            let warning = try #require(server.logs.all.first { $0.level == .warning })
            #expect(warning.metadata["line"] == "6")
            #expect(warning.metadata["connection"] != nil)
            #expect(warning.metadata["remote"]?.hasPrefix("127.0.0.1:") == true)
            #expect(warning.metadata["error"]?.contains("qty") == true, "\(warning)")
        }
    }

    @Test func theFirstBadLineIsTheOneReported() async throws {
        try await withTCPServer { server in
            let client = try TCPClient(port: server.port)
            var text = tradeLine(1) + tradeLine(2)
            // Line 3 parses but does not map (an unknown field); line 5 does not parse.
            text += "trades,symbol=BTCUSDT price=1,qty=1,trade_id=3i,colour=\"red\",side=\"buy\" \(t(3))\n"
            text += tradeLine(4)
            text += "trades,symbol=BTCUSDT price=abc\n"
            client.send(text)
            #expect(await client.serverCloses())
            #expect(try await server.waitForTrades(2, seconds: 2) == 2)
            let warnings = server.logs.all.filter { $0.level == .warning }
            #expect(warnings.map { $0.metadata["line"] } == ["3"], "\(warnings)")
            #expect(warnings.first?.metadata["code"] == "unknownField")
            #expect(
                server.metricsText.contains(#"strata_ingest_rejected_rows_total{table="trades",protocol="tcp"} 1"#))
            // The line that did not map is kept in its table's quarantine, with the connection.
            let quarantine = Quarantine(dataDirectory: server.store.directory, table: "trades")
            var kept: [Quarantine.Entry] = []
            for _ in 0..<100 where kept.isEmpty {
                kept = (try? quarantine.entries()) ?? []
                if kept.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(kept.count == 1)
            #expect(kept.first?.line == 3)
            #expect(kept.first?.source.hasPrefix("tcp connection ") == true, "\(kept)")
            #expect(
                kept.first?.raw == "trades,symbol=BTCUSDT price=1,qty=1,trade_id=3i,colour=\"red\",side=\"buy\" \(t(3))"
            )
            #expect(kept.first?.reason.hasPrefix("unknownField: ") == true)
            #expect(kept.first?.format == .lineProtocol(precision: "ns"))
        }
    }

    @Test func invalidRowInAnotherTableKeepsEarlierLinesOfEveryTable() async throws {
        try await withTCPServer { server in
            let client = try TCPClient(port: server.port)
            var text = tradeLine(1)
            text += "quotes,symbol=BTCUSDT bid_px_0=1.5,bid_sz_0=2 \(t(2))\n"
            text += tradeLine(3)
            text += "quotes,symbol=BTCUSDT bid_px_0=-1,bid_sz_0=2 \(t(4))\n"  // negative price: invalid
            text += tradeLine(5)
            client.send(text)
            #expect(await client.serverCloses())
            #expect(try await server.waitForTrades(2, seconds: 2) == 2)
            #expect(server.store.quotes.stats().rows == 1)
            #expect(server.metricsText.contains(#"strata_ingest_rejected_rows_total{table="quotes",protocol="tcp"} 1"#))
            #expect(server.logs.all.contains { $0.level == .warning && $0.metadata["line"] == "4" })
        }
    }

    @Test func overLongLineNamesTheLimit() async throws {
        var configuration = tcpTestConfiguration()
        configuration.maxLineBytes = 1024
        try await withTCPServer(configuration) { server in
            let client = try TCPClient(port: server.port)
            client.send(tradeLine(1) + tradeLine(2))
            client.send("trades,symbol=BTCUSDT price=1,qty=1,trade_id=3i,side=\"" + String(repeating: "x", count: 2000))
            #expect(await client.serverCloses())
            #expect(try await server.waitForTrades(2, seconds: 2) == 2)
            let warning = try #require(server.logs.all.first { $0.level == .warning })
            #expect(warning.metadata["code"] == "lineTooLong")
            #expect(warning.metadata["line"] == "3")
            #expect(warning.metadata["error"]?.contains("ilp.maxLineBytes = 1024") == true, "\(warning)")
        }
    }

    @Test func manyLinesInOneConnection() async throws {
        let count = 200_000
        try await withTCPServer(batchRows: 16_384) { server in
            var text = ""
            text.reserveCapacity(count * 110)
            for id in 1...count { text += tradeLine(id) }
            // By the minute: ingest runs at nice +10, slow under the parallel suite's load.
            let client = try TCPClient(port: server.port, receiveTimeout: 60)
            let bytes = Array(text.utf8)
            #expect(await client.sendInBackground(bytes))
            #expect(try await server.waitForTrades(count, seconds: 60) == count)
            client.finishSending()
            #expect(await client.serverCloses())
            let total = #"strata_ingest_rows_total{table="trades",protocol="tcp"} \#(count)"#
            for _ in 0..<100 where !server.metricsText.contains(total) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.metricsText.contains(total))
        }
    }

    @Test func concurrentConnections() async throws {
        try await withTCPServer(batchRows: 1000) { server in
            let symbols = ["AAA", "BBB", "CCC", "DDD"]
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for symbol in symbols {
                    let client = try TCPClient(port: server.port)
                    let text = (1...5000).map { tradeLine($0, symbol: symbol) }.joined()
                    group.addTask {
                        client.send(text)
                        client.finishSending()
                        return await client.serverCloses()
                    }
                }
                for try await closed in group { #expect(closed) }
            }
            #expect(try await server.waitForTrades(20_000) == 20_000)
            for symbol in symbols {
                let rows = try await server.store.trades.latest(symbol: Symbol(unchecked: symbol), limit: 10_000)
                #expect(rows.count == 5000)
            }
            for _ in 0..<100 where !server.metricsText.contains("strata_tcp_connections 0") {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.metricsText.contains("strata_tcp_connections 0"))
        }
    }

    /// Ingest runs at nice +10 (``IngestPriority``): when other processes (here, the tests run in
    /// parallel) keep the cores busy, it gets a few per cent of them, so this test waits for
    /// progress and for the closes by the minute, not by the ten seconds.
    @Test func gracefulShutdownStoresWhatWasReceived() async throws {
        let directory = makeTemporaryDirectory("strata-tcp-shutdown")
        defer { removeTree(directory) }
        try await withTCPServer(batchRows: 500, directory: directory) { server in
            // A quiet connection: complete lines (stored), then an unfinished line.
            let quiet = try TCPClient(port: server.port, receiveTimeout: 60)
            quiet.send((1...10).map { tradeLine($0, symbol: "QUIET") }.joined() + "trades,symbol=QUIET price=1")
            // A firehose still sending when shutdown begins.
            let firehose = try TCPClient(port: server.port, receiveTimeout: 60)
            let sender = Task {
                await onThread {
                    var id = 1
                    while id < 2_000_000 {
                        let chunk = (id..<id + 1000).map { tradeLine($0) }.joined()
                        guard firehose.send(chunk) else { break }
                        id += 1000
                    }
                }
            }
            #expect(try await server.waitForTrades(2_010, seconds: 60) >= 2_010, "both connections are being stored")
            var quietRows = 0
            for _ in 0..<600 where quietRows < 10 {
                quietRows = try await server.store.trades.latest(symbol: Symbol(unchecked: "QUIET"), limit: 100).count
                if quietRows < 10 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(quietRows == 10)
            await server.group.triggerGracefulShutdown()
            #expect(await quiet.serverCloses())
            #expect(await firehose.serverCloses())
            await sender.value
            #expect(
                !server.logs.all.contains { $0.level >= .error }, "\(server.logs.all.filter { $0.level >= .error })")
            #expect(server.logs.all.contains { $0.message.contains("in the middle of a line") })
        }
        // The store closed after the listener drained: what was stored is a prefix of the stream.
        let store = try StrataStore.open(directory: directory, configuration: .init(maintenanceInterval: nil))
        defer { try? store.close() }
        let ids = try await store.trades.latest(symbol: btc, limit: 3_000_000).map(\.tradeID).sorted()
        #expect(ids.count >= 1000)
        #expect(ids == Array(1...Int64(ids.count)), "no gap: every line up to the last received is stored")
        #expect(try await store.trades.latest(symbol: Symbol(unchecked: "QUIET"), limit: 100).count == 10)
    }
}

/// QuestDB's ECDSA challenge-response, signed here with swift-crypto the way the questdb clients
/// sign (64-byte `r‖s`, standard base64), and DER as Java clients send it.
@Suite struct ILPTCPAuthTests {
    static let key = P256.Signing.PrivateKey()

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func configuration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.auth = .init(disabled: false, writeTokens: [Tokens.write])
        configuration.ilpTCP.port = 0
        let raw = Array(key.publicKey.rawRepresentation)
        configuration.ilpTCP.keys = [
            .init(kid: "testUser1", x: base64URL(raw.prefix(32)), y: base64URL(raw.suffix(32)))
        ]
        return configuration
    }

    /// Sends the key id, checks the challenge, answers it signed by `key`; returns the challenge.
    static func answerChallenge(
        _ client: TCPClient, kid: String = "testUser1", key: P256.Signing.PrivateKey = key, der: Bool = false,
        then data: String = ""
    ) throws -> [UInt8] {
        client.send(kid + "\n")
        let challenge = try #require(client.readLine())
        let signature = try key.signature(for: challenge)
        let encoded = Data(der ? signature.derRepresentation : signature.rawRepresentation).base64EncodedString()
        client.send(encoded + "\n" + data)
        return challenge
    }

    @Test(arguments: [false, true])
    func authenticatedClientWrites(der: Bool) async throws {
        #expect(Self.configuration().ilpTCPListener == .authenticated)
        try await withTCPServer(Self.configuration()) { server in
            let client = try TCPClient(port: server.port)
            // The lines follow the signature in the same segment, as a client that writes at once.
            let challenge = try Self.answerChallenge(client, der: der, then: tradeLine(1) + tradeLine(2))
            #expect(challenge.count == 512)
            #expect(challenge.allSatisfy { (0x20...0x7E).contains($0) })
            #expect(try await server.waitForTrades(2) == 2)
            client.send(tradeLine(3))
            #expect(try await server.waitForTrades(3) == 3)
        }
    }

    @Test func failedAuthenticationClosesWithoutStoring() async throws {
        try await withTCPServer(Self.configuration()) { server in
            let wrongKey = try TCPClient(port: server.port)
            _ = try Self.answerChallenge(wrongKey, key: P256.Signing.PrivateKey(), then: tradeLine(1))
            #expect(await wrongKey.serverCloses())
            // An unknown key id gets a challenge all the same (ids cannot be probed), then is closed.
            let unknown = try TCPClient(port: server.port)
            #expect(try Self.answerChallenge(unknown, kid: "nobody", then: tradeLine(2)).count == 512)
            #expect(await unknown.serverCloses())
            let garbage = try TCPClient(port: server.port)
            garbage.send("testUser1\n")
            _ = garbage.readLine()
            garbage.send("not base64!\n")
            #expect(await garbage.serverCloses())
            // ILP without authenticating: the line is taken as a key id, the next as a bad answer.
            let plain = try TCPClient(port: server.port)
            plain.send(tradeLine(4) + tradeLine(5))
            #expect(await plain.serverCloses())
            #expect(server.store.trades.stats().rows == 0)
            #expect(server.metricsText.contains("strata_tcp_auth_failures_total 4"), "\(server.metricsText)")
            let failures = server.logs.all.filter { $0.message.contains("authentication failed") }
            #expect(failures.count == 4)
            #expect(failures.allSatisfy { $0.metadata["remote"] != nil && $0.metadata["reason"] != nil })
        }
    }

    @Test func listenerRules() throws {
        var configuration = Self.configuration()
        configuration.ilpTCP.keys = []
        guard case .off(let reason) = configuration.ilpTCPListener else {
            Issue.record("auth on without keys must not start the listener")
            return
        }
        #expect(reason.contains("ilp.tcp.keys") && reason.contains("auth.disabled"))
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.ilpTCP.enabled = true
        let error = #expect(throws: ConfigurationError.self) { try configuration.validate() }
        #expect(error?.key == "ilp.tcp.enabled")
        configuration.auth.disabled = true
        #expect(configuration.ilpTCPListener == .open)
        configuration.ilpTCP.enabled = false
        #expect(!configuration.ilpTCPListener.isOn)
    }

    @Test func configurationKeys() throws {
        let key = Self.configuration().ilpTCP.keys[0]
        var fromFile = ServerConfiguration()
        try fromFile.apply(
            json: Array(
                """
                {"http": {"host": "10.0.0.1"}, "auth": {"writeTokens": ["w"]},
                 "ilp": {"tcp": {"enabled": true, "port": 9100, "keys": [{"kid": "k1", "x": "\(key.x)", "y": "\(key.y)"}]}}}
                """.utf8))
        try fromFile.validate()
        #expect(fromFile.ilpTCP.enabled == true)
        #expect(fromFile.ilpTCP.port == 9100)
        #expect(fromFile.ilpTCPHost == "10.0.0.1", "defaults to http.host")
        #expect(fromFile.ilpTCP.keys == [.init(kid: "k1", x: key.x, y: key.y)])
        #expect(fromFile.ilpTCPListener == .authenticated)
        let fromEnvironment = try ServerConfiguration.load(
            file: nil,
            environment: [
                "STRATA_TOKENS_WRITE": "w", "STRATA_ILP_TCP_PORT": "0", "STRATA_ILP_TCP_HOST": "0.0.0.0",
                "STRATA_ILP_TCP_ENABLED": "true", "STRATA_ILP_TCP_KEYS": "a:\(key.x):\(key.y), b:\(key.x):\(key.y)",
            ])
        #expect(fromEnvironment.ilpTCP.port == 0)
        #expect(fromEnvironment.ilpTCPHost == "0.0.0.0")
        #expect(fromEnvironment.ilpTCP.keys.map(\.kid) == ["a", "b"])
        #expect(ServerConfiguration().ilpTCP.port == 9009)
        #expect(ServerConfiguration().ilpTCPHost == "127.0.0.1")
        for (json, key) in [
            (#"{"ilp": {"tcp": {"keys": [{"kid": "a", "x": "b"}]}}}"#, "ilp.tcp.keys"),
            (#"{"ilp": {"tcp": {"keys": [{"kid": "a", "x": "b", "y": "c", "d": "e"}]}}}"#, "ilp.tcp.keys.d"),
            (#"{"ilp": {"tcp": {"prot": 1}}}"#, "ilp.tcp.prot"),
            (#"{"ilp": {"tcp": {"enabled": "yes"}}}"#, "ilp.tcp.enabled"),
        ] {
            var configuration = ServerConfiguration()
            let error = #expect(throws: ConfigurationError.self) { try configuration.apply(json: Array(json.utf8)) }
            #expect(error?.key == key)
        }
    }

    @Test(arguments: [
        (["STRATA_ILP_TCP_PORT": "nine"], "STRATA_ILP_TCP_PORT"),
        (["STRATA_ILP_TCP_PORT": "70000"], "ilp.tcp.port"),
        (["STRATA_ILP_TCP_ENABLED": "sure"], "STRATA_ILP_TCP_ENABLED"),
        (["STRATA_ILP_TCP_HOST": ""], "ilp.tcp.host"),
        (["STRATA_ILP_TCP_KEYS": "kid-only"], "STRATA_ILP_TCP_KEYS"),
        (["STRATA_ILP_TCP_KEYS": "k:AAAA:BBBB"], "ilp.tcp.keys"),
        (["STRATA_ILP_TCP_ENABLED": "true"], "ilp.tcp.enabled"),
    ])
    func badValueNamesItsKey(environment: [String: String], key: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(
                file: nil, environment: environment.merging(["STRATA_TOKENS_WRITE": "w"]) { a, _ in a })
        }
        #expect(error?.key == key, "\(String(describing: error))")
    }
}

/// The built `strata serve` over real sockets, with the variables the benchmark uses.
@Suite struct ILPTCPServeTests {
    func waitUntilLive(port: Int, server: ServerProcess) async throws {
        for _ in 0..<300 {
            if let answer = await rawHTTP(port: port, method: "GET", path: "/health/live"), answer.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("server did not start: \(server.stderr)")
    }

    func storedTrades(httpPort: Int) async -> Int? {
        guard let answer = await rawHTTP(port: httpPort, method: "GET", path: "/api/v1/stats"),
            let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let tables = json["tables"] as? [[String: Any]]
        else { return nil }
        return tables.first { $0["table"] as? String == "trades" }?["rows"] as? Int
    }

    @Test func serveWritesOverTCPAndStopsCleanly() async throws {
        let directory = makeTemporaryDirectory("strata-tcp-e2e")
        defer { removeTree(directory) }
        let (httpPort, tcpPort) = (freePort(), freePort())
        let server = try ServerProcess.start(
            ["serve"],
            environment: [
                "STRATA_AUTH_DISABLED": "true", "STRATA_HTTP_PORT": "\(httpPort)", "STRATA_ILP_TCP_PORT": "\(tcpPort)",
                "STRATA_DATA": directory + "/data",
            ],
            stderrPath: directory + "/serve.log")
        try await waitUntilLive(port: httpPort, server: server)
        var client: TCPClient?
        for _ in 0..<100 where client == nil {
            client = try? TCPClient(port: tcpPort)
            if client == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let connection = try #require(client, "\(server.stderr)")
        connection.send((1...1000).map { tradeLine($0) }.joined())
        var stored: Int?
        for _ in 0..<200 {
            stored = await storedTrades(httpPort: httpPort)
            if stored == 1000 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(stored == 1000)
        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")
        let log = server.stderr
        #expect(log.contains("protocol=ilp-tcp") && log.contains("127.0.0.1:\(tcpPort)"), "\(log)")
        #expect(log.contains("ILP/TCP listener stopped"))
        #expect(log.contains("store closed"))
    }

    @Test func authWithoutKeysDoesNotStartTheListener() async throws {
        let directory = makeTemporaryDirectory("strata-tcp-e2e")
        defer { removeTree(directory) }
        let (httpPort, tcpPort) = (freePort(), freePort())
        var environment = [
            "STRATA_TOKENS_WRITE": "w", "STRATA_HTTP_PORT": "\(httpPort)", "STRATA_ILP_TCP_PORT": "\(tcpPort)",
            "STRATA_DATA": directory + "/data",
        ]
        let server = try ServerProcess.start(["serve"], environment: environment, stderrPath: directory + "/a.log")
        try await waitUntilLive(port: httpPort, server: server)
        #expect(throws: TCPClientError.self) { try TCPClient(port: tcpPort) }
        #expect(await server.stop(SIGTERM) == 0)
        #expect(server.stderr.contains("ILP over TCP is not started"), "\(server.stderr)")
        #expect(server.stderr.contains("ilp.tcp.keys"))
        environment["STRATA_ILP_TCP_ENABLED"] = "true"
        let refused = try ServerProcess.start(["serve"], environment: environment, stderrPath: directory + "/b.log")
        #expect(await refused.wait() == 1)
        #expect(refused.stderr.contains("ilp.tcp.enabled"), "\(refused.stderr)")
    }
}
