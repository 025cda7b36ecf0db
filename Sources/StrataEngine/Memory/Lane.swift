import StrataCore
#if canImport(Glibc)
    import Glibc
#endif

/// One column of an in-memory symbol slice: `Int64` values in fixed chunks of 65,536.
///
/// A growing `Array` doubles and copies, and every doubling faults in fresh pages: for a
/// multi-million-row open partition that was most of the cost of ingest and of WAL replay. A
/// lane never moves what it holds; appending fills the last chunk and adds a new one when full.
/// Sealed blocks (1,024 rows) never straddle a chunk, so a block is always contiguous.
///
/// Value semantics: copies share chunks, and a mutation copies a chunk first if it is shared.
struct Lane: RandomAccessCollection, Sendable {
    static let chunkShift = 16
    static let chunkSize = 1 << chunkShift
    static let chunkMask = chunkSize - 1

    /// A chunk of storage. `@unchecked Sendable`: a chunk is mutated only through a `Lane` that
    /// holds the only reference to it (checked with `isKnownUniquelyReferenced`), so a chunk
    /// another lane or thread can see is never written.
    final class Chunk: @unchecked Sendable {
        private(set) var storage: UnsafeMutablePointer<Int64>
        var count = 0
        /// Values the storage holds: ``Lane/chunkSize``, except for a lane's first chunk, which
        /// starts at ``Lane/firstCapacity`` and doubles (moving its values) up to a full chunk.
        private(set) var capacity: Int
        private var mapped: Bool

        /// A full-size chunk. With `prefault`, its 512 KiB come pre-faulted from one
        /// `mmap(MAP_POPULATE)`: filling fresh memory page by page costs a fault per 4 KiB, which
        /// dominated WAL replay. Only lanes that already filled a chunk (or bulk replay) ask for
        /// it.
        init(prefault: Bool = false) {
            (storage, mapped) = Chunk.allocate(Lane.chunkSize, prefault: prefault)
            capacity = Lane.chunkSize
        }

        /// A small first chunk: most lanes (a symbol's columns in a quiet partition, bar tables)
        /// hold a few values, and a full chunk per lane made every new symbol cost ~200 KiB of
        /// resident memory (a page per lane, some 50 lanes with the bar tables).
        init(capacity: Int) {
            (storage, mapped) = Chunk.allocate(capacity, prefault: false)
            self.capacity = capacity
        }

        /// Pre-faulted full chunks come from the ``ChunkReserve`` (filled outside the table's lock),
        /// else from a fresh `mmap`; small ones from the allocator.
        private static func allocate(_ capacity: Int, prefault: Bool) -> (UnsafeMutablePointer<Int64>, Bool) {
            if prefault && capacity == Lane.chunkSize,
                let address = ChunkReserve.take() ?? ChunkReserve.mapPopulated()
            {
                return (address.bindMemory(to: Int64.self, capacity: capacity), true)
            }
            return (.allocate(capacity: capacity), false)
        }

        private func release() {
            if mapped {
                let address = UnsafeMutableRawPointer(storage)
                if !ChunkReserve.giveBack(address) { munmap(address, ChunkReserve.chunkBytes) }
            } else {
                storage.deallocate()
            }
        }

        deinit { release() }

        /// Grows a small chunk to at least `minimum` values (at most a full chunk), moving them.
        /// Only for a chunk the caller holds the only reference to.
        func grow(toAtLeast minimum: Int) {
            var newCapacity = capacity
            while newCapacity < minimum && newCapacity < Lane.chunkSize { newCapacity *= 2 }
            newCapacity = Swift.min(newCapacity, Lane.chunkSize)
            guard newCapacity > capacity else { return }
            let (newStorage, newMapped) = Chunk.allocate(newCapacity, prefault: newCapacity == Lane.chunkSize)
            newStorage.update(from: storage, count: count)
            release()
            storage = newStorage
            mapped = newMapped
            capacity = newCapacity
        }

        func copy() -> Chunk {
            let copy =
                capacity == Lane.chunkSize ? Chunk(prefault: count > Lane.chunkSize / 2) : Chunk(capacity: capacity)
            copy.storage.update(from: storage, count: count)
            copy.count = count
            return copy
        }
    }

    /// Values a lane's first chunk holds before it first grows.
    static let firstCapacity = 16

    private(set) var chunks: [Chunk] = []
    private(set) var count = 0

    init() {}

    init(_ values: [Int64]) {
        values.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(position: Int) -> Int64 {
        chunks[position >> Lane.chunkShift].storage[position & Lane.chunkMask]
    }

    /// The last chunk, made unique and with room for at least one more value (for `wanting`
    /// if it can grow that far); `bulk` (WAL replay of a large log) pre-faults a first chunk
    /// that starts full-size.
    ///
    /// Only the last chunk can have room, and only the first chunk can be smaller than a full
    /// one (it reaches full size before a second is added), so position `p` is always at
    /// `chunks[p >> chunkShift].storage[p & chunkMask]`.
    @inline(__always)
    private mutating func writableTail(wanting: Int = 1, bulk: Bool = false) -> Chunk {
        if count & Lane.chunkMask == 0 {
            // A lane's later chunks fill (it already filled one), so they come pre-faulted; its
            // first starts small, or at the size of a bulk append, rounded up to a power of two.
            let first = Swift.max(Lane.firstCapacity, Swift.min(Lane.chunkSize, wanting))
            let chunk =
                !chunks.isEmpty || (bulk && first == Lane.chunkSize)
                ? Chunk(prefault: true) : Chunk(capacity: 1 << (Int.bitWidth - (first - 1).leadingZeroBitCount))
            chunks.append(chunk)
            return chunk
        }
        let last = chunks.count - 1
        if !isKnownUniquelyReferenced(&chunks[last]) { chunks[last] = chunks[last].copy() }
        let chunk = chunks[last]
        if chunk.count == chunk.capacity { chunk.grow(toAtLeast: chunk.count + wanting) }
        return chunk
    }

    mutating func append(_ value: Int64) {
        let chunk = writableTail()
        chunk.storage[chunk.count] = value
        chunk.count += 1
        count += 1
    }

    /// Appends `source[picks[k]]` for every k, chunk by chunk.
    mutating func append(
        gathering source: UnsafeBufferPointer<Int64>, at picks: UnsafeBufferPointer<Int>, bulk: Bool = false
    ) {
        var k = 0
        while k < picks.count {
            let chunk = writableTail(wanting: picks.count - k, bulk: bulk)
            let n = Swift.min(chunk.capacity - chunk.count, picks.count - k)
            let target = chunk.storage + chunk.count
            for j in 0..<n { target[j] = source[picks[k + j]] }
            chunk.count += n
            count += n
            k += n
        }
    }

    /// Appends every value of `values`.
    mutating func append(contentsOf values: UnsafeBufferPointer<Int64>) {
        var k = 0
        while k < values.count {
            let chunk = writableTail(wanting: values.count - k)
            let n = Swift.min(chunk.capacity - chunk.count, values.count - k)
            (chunk.storage + chunk.count).update(from: values.baseAddress! + k, count: n)
            chunk.count += n
            count += n
            k += n
        }
    }

    /// Overwrites the value at `position` (copying its chunk first if it is shared).
    mutating func set(_ position: Int, _ value: Int64) {
        let index = position >> Lane.chunkShift
        if !isKnownUniquelyReferenced(&chunks[index]) { chunks[index] = chunks[index].copy() }
        chunks[index].storage[position & Lane.chunkMask] = value
    }

    /// Drops every value from `newCount` on.
    mutating func truncate(to newCount: Int) {
        guard newCount < count else { return }
        let keptChunks = (newCount + Lane.chunkMask) >> Lane.chunkShift
        chunks.removeLast(chunks.count - keptChunks)
        count = newCount
        if keptChunks > 0 {
            let last = keptChunks - 1
            if !isKnownUniquelyReferenced(&chunks[last]) { chunks[last] = chunks[last].copy() }
            chunks[last].count = newCount - last * Lane.chunkSize
        }
    }

    /// Calls `body` with the contiguous pieces holding `range`, in order.
    func forEachPiece(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Int64>) throws -> Void) rethrows {
        var position = range.lowerBound
        while position < range.upperBound {
            let chunk = chunks[position >> Lane.chunkShift]
            let offset = position & Lane.chunkMask
            let n = Swift.min(chunk.count - offset, range.upperBound - position)
            try body(UnsafeBufferPointer(start: chunk.storage + offset, count: n))
            position += n
        }
    }

    /// The values in `range` appended to `out`.
    func copy(_ range: Range<Int>, into out: inout [Int64]) {
        out.reserveCapacity(out.count + range.count)
        forEachPiece(range) { out.append(contentsOf: $0) }
    }

    /// The values as one array.
    var array: [Int64] {
        var out: [Int64] = []
        copy(0..<count, into: &out)
        return out
    }
}
