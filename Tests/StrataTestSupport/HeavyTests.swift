import Foundation
public import Testing

/// A trait for tests that start servers, writers or data tools of their own, or burn the CPU:
/// at most ``limit`` of them run at once (`STRATA_TEST_HEAVY_LIMIT`, 2), the rest wait for a
/// turn; other tests run around them as usual.
///
/// Swift Testing runs every test at once. On the two cores the suite is sized for, the heavy
/// ones together (crash campaigns, ClickHouse, PostgreSQL and Redis servers of their own, `strata
/// serve` processes, Python data tools, Chromium) kept the machine at a load of ten, and tests
/// whose waits are generous for one machine's worth of work (a live-feed handshake in 90 s, a
/// server's close in 60 s) ran out of them. A test's deadlines start when its turn does.
///
/// ```swift
/// @Suite(.heavy) struct CrashTests { … }
/// ```
public struct HeavyTestTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope takes no turn (its tests take theirs): holding one while its tests
        // wait for theirs would deadlock.
        guard testCase != nil else { return try await function() }
        await HeavyTurns.shared.acquire()
        do {
            try await function()
        } catch {
            await HeavyTurns.shared.release()
            throw error
        }
        await HeavyTurns.shared.release()
    }
}

extension Trait where Self == HeavyTestTrait {
    /// At most ``HeavyTurns/limit`` such tests at once (see ``HeavyTestTrait``).
    public static var heavy: Self { HeavyTestTrait() }
}

/// The turns of heavy tests: a counting semaphore for async code, first come first served.
public actor HeavyTurns {
    public static let shared = HeavyTurns()

    /// `STRATA_TEST_HEAVY_LIMIT`, 2 by default.
    public static let limit: Int = {
        let text = ProcessInfo.processInfo.environment["STRATA_TEST_HEAVY_LIMIT"] ?? ""
        return Int(text).map { max(1, $0) } ?? 2
    }()

    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if running < Self.limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()  // the turn passes on: `running` stays
        }
    }
}
