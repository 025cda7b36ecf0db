import StrataCore

/// A field of the stream's schema: its name and the Arrow type the first batch fixed for it.
struct StreamField: Sendable, Equatable {
    let name: String
    let type: StreamType
}

/// The Arrow types a ``ColumnarValues`` maps to.
enum StreamType: Sendable, Equatable {
    /// Timestamp(NANOSECOND, "UTC").
    case timestamp
    case int64
    case int8
    /// Decimal128(38, scale).
    case decimal(scale: Int)
    /// FloatingPoint(DOUBLE).
    case float64
    case bool
    case utf8
    /// Dictionary<Int32, Utf8>, dictionary `id` (the `id`-th dictionary field of the schema).
    case dictionary(id: Int)
    /// List<Struct<price: Decimal128(38, priceScale), size: Decimal128(38, sizeScale)>>.
    case levels(priceScale: Int, sizeScale: Int)

    /// A name for the kind, for errors.
    var kindName: String {
        switch self {
        case .timestamp: "timestamps"
        case .int64: "int64"
        case .int8: "int8"
        case .decimal(let scale): "decimals at scale \(scale)"
        case .float64: "float64"
        case .bool: "bool"
        case .utf8: "strings"
        case .dictionary: "dictionary strings"
        case .levels(let priceScale, let sizeScale): "book levels at scales \(priceScale)/\(sizeScale)"
        }
    }
}

extension ColumnarValues {
    /// A name for the kind, for errors.
    var kindName: String {
        switch self {
        case .timestamps: "timestamps"
        case .int64: "int64"
        case .int8: "int8"
        case .decimals(_, let scale), .wideDecimals(_, let scale): "decimals at scale \(scale)"
        case .float64: "float64"
        case .bool: "bool"
        case .strings: "strings"
        case .dictionary: "dictionary strings"
        case .levels(let levels): "book levels at scales \(levels.priceScale)/\(levels.sizeScale)"
        }
    }
}

/// The Arrow metadata tables (`Schema.fbs`, `Message.fbs`): field slots and union tags.
enum ArrowFlatBuffers {
    /// `MetadataVersion.V5`.
    static let version: Int16 = 4
    /// `Type` union tags.
    enum TypeTag {
        static let int: UInt8 = 2
        static let floatingPoint: UInt8 = 3
        static let utf8: UInt8 = 5
        static let bool: UInt8 = 6
        static let decimal: UInt8 = 7
        static let timestamp: UInt8 = 10
        static let list: UInt8 = 12
        static let structType: UInt8 = 13
    }
    /// `MessageHeader` union tags.
    enum HeaderTag {
        static let schema: UInt8 = 1
        static let dictionaryBatch: UInt8 = 2
        static let recordBatch: UInt8 = 3
    }

    /// The schema of `fields`, with the custom metadata given, as a `Message`.
    static func schemaMessage(
        _ fields: [StreamField], metadata: [(String, String)], builder: inout FlatBufferBuilder
    ) -> FlatBufferBuilder.Offset {
        var fieldOffsets: [FlatBufferBuilder.Offset] = []
        fieldOffsets.reserveCapacity(fields.count)
        for field in fields { fieldOffsets.append(self.field(field, builder: &builder)) }
        let fieldVector = builder.createVector(ofOffsets: fieldOffsets)
        var pairs: [FlatBufferBuilder.Offset] = []
        for (key, value) in metadata {
            let keyString = builder.createString(key)
            let valueString = builder.createString(value)
            builder.startTable(fieldCount: 2)
            builder.add(slot: 0, keyString)
            builder.add(slot: 1, valueString)
            pairs.append(builder.endTable())
        }
        let metadataVector = metadata.isEmpty ? nil : builder.createVector(ofOffsets: pairs)
        builder.startTable(fieldCount: 4)
        builder.add(slot: 1, fieldVector)
        if let metadataVector { builder.add(slot: 2, metadataVector) }
        let schema = builder.endTable()
        return message(header: schema, tag: HeaderTag.schema, bodyLength: 0, builder: &builder)
    }

    /// A `Message` wrapping `header`.
    static func message(
        header: FlatBufferBuilder.Offset, tag: UInt8, bodyLength: Int, builder: inout FlatBufferBuilder
    ) -> FlatBufferBuilder.Offset {
        builder.startTable(fieldCount: 5)
        builder.add(slot: 3, Int64(bodyLength), default: 0)
        builder.add(slot: 2, header)
        builder.add(slot: 0, version, default: 0)
        builder.add(slot: 1, tag, default: 0)
        return builder.endTable()
    }

    /// A `RecordBatch` of `length` rows with the nodes and buffers given (buffers laid out one
    /// after the other, each from an 8-byte boundary).
    static func recordBatch(
        length: Int, nodes: [(length: Int, nulls: Int)], bufferLengths: [Int], builder: inout FlatBufferBuilder
    ) -> FlatBufferBuilder.Offset {
        let nodeVector = builder.createVector(ofStructs: nodes.count, elementSize: 16, alignment: 8) { index, node in
            node.add(Int64(nodes[index].length))
            node.add(Int64(nodes[index].nulls))
        }
        // The offsets of the buffers, front to back; written back to front by the builder.
        var bufferOffsets: [Int] = []
        bufferOffsets.reserveCapacity(bufferLengths.count)
        var position = 0
        for length in bufferLengths {
            bufferOffsets.append(position)
            position += padded(length)
        }
        let bufferVector = builder.createVector(ofStructs: bufferLengths.count, elementSize: 16, alignment: 8) {
            index, buffer in
            buffer.add(Int64(bufferOffsets[index]))
            buffer.add(Int64(bufferLengths[index]))
        }
        builder.startTable(fieldCount: 5)
        builder.add(slot: 0, Int64(length), default: 0)
        builder.add(slot: 1, nodeVector)
        builder.add(slot: 2, bufferVector)
        return builder.endTable()
    }

    /// A `DictionaryBatch` of dictionary `id` with its values' record batch.
    static func dictionaryBatch(
        id: Int, data: FlatBufferBuilder.Offset, isDelta: Bool, builder: inout FlatBufferBuilder
    ) -> FlatBufferBuilder.Offset {
        builder.startTable(fieldCount: 3)
        builder.add(slot: 0, Int64(id), default: 0)
        builder.add(slot: 1, data)
        builder.add(slot: 2, isDelta, default: false)
        return builder.endTable()
    }

    /// A `Field` of the schema.
    private static func field(_ field: StreamField, builder: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        switch field.type {
        case .timestamp:
            let timezone = builder.createString("UTC")
            builder.startTable(fieldCount: 2)
            builder.add(slot: 1, timezone)
            builder.add(slot: 0, Int16(3), default: 0)  // TimeUnit.NANOSECOND
            let type = builder.endTable()
            return self.field(field.name, type: type, tag: TypeTag.timestamp, builder: &builder)
        case .int64, .int8:
            let type = intType(bitWidth: field.type == .int64 ? 64 : 8, builder: &builder)
            return self.field(field.name, type: type, tag: TypeTag.int, builder: &builder)
        case .decimal(let scale):
            let type = decimalType(scale: scale, builder: &builder)
            return self.field(field.name, type: type, tag: TypeTag.decimal, builder: &builder)
        case .float64:
            builder.startTable(fieldCount: 1)
            builder.add(slot: 0, Int16(2), default: 0)  // Precision.DOUBLE
            let type = builder.endTable()
            return self.field(field.name, type: type, tag: TypeTag.floatingPoint, builder: &builder)
        case .bool:
            return self.field(field.name, type: emptyTable(&builder), tag: TypeTag.bool, builder: &builder)
        case .utf8:
            return self.field(field.name, type: emptyTable(&builder), tag: TypeTag.utf8, builder: &builder)
        case .dictionary(let id):
            let indexType = intType(bitWidth: 32, builder: &builder)
            builder.startTable(fieldCount: 4)
            builder.add(slot: 0, Int64(id), default: 0)
            builder.add(slot: 1, indexType)
            builder.add(slot: 2, false, default: false)  // isOrdered
            let encoding = builder.endTable()
            return self.field(
                field.name, type: emptyTable(&builder), tag: TypeTag.utf8, dictionary: encoding, builder: &builder)
        case .levels(let priceScale, let sizeScale):
            let priceType = decimalType(scale: priceScale, builder: &builder)
            let price = self.field("price", nullable: false, type: priceType, tag: TypeTag.decimal, builder: &builder)
            let sizeType = decimalType(scale: sizeScale, builder: &builder)
            let size = self.field("size", nullable: false, type: sizeType, tag: TypeTag.decimal, builder: &builder)
            let item = self.field(
                "item", nullable: false, type: emptyTable(&builder), tag: TypeTag.structType, children: [price, size],
                builder: &builder)
            return self.field(
                field.name, type: emptyTable(&builder), tag: TypeTag.list, children: [item], builder: &builder)
        }
    }

    private static func field(
        _ name: String, nullable: Bool = true, type: FlatBufferBuilder.Offset, tag: UInt8,
        dictionary: FlatBufferBuilder.Offset? = nil, children: [FlatBufferBuilder.Offset] = [],
        builder: inout FlatBufferBuilder
    ) -> FlatBufferBuilder.Offset {
        let nameString = builder.createString(name)
        // Arrow C++ requires the children vector, even empty.
        let childVector = builder.createVector(ofOffsets: children)
        builder.startTable(fieldCount: 7)
        builder.add(slot: 0, nameString)
        builder.add(slot: 3, type)
        if let dictionary { builder.add(slot: 4, dictionary) }
        builder.add(slot: 5, childVector)
        builder.add(slot: 1, nullable, default: false)
        builder.add(slot: 2, tag, default: 0)
        return builder.endTable()
    }

    private static func intType(bitWidth: Int32, builder: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        builder.startTable(fieldCount: 2)
        builder.add(slot: 0, bitWidth, default: 0)
        builder.add(slot: 1, true, default: false)
        return builder.endTable()
    }

    private static func decimalType(scale: Int, builder: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        builder.startTable(fieldCount: 3)
        builder.add(slot: 0, Int32(38), default: 0)
        builder.add(slot: 1, Int32(scale), default: 0)
        builder.add(slot: 2, Int32(128), default: 0)  // written although 128 is the default: explicit for readers
        return builder.endTable()
    }

    private static func emptyTable(_ builder: inout FlatBufferBuilder) -> FlatBufferBuilder.Offset {
        builder.startTable(fieldCount: 0)
        return builder.endTable()
    }
}

/// `length` rounded up to a multiple of 8.
@inline(__always)
func padded(_ length: Int) -> Int { (length + 7) & ~7 }
