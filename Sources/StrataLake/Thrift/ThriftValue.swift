/// A compact-protocol value read without knowing its schema (Parquet's metadata structs are read
/// by field id from this): what the footer and page headers decode to before they become
/// ``ParquetMetadata`` values.
indirect enum ThriftValue: Sendable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int16: ThriftValue])

    var int: Int64? { if case .int(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var binary: [UInt8]? { if case .binary(let value) = self { value } else { nil } }
    var list: [ThriftValue]? { if case .list(let values) = self { values } else { nil } }
    var fields: [Int16: ThriftValue]? { if case .structure(let fields) = self { fields } else { nil } }
    var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
}

/// Reads compact-protocol structs from bytes (``ThriftCompactWriter``'s inverse), checking every
/// length against the bytes there are and nesting to a bounded depth: damaged metadata is a
/// ``LakeError``, never a crash.
struct ThriftCompactReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var position: Int
    private static let maximumDepth = 32

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// Bytes read so far.
    var consumed: Int { position - bytes.startIndex }

    /// One struct (its fields by id).
    mutating func readStruct() throws(LakeError) -> [Int16: ThriftValue] { try structBody(depth: 0) }

    private mutating func structBody(depth: Int) throws(LakeError) -> [Int16: ThriftValue] {
        guard depth < Self.maximumDepth else { throw LakeError(.corrupt, "thrift: nested too deep") }
        var fields: [Int16: ThriftValue] = [:]
        var last: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return fields }
            let type = header & 0x0F
            let delta = header >> 4
            let id: Int16
            if delta == 0 {
                let raw = unzigzag(try varint())
                guard let exact = Int16(exactly: raw) else { throw LakeError(.corrupt, "thrift: a field id of \(raw)") }
                id = exact
            } else {
                id = last &+ Int16(delta)
            }
            last = id
            switch type {
            case 1: fields[id] = .bool(true)
            case 2: fields[id] = .bool(false)
            default: fields[id] = try value(type: type, depth: depth)
            }
        }
    }

    private mutating func value(type: UInt8, depth: Int) throws(LakeError) -> ThriftValue {
        switch type {
        case 1, 2: return .bool(try byte() == 1)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(unzigzag(try varint()))
        case 7:
            guard position + 8 <= bytes.endIndex else { throw LakeError(.corrupt, "thrift: truncated") }
            var bits: UInt64 = 0
            for index in 0..<8 { bits |= UInt64(bytes[position + index]) << (8 * index) }
            position += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let count = try varint()
            guard count <= UInt64(bytes.endIndex - position) else {
                throw LakeError(.corrupt, "thrift: a binary of \(count) bytes past the end")
            }
            let start = position
            position += Int(count)
            return .binary(Array(bytes[start..<position]))
        case 9, 10:
            let header = try byte()
            var count = UInt64(header >> 4)
            if count == 15 { count = try varint() }
            guard count <= UInt64(bytes.endIndex - position) else {
                throw LakeError(.corrupt, "thrift: a list of \(count) elements past the end")
            }
            var values: [ThriftValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<count { values.append(try value(type: header & 0x0F, depth: depth + 1)) }
            return .list(values)
        case 11:
            let count = try varint()
            guard count <= UInt64(bytes.endIndex - position) else {
                throw LakeError(.corrupt, "thrift: a map of \(count) entries past the end")
            }
            guard count > 0 else { return .list([]) }
            let types = try byte()
            var values: [ThriftValue] = []
            for _ in 0..<count {
                values.append(try value(type: types >> 4, depth: depth + 1))
                values.append(try value(type: types & 0x0F, depth: depth + 1))
            }
            return .list(values)
        case 12: return .structure(try structBody(depth: depth + 1))
        default: throw LakeError(.corrupt, "thrift: unknown type \(type)")
        }
    }

    private mutating func byte() throws(LakeError) -> UInt8 {
        guard position < bytes.endIndex else { throw LakeError(.corrupt, "thrift: truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws(LakeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            guard shift < 64 else { throw LakeError(.corrupt, "thrift: a varint too long") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
