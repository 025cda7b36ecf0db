import Foundation
import StrataCore
import StrataFuzzing
import Testing

/// Runs each fuzz harness over its seed corpus (`Fuzz/Corpus/<harness>/`, which also keeps every
/// input that once failed) and a bounded number of seeded random mutations of it: what libFuzzer
/// does for hours (`scripts/fuzz.sh`), a few seconds of it in every `swift test`.
///
/// `STRATA_FUZZ_MUTATIONS` scales the mutations (default 1.0, i.e. 20,000 for ILP);
/// `STRATA_WRITE_FUZZ_SEEDS=1` rewrites the WAL and sealed-file seeds from the current engine.
@Suite struct FuzzReplayTests {
    typealias Harness = (UnsafeRawBufferPointer) throws -> Void

    static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")
    static let scale = ProcessInfo.processInfo.environment["STRATA_FUZZ_MUTATIONS"].flatMap(Double.init) ?? 1.0

    static func corpus(_ name: String) throws -> [[UInt8]] {
        let directory = corpusRoot.appendingPathComponent(name)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            !$0.hasPrefix(".") && !$0.hasPrefix("LICENSE") && !$0.hasSuffix(".md")
        }.sorted()
        return try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    /// Replays the corpus, then `mutations` mutated inputs; returns the failures (input, message).
    static func campaign(_ name: String, mutations: Int, maxLength: Int, harness: Harness) throws -> [String] {
        let seeds = try corpus(name)
        #expect(!seeds.isEmpty, "no seed corpus in \(corpusRoot.path)/\(name)")
        var failures: [String] = []
        func run(_ input: [UInt8], _ label: String) {
            do {
                try input.withUnsafeBytes { try harness($0) }
            } catch {
                if failures.count < 5 {
                    failures.append(
                        "\(label) [\(input.count) bytes, base64 \(Data(input).base64EncodedString())]: \(error)")
                }
            }
        }
        for (i, seed) in seeds.enumerated() { run(seed, "seed \(i)") }
        var random = SplitMix64(seed: 0x5EED_0000 &+ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        let count = Int(Double(mutations) * scale)
        for i in 0..<count {
            var input = seeds[Int(random.next() % UInt64(seeds.count))]
            let rounds = 1 + Int(random.next() % 4)
            for _ in 0..<rounds { Mutator.mutate(&input, seeds: seeds, maxLength: maxLength, random: &random) }
            run(input, "mutation \(i)")
        }
        print("fuzz replay \(name): \(seeds.count) seeds + \(count) mutations, \(failures.count) failures")
        return failures
    }

    @Test func ilp() throws {
        let failures = try Self.campaign("ilp", mutations: 20_000, maxLength: 4_096) { bytes in
            try ILPHarness.fuzzOne(bytes)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func csv() throws {
        let failures = try Self.campaign("csv", mutations: 500, maxLength: 4_096) { bytes in
            try CSVHarness.fuzzOne(bytes)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func wal() throws {
        let failures = try Self.campaign("wal", mutations: 1_500, maxLength: 8_192) { bytes in
            try WALHarness.fuzzOne(bytes)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Mutated sealed files through a table directory: fenced off or read, never a trap.
    @Test func sealed() throws {
        let failures = try Self.campaign("sealed", mutations: 1_500, maxLength: 16_384) { bytes in
            try SealedHarness.fuzzOne(bytes)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// A valid WAL segment and sealed file round-trip: the rows read back are the rows written.
    @Test func validInputsRoundTrip() throws {
        let segment = try WALHarness.validSegment()
        let walRows = try segment.bytes.withUnsafeBytes { bytes in try WALHarness.replay(bytes) }
        #expect(walRows == segment.rows)
        let file = try SealedHarness.validFile()
        let sealedRows = try file.bytes.withUnsafeBytes { bytes in try SealedHarness.open(bytes) }
        #expect(sealedRows == file.rows)
        if ProcessInfo.processInfo.environment["STRATA_WRITE_FUZZ_SEEDS"] == "1" {
            try Data(segment.bytes).write(to: Self.corpusRoot.appendingPathComponent("wal/valid-segment.wal"))
            try Data(file.bytes).write(to: Self.corpusRoot.appendingPathComponent("sealed/valid-partition.col"))
        }
    }
}

/// libFuzzer-style mutations: bit flips, byte changes, inserts, deletions, duplicated or spliced
/// chunks, interesting integers, truncation.
enum Mutator {
    static let interesting: [UInt64] = [
        0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, .max, 1 << 63,
    ]

    static func mutate(_ input: inout [UInt8], seeds: [[UInt8]], maxLength: Int, random: inout SplitMix64) {
        func index(_ count: Int) -> Int { count == 0 ? 0 : Int(random.next() % UInt64(count)) }
        switch random.next() % 9 {
        case 0 where !input.isEmpty:
            input[index(input.count)] ^= UInt8(1) << UInt8(random.next() % 8)
        case 1 where !input.isEmpty:
            input[index(input.count)] = UInt8(truncatingIfNeeded: random.next())
        case 2:
            let bytes: [UInt8] = [
                0x0A, 0x0D, 0x2C, 0x20, 0x3D, 0x22, 0x5C, 0x23, 0x2E, 0x2D, 0x30, 0x39, 0x65, 0x69, 0x00,
            ]
            input.insert(bytes[index(bytes.count)], at: index(input.count + 1))
        case 3 where !input.isEmpty:
            let start = index(input.count)
            input.removeSubrange(start..<min(input.count, start + 1 + index(16)))
        case 4 where !input.isEmpty:
            let start = index(input.count)
            let chunk = input[start..<min(input.count, start + 1 + index(64))]
            input.insert(contentsOf: chunk, at: index(input.count + 1))
        case 5:
            let other = seeds[index(seeds.count)]
            guard !other.isEmpty else { break }
            let start = index(other.count)
            let chunk = other[start..<min(other.count, start + 1 + index(128))]
            input.insert(contentsOf: chunk, at: index(input.count + 1))
        case 6 where input.count >= 8:
            let value = interesting[index(interesting.count)]
            let width = [1, 2, 4, 8][index(4)]
            let at = index(input.count - width + 1)
            for b in 0..<width { input[at + b] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(b))) }
        case 7 where !input.isEmpty:
            input.removeLast(index(input.count) / 2 + 1)
        default:
            // A decimal number where a digit was.
            if let at = input.firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                let text = Array(String(Int64(bitPattern: random.next()) >> Int64(random.next() % 63)).utf8)
                input.replaceSubrange(at..<at + 1, with: text)
            }
        }
        if input.count > maxLength { input.removeLast(input.count - maxLength) }
    }
}
