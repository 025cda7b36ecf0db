import Foundation

/// Runs blocking work (a child process, a socket, a sleep) on a new thread of its own, so that it
/// never holds one of the cooperative pool's threads (two on a 2-core machine), which async tests,
/// in-process servers and replicators need to make progress.
public func onThread<T: Sendable, Failure: Error>(
    _ body: @escaping @Sendable () throws(Failure) -> T
) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: Result { () throws(Failure) -> T in try body() }) }.start()
    }
    return try result.get()
}
