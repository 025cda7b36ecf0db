/// Thrift's compact protocol, the encoding of Parquet's footer and page headers: written here
/// from the protocol's specification (Thrift's `doc/specs/thrift-compact-protocol.md`).
///
/// A struct is its fields in id order, each a header byte — the id's delta from the previous
/// field in the upper nibble (1…15; else 0 and the id as a zigzag varint) and the type in the
/// lower — then the value, and a 0 byte to end. Integers are zigzag varints, binary and strings a
/// varint length then the bytes, a list a header byte (size in the upper nibble when < 15, else
/// `0xF` and a varint size; the element type in the lower). A bool field has no value: its type
/// nibble is 1 (true) or 2 (false).
struct ThriftCompactWriter {
    enum FieldType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastField: Int16 = 0
    private var enclosing: [Int16] = []

    init() {}

    mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = Int(id) - Int(lastField)
        if delta > 0, delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastField = id
    }

    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        varint(zigzag(Int64(value)))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        varint(zigzag(value))
    }

    mutating func byte(_ id: Int16, _ value: Int8) {
        fieldHeader(id, .byte)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func bool(_ id: Int16, _ value: Bool) { fieldHeader(id, value ? .boolTrue : .boolFalse) }

    mutating func binary(_ id: Int16, _ value: [UInt8]) {
        fieldHeader(id, .binary)
        binaryValue(value)
    }

    mutating func string(_ id: Int16, _ value: String) { binary(id, Array(value.utf8)) }

    /// A struct field: `body` writes its fields.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        structValue(body)
    }

    /// A list field of `count` elements of `type`: `body` writes the elements (with the `…Value`
    /// methods).
    mutating func list(_ id: Int16, _ type: FieldType, count: Int, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | type.rawValue)
        } else {
            bytes.append(0xF0 | type.rawValue)
            varint(UInt64(count))
        }
        body(&self)
    }

    // MARK: Values (list elements)

    mutating func structValue(_ body: (inout ThriftCompactWriter) -> Void) {
        enclosing.append(lastField)
        lastField = 0
        body(&self)
        bytes.append(0)
        lastField = enclosing.removeLast()
    }

    mutating func i32Value(_ value: Int32) { varint(zigzag(Int64(value))) }

    mutating func binaryValue(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func stringValue(_ value: String) { binaryValue(Array(value.utf8)) }

    /// Ends the outermost struct.
    mutating func end() { bytes.append(0) }

    private func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
