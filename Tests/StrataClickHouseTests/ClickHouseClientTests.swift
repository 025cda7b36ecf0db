import StrataClickHouse
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP client against the real server: answers, ClickHouse's exception codes, timeouts and
/// an unreachable server as typed errors.
@Suite(TestClickHouse.sharedServer) struct ClickHouseClientTests {
    @Test func queriesAnswerAndErrorsCarryClickHousesCode() async throws {
        let client = try await TestClickHouse.client("client")
        let version = try await client.version()
        #expect(version >= ClickHouseVersion([18, 16]))
        #expect(
            try await client.rows("SELECT 1, 'a\\tb', toDecimal64('-0.00000001', 8)") == [["1", "a\tb", "-0.00000001"]])
        await #expect {
            try await client.execute("SELECT * FROM no_such_table")
        } throws: { error in
            guard let error = error as? ClickHouseError else { return false }
            return error.code == .server && error.serverCode == 60 && error.message.contains("no_such_table")
                && error.httpStatus == 404 && error.statement == "SELECT * FROM no_such_table"
        }
        await #expect {
            try await client.execute("SELEC 1")
        } throws: { error in
            (error as? ClickHouseError)?.serverCode == 62  // SYNTAX_ERROR
        }
        await TestClickHouse.dispose(client)
    }

    @Test func aSilentServerTimesOutAndAClosedPortIsUnavailable() async throws {
        // A socket that listens and never answers: the request's deadline passes.
        let (fd, port) = bindLoopback(listening: true)
        defer { close(fd) }
        let silent = ClickHouseClient(
            configuration: ClickHouseConfiguration(port: port, connectTimeout: .seconds(1), queryTimeout: .seconds(1)))
        await #expect {
            try await silent.execute("SELECT 1")
        } throws: { error in
            guard let error = error as? ClickHouseError else { return false }
            return error.code == .timeout && error.isTransient
        }
        try await silent.shutdown()
        let closedPort = TestClickHouse.freePort()
        let nobody = ClickHouseClient(
            configuration: ClickHouseConfiguration(port: closedPort, connectTimeout: .seconds(1)))
        await #expect {
            try await nobody.execute("SELECT 1")
        } throws: { error in
            (error as? ClickHouseError)?.code == .unavailable
        }
        try await nobody.shutdown()
    }

    @Test func urlsAndExceptionsParse() throws {
        let configuration = try ClickHouseConfiguration(url: "http://u:p@127.0.0.1:8124/strata_db")
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8124)
        #expect(configuration.user == "u" && configuration.password == "p" && configuration.database == "strata_db")
        #expect(throws: ClickHouseError.self) { try ClickHouseConfiguration(url: "https://h") }
        #expect(throws: ClickHouseError.self) { try ClickHouseConfiguration(url: "http://h:99999") }
        #expect(throws: ClickHouseError.self) { try ClickHouseConfiguration(url: "http://h/bad-name") }
        #expect(ClickHouseSQL.quote(string: "it's a \\ \n") == #"'it\'s a \\ \n'"#)
        #expect(ClickHouseSQL.parseTabSeparated("a\\tb\t\\N\n1\t2\n") == [["a\tb", "\\N"], ["1", "2"]])
        // The month of a time, as ClickHouse's partition expression computes it.
        #expect(ClickHouseSQL.month(ofNanoseconds: 1_700_000_000_000_000_000) == 202_311)
        #expect(ClickHouseSQL.month(ofNanoseconds: 1_709_251_199_999_999_999) == 202_402)  // 2024-02-29T23:59:59
        #expect(ClickHouseSQL.month(ofNanoseconds: 1_709_251_200_000_000_000) == 202_403)
        #expect(ClickHouseSQL.month(ofNanoseconds: -5) == 197_001)
        #expect(ClickHouseSQL.month(ofNanoseconds: .max) == 209_912)
    }

    /// Swift's month and ClickHouse's partition expression agree across leap years, month ends,
    /// before 1970 and after 2099.
    @Test func theMonthOfATimeMatchesClickHouses() async throws {
        let client = try await TestClickHouse.client("months")
        var times: [Int64] = [.min, -1, 0, 1, .max, 4_102_444_799_999_999_999, 4_102_444_800_000_000_000]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 { times.append(Int64.random(in: 0...4_200_000_000_000_000_000, using: &generator)) }
        for day in stride(from: Int64(0), to: 4_102_444_800, by: 86_400 * 27) { times.append(day * 1_000_000_000 - 1) }
        let list = times.map { "toInt64(\($0))" }.joined(separator: ", ")
        let rows = try await client.rows(
            "SELECT t, \(ClickHouseSQL.monthExpression("t")) FROM (SELECT arrayJoin([\(list)]) AS t)")
        #expect(rows.count == times.count)
        for row in rows {
            let time = try #require(Int64(row[0]))
            #expect(Int(row[1]) == ClickHouseSQL.month(ofNanoseconds: time), "time \(time)")
        }
        await TestClickHouse.dispose(client)
    }
}
