import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Memory for full-size lane chunks, faulted in before it is needed.
///
/// A lane that fills a chunk takes a fresh one while its table's state lock is held (an append
/// applies its rows under that lock). Mapping and faulting in a 512 KiB chunk costs the kernel
/// about a millisecond on a busy two-core machine; a symbol whose five lanes filled their chunks
/// at once held the lock — and every latest-N query of the table — for 4–8 ms. So appenders call
/// ``refill()`` before they take the lock, lanes ``take()`` from the reserve under it, and chunks
/// released by sealed-away partitions come back to it (already faulted in) up to
/// ``retainedLimit`` instead of being unmapped.
///
/// Process-wide: every table's lanes draw on one reserve, so the memory kept idle is bounded
/// (at most ``retainedLimit`` chunks, 32 MiB) however many tables are open.
enum ChunkReserve {
    /// Chunks the reserve holds after ``refill()``: enough for a batch that fills a chunk in
    /// every lane of a few symbols at once.
    static let refillTarget = 16
    /// Chunks kept when lanes give theirs back; the rest are unmapped.
    static let retainedLimit = 64

    static var chunkBytes: Int { Lane.chunkSize * MemoryLayout<Int64>.stride }

    /// Addresses (as integers, which are `Sendable`) of mapped, faulted-in regions of ``chunkBytes``.
    private static let free = Mutex<[UInt]>([])

    /// A faulted-in chunk's memory, or nil if the reserve is empty.
    static func take() -> UnsafeMutableRawPointer? {
        free.withLock { $0.popLast() }.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps a chunk's memory for reuse; false if the reserve is full (the caller unmaps it).
    static func giveBack(_ address: UnsafeMutableRawPointer) -> Bool {
        let bits = UInt(bitPattern: address)
        return free.withLock { free in
            guard free.count < retainedLimit else { return false }
            free.append(bits)
            return true
        }
    }

    /// Maps and faults in chunks until the reserve holds ``refillTarget`` (outside any table lock).
    static func refill() {
        var missing = refillTarget - free.withLock { $0.count }
        while missing > 0 {
            guard let address = mapPopulated() else { return }
            if !giveBack(address) {
                munmap(address, chunkBytes)
                return
            }
            missing -= 1
        }
    }

    /// A fresh mapping of ``chunkBytes``, faulted in (`MAP_POPULATE`), or nil if mapping failed.
    static func mapPopulated() -> UnsafeMutableRawPointer? {
        let address = mmap(
            nil, chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
        guard let address, address != MAP_FAILED else { return nil }
        return address
    }

    /// Chunks held now (tests).
    static var count: Int { free.withLock { $0.count } }
}
