import Foundation
import StrataRedis

/// REDIS (issue 11): StrataRedis against `redis-benchmark` on the same server, in the same run.
///
/// - Pipelined SET throughput: one connection, `--redis-pipeline` commands written per batch
///   (then their replies awaited), `--redis-commands` in all; `redis-benchmark -c 1 -P <same>`.
/// - GET latency: one connection, one GET at a time, the median round trip;
///   `redis-benchmark -c 1 -P 1`'s p50.
///
/// Both write 3-byte values to keys drawn from 100,000 (`-r 100000 -d 3`).
struct RedisWorkload {
    let report: Report

    func run(options: Options) async throws {
        report.section("REDIS: StrataRedis vs redis-benchmark on \(options.redisURL)")
        try await withRedisClient(url: options.redisURL, poolSize: 1) { client, configuration in
            try await measure(client: client, configuration: configuration, options: options)
        }
    }

    private func measure(client: RedisClient, configuration: RedisConfiguration, options: Options) async throws {
        let total = options.redisCommands
        let depth = options.redisPipeline
        let value = RedisArgument("xxx")

        // Pipelined SET.
        var keys: [RedisArgument] = (0..<100_000).map { RedisArgument("key:\(String(format: "%012d", $0))") }
        keys.shuffle()
        let batches = (total + depth - 1) / depth
        let commands: [[[RedisArgument]]] = (0..<batches).map { batch in
            (batch * depth..<min(total, (batch + 1) * depth)).map { ["SET", keys[$0 % keys.count], value] }
        }
        _ = try await client.pipeline(commands[0])  // warm-up
        let setStart = monotonicNanoseconds()
        for batch in commands {
            let results = try await client.pipeline(batch)
            if case .failure(let error) = results.last { throw error }
        }
        let setNanoseconds = monotonicNanoseconds() - setStart
        let ours = Double(total) / (Double(setNanoseconds) / 1e9)
        let peerSet = try redisBenchmark(
            url: configuration, test: "set", requests: total, pipeline: depth)
        report.add("REDIS SET pipelined (StrataRedis)", formatRate(ours, unit: "SET/s"))
        report.add("REDIS SET pipelined (redis-benchmark)", formatRate(peerSet.rps, unit: "SET/s"))
        report.add("REDIS SET StrataRedis ÷ redis-benchmark", fixed(ours / peerSet.rps, 2) + "×")

        // GET one at a time.
        let gets = options.redisGets
        var samples: [Int64] = []
        samples.reserveCapacity(gets)
        for index in 0..<(gets + 1000) {
            let start = monotonicNanoseconds()
            _ = try await client.send(["GET", keys[index % keys.count]])
            if index >= 1000 { samples.append(monotonicNanoseconds() - start) }
        }
        let latency = Samples(nanoseconds: samples)
        let peerGet = try redisBenchmark(url: configuration, test: "get", requests: gets, pipeline: 1)
        let peerP50 = Int64(peerGet.p50Milliseconds * 1e6)
        report.add("REDIS GET p50 (StrataRedis)", formatDuration(latency.median))
        report.add("REDIS GET p50 (redis-benchmark)", formatDuration(peerP50))
        report.add(
            "REDIS GET p50 redis-benchmark ÷ StrataRedis",
            fixed(Double(peerP50) / Double(max(1, latency.median)), 2) + "×")
        report.line("StrataRedis GET: \(latency.summary)")
    }
}

/// Runs `redis-benchmark --csv` and reads its requests per second and p50.
func redisBenchmark(url: RedisConfiguration, test: String, requests: Int, pipeline: Int) throws
    -> (rps: Double, p50Milliseconds: Double)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var arguments = [
        "redis-benchmark", "-h", url.host, "-p", String(url.port), "-t", test, "-n", String(requests), "-c", "1",
        "-P", String(pipeline), "-r", "100000", "-d", "3", "--csv",
    ]
    if let password = url.password { arguments += ["-a", password] }
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",…
    for line in text.split(separator: "\n") where line.hasPrefix("\"\(test.uppercased())\"") {
        let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        if fields.count >= 5, let rps = Double(fields[1]), let p50 = Double(fields[4]) { return (rps, p50) }
    }
    throw RedisBenchmarkError(output: text)
}

struct RedisBenchmarkError: Error, CustomStringConvertible {
    var output: String
    var description: String { "redis-benchmark printed no figures: \(output)" }
}

/// Runs `body` with a client of the server at `url` (commands time out after a minute), closed
/// after it, thrown or not.
func withRedisClient(
    url: String, poolSize: Int, _ body: (RedisClient, RedisConfiguration) async throws -> Void
) async throws {
    var configuration = try RedisConfiguration(url: url)
    configuration.poolSize = poolSize
    configuration.commandTimeout = .seconds(60)
    let client = try await RedisClient.connect(configuration: configuration)
    do {
        try await body(client, configuration)
    } catch {
        await client.close()
        throw error
    }
    await client.close()
}
