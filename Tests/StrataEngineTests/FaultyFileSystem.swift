import StrataCore
import Synchronization

@testable import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The real file system, except that the *n*-th call of one kind fails: with `EIO`, with
/// `ENOSPC`, or — for writes — after writing a prefix of the buffer (a short write).
///
/// Counts every call by kind, so a clean run tells how many calls of each kind a workload makes.
final class FaultyFileSystem: FileSystemOperations {
    enum Operation: String, CaseIterable, Sendable {
        case open, write, read, syncData, sync, truncate, size, map, rename, unlink, mkdir, list, lock
    }

    enum Fault: String, CaseIterable, Sendable {
        case eio, enospc
        /// Writes the first half of the buffer, then fails with `ENOSPC`.
        case shortWrite

        var errno: Int32 { self == .eio ? EIO : ENOSPC }
    }

    struct Plan: Sendable, CustomStringConvertible {
        var operation: Operation
        /// 1-based: the call of `operation` that fails.
        var occurrence: Int
        var fault: Fault

        var description: String { "\(fault) at \(operation) #\(occurrence)" }
    }

    private struct State {
        var counts: [Operation: Int] = [:]
        var plan: Plan?
        var injected = 0
    }

    private let real = SystemFileSystem()
    private let state: Mutex<State>

    init(plan: Plan? = nil) { state = Mutex(State(plan: plan)) }

    /// Calls made so far, by kind.
    var counts: [Operation: Int] { state.withLock { $0.counts } }
    /// Faults injected so far (0 or 1 per plan).
    var injected: Int { state.withLock { $0.injected } }

    /// Fails the next call of `operation`.
    func failNext(_ operation: Operation, with fault: Fault = .eio) {
        fail(operation, occurrenceFromNow: 1, with: fault)
    }

    /// Fails the `n`-th call of `operation` from now (1 = the next).
    func fail(_ operation: Operation, occurrenceFromNow n: Int, with fault: Fault = .eio) {
        state.withLock {
            $0.plan = Plan(operation: operation, occurrence: ($0.counts[operation] ?? 0) + n, fault: fault)
        }
    }

    /// Counts a call and tells whether it is the one to fail.
    private func fault(_ operation: Operation) -> Fault? {
        state.withLock { state in
            state.counts[operation, default: 0] += 1
            guard let plan = state.plan, plan.operation == operation, plan.occurrence == state.counts[operation] else {
                return nil
            }
            state.injected += 1
            return plan.fault
        }
    }

    private func check(_ operation: Operation) throws(SystemCallError) {
        if let fault = fault(operation) { throw SystemCallError(errno: fault.errno) }
    }

    func openFile(_ path: String, flags: Int32, mode: UInt32) throws(SystemCallError) -> Int32 {
        try check(.open)
        return try real.openFile(path, flags: flags, mode: mode)
    }

    func closeFile(_ fd: Int32) { real.closeFile(fd) }

    func writeFile(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) -> Int {
        if let fault = fault(.write) {
            if fault == .shortWrite && bytes.count > 1 {
                _ = try real.writeFile(fd, UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count / 2)]))
            }
            throw SystemCallError(errno: fault.errno)
        }
        return try real.writeFile(fd, bytes)
    }

    func readFile(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemCallError)
        -> Int
    {
        try check(.read)
        return try real.readFile(fd, into: buffer, at: offset)
    }

    func syncFileData(_ fd: Int32) throws(SystemCallError) {
        try check(.syncData)
        try real.syncFileData(fd)
    }

    func syncFile(_ fd: Int32) throws(SystemCallError) {
        try check(.sync)
        try real.syncFile(fd)
    }

    func truncateFile(_ fd: Int32, to length: Int64) throws(SystemCallError) {
        try check(.truncate)
        try real.truncateFile(fd, to: length)
    }

    func sizeOfFile(_ fd: Int32) throws(SystemCallError) -> Int64 {
        try check(.size)
        return try real.sizeOfFile(fd)
    }

    func mapFile(_ fd: Int32, size: Int) throws(SystemCallError) -> UnsafeRawPointer {
        try check(.map)
        return try real.mapFile(fd, size: size)
    }

    func unmapFile(_ address: UnsafeRawPointer, size: Int) { real.unmapFile(address, size: size) }

    func renameFile(_ from: String, to: String) throws(SystemCallError) {
        try check(.rename)
        try real.renameFile(from, to: to)
    }

    func unlinkFile(_ path: String) throws(SystemCallError) {
        try check(.unlink)
        try real.unlinkFile(path)
    }

    func makeDirectory(_ path: String) throws(SystemCallError) {
        try check(.mkdir)
        try real.makeDirectory(path)
    }

    func directoryEntries(_ path: String) throws(SystemCallError) -> [String] {
        try check(.list)
        return try real.directoryEntries(path)
    }

    func status(_ path: String) -> FileStatus? { real.status(path) }

    func lockFile(_ fd: Int32) throws(SystemCallError) {
        try check(.lock)
        try real.lockFile(fd)
    }
}
