/// A minimal FlatBuffers builder: just what Arrow's metadata (`Schema.fbs`, `Message.fbs`) needs.
///
/// Like every FlatBuffers builder it writes back to front: a table's children (strings, vectors,
/// other tables) are written before the table that refers to them, because an offset to a child
/// (`uoffset_t`) may only point forward. The bytes live at the end of `storage`
/// (`storage[head...]`), and an object is named by its distance from that end (an `Offset`),
/// which stays valid while the buffer grows at the front.
///
/// Scalars equal to their schema default are not written (their vtable slot stays 0), as the
/// reference builders do by default. Vtables are not shared between tables: Arrow's messages are a
/// few hundred bytes, and readers need no sharing.
struct FlatBufferBuilder {
    /// An object written: its distance from the end of the buffer.
    struct Offset: Equatable {
        fileprivate(set) var distance: Int
    }

    private var storage: [UInt8]
    /// Where the written bytes begin in `storage`.
    private var head: Int
    /// The largest alignment any scalar written needed: the finished buffer's size is a multiple.
    private var minAlign = 1
    /// The current table's fields, by slot: each one's distance from the end, 0 when absent.
    private var fields: [Int] = []
    private var tableStart = 0
    private var inTable = false

    init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: max(capacity, 16))
        head = storage.count
    }

    /// Bytes written so far.
    private var used: Int { storage.count - head }

    /// Forgets everything written, keeping the storage.
    mutating func reset() {
        head = storage.count
        minAlign = 1
        fields.removeAll(keepingCapacity: true)
        inTable = false
    }

    // MARK: Raw writing

    /// Makes room for `count` more bytes at the front.
    private mutating func ensureRoom(_ count: Int) {
        guard head < count else { return }
        let oldSize = storage.count
        let newSize = max(oldSize * 2, used + count + 16)
        var grown = [UInt8](repeating: 0, count: newSize)
        let newHead = newSize - used
        grown.withUnsafeMutableBytes { destination in
            storage.withUnsafeBytes { source in
                destination.baseAddress!.advanced(by: newHead)
                    .copyMemory(from: source.baseAddress!.advanced(by: head), byteCount: oldSize - head)
            }
        }
        storage = grown
        head = newHead
    }

    /// Writes `count` zero bytes.
    private mutating func pad(_ count: Int) {
        guard count > 0 else { return }
        ensureRoom(count)
        for index in (head - count)..<head { storage[index] = 0 }
        head -= count
    }

    /// Pads so that, once `additional` more bytes are written, a scalar of `size` bytes lands
    /// aligned (`size` a power of two).
    private mutating func prepare(_ size: Int, additional: Int) {
        minAlign = max(minAlign, size)
        let padding = (0 &- (used + additional)) & (size - 1)
        ensureRoom(padding + additional + size)
        pad(padding)
    }

    /// Writes `value` little-endian at the front, without aligning.
    private mutating func put<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        ensureRoom(size)
        head -= size
        let at = head
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
    }

    /// Writes `value`, aligned to its size.
    private mutating func add<T: FixedWidthInteger>(_ value: T) {
        prepare(MemoryLayout<T>.size, additional: 0)
        put(value)
    }

    /// Writes an offset to `target`, relative to where it is written.
    private mutating func addOffset(_ target: Offset) {
        prepare(4, additional: 0)
        precondition(target.distance <= used, "a FlatBuffers offset must point forward")
        put(UInt32(used + 4 - target.distance))
    }

    // MARK: Strings and vectors

    /// A string: its length, its UTF-8 bytes and a terminating zero.
    mutating func createString(_ string: String) -> Offset {
        var string = string
        return string.withUTF8 { createString(UnsafeRawBufferPointer($0)) }
    }

    /// A string of the UTF-8 bytes given.
    mutating func createString(_ utf8: UnsafeRawBufferPointer) -> Offset {
        precondition(!inTable, "strings are written before the table that refers to them")
        prepare(4, additional: utf8.count + 1)
        put(UInt8(0))
        ensureRoom(utf8.count)
        head -= utf8.count
        let at = head
        if !utf8.isEmpty {
            storage.withUnsafeMutableBytes {
                $0.baseAddress!.advanced(by: at).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
            }
        }
        put(UInt32(utf8.count))
        return Offset(distance: used)
    }

    /// A vector of offsets (tables, strings), in the order given.
    mutating func createVector(ofOffsets offsets: [Offset]) -> Offset {
        precondition(!inTable, "vectors are written before the table that refers to them")
        prepare(4, additional: 4 * offsets.count)
        for offset in offsets.reversed() { addOffset(offset) }
        put(UInt32(offsets.count))
        return Offset(distance: used)
    }

    /// A vector of structs of `count` elements, each `elementSize` bytes aligned to `alignment`:
    /// `writeElement(i, into:)` writes element `i` in the order of its fields through the
    /// `StructWriter` given (which writes back to front on its behalf).
    mutating func createVector(
        ofStructs count: Int, elementSize: Int, alignment: Int, _ writeElement: (Int, inout StructWriter) -> Void
    ) -> Offset {
        precondition(!inTable, "vectors are written before the table that refers to them")
        prepare(4, additional: elementSize * count)
        prepare(alignment, additional: elementSize * count)
        ensureRoom(elementSize * count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            head -= elementSize
            var writer = StructWriter(size: elementSize)
            writeElement(index, &writer)
            precondition(writer.written == elementSize, "a struct's fields must fill it")
            let at = head
            storage.withUnsafeMutableBytes { raw in
                withUnsafeBytes(of: writer.bytes) { bytes in
                    raw.baseAddress!.advanced(by: at).copyMemory(from: bytes.baseAddress!, byteCount: elementSize)
                }
            }
        }
        put(UInt32(count))
        return Offset(distance: used)
    }

    /// Collects one struct's fields front to back (Arrow's structs are pairs of `long`s).
    struct StructWriter {
        fileprivate var bytes: (UInt64, UInt64) = (0, 0)
        fileprivate var written = 0
        fileprivate let size: Int

        fileprivate init(size: Int) {
            precondition(size <= 16, "structs of up to 16 bytes")
            self.size = size
        }

        mutating func add(_ value: Int64) {
            precondition(written % 8 == 0 && written + 8 <= size, "struct field out of place")
            let at = written
            withUnsafeMutableBytes(of: &bytes) {
                $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: Int64.self)
            }
            written += 8
        }
    }

    // MARK: Tables

    mutating func startTable(fieldCount: Int) {
        precondition(!inTable, "tables do not nest while being written")
        inTable = true
        fields.removeAll(keepingCapacity: true)
        fields.append(contentsOf: repeatElement(0, count: fieldCount))
        tableStart = used
    }

    /// Adds a scalar field, unless it is the default.
    mutating func add<T: FixedWidthInteger>(slot: Int, _ value: T, default defaultValue: T) {
        guard value != defaultValue else { return }
        add(value)
        fields[slot] = used
    }

    mutating func add(slot: Int, _ value: Bool, default defaultValue: Bool) {
        add(slot: slot, UInt8(value ? 1 : 0), default: defaultValue ? 1 : 0)
    }

    /// Adds an offset field (a string, a vector, a table).
    mutating func add(slot: Int, _ offset: Offset) {
        addOffset(offset)
        fields[slot] = used
    }

    /// Ends the table: writes its vtable just before it.
    mutating func endTable() -> Offset {
        precondition(inTable, "endTable without startTable")
        add(Int32(0))  // the table's offset to its vtable, set below
        let table = used
        var slots = fields.count
        while slots > 0 && fields[slots - 1] == 0 { slots -= 1 }
        for slot in stride(from: slots - 1, through: 0, by: -1) {
            put(UInt16(fields[slot] == 0 ? 0 : table - fields[slot]))
        }
        put(UInt16(table - tableStart))
        put(UInt16(4 + 2 * slots))
        let vtable = used
        let at = storage.count - table
        storage.withUnsafeMutableBytes {
            $0.storeBytes(of: Int32(vtable - table).littleEndian, toByteOffset: at, as: Int32.self)
        }
        inTable = false
        return Offset(distance: table)
    }

    /// Ends the buffer with its root table: returns the finished bytes.
    mutating func finish(root: Offset) -> ArraySlice<UInt8> {
        prepare(minAlign, additional: 4)
        addOffset(root)
        return storage[head...]
    }
}
