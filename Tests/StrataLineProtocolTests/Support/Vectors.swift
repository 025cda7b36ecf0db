import Foundation
import StrataLineProtocol
import StrataTestSupport

/// The shared line-protocol test vectors (`../shared/data/ilp/`, see its README, section S3).
enum Vectors {
    static let directory = URL(fileURLWithPath: SharedData.path("ilp"))

    static func json(_ relativePath: String) throws -> Any {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return try JSONSerialization.jsonObject(with: data)
    }

    /// One decode case of the influxdata corpus.
    struct DecodeCase: Sendable {
        var id: String
        var input: [UInt8]
        var defaultTime: Int64
        var precision: LineProtocol.Precision
        /// The expected points, or `nil` when an error is expected.
        var expected: [ExpectedPoint]?
        var expectedError: String?
    }

    struct ExpectedPoint: Sendable, Equatable, CustomStringConvertible {
        var name: [UInt8]
        var tags: [[UInt8]]  // "key=value" byte strings, sorted by key as the corpus gives them
        var fields: [ExpectedField]
        var time: Int64

        var description: String {
            let tagText = tags.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",")
            return "\(String(decoding: name, as: UTF8.self)) [\(tagText)] \(fields) @\(time)"
        }
    }

    /// A field as the corpus states it. Floats compare within 2 ULPs (and -0 equals 0): the corpus
    /// writes Go's shortest text for each float, but Foundation's `JSONSerialization` on Linux does
    /// not always round long decimal text correctly (it reads `1.7976931348623157e+53` as
    /// `1.797693134862316e+53`). The parser's own rounding is tested exactly in `NumberParserTests`.
    struct ExpectedField: Sendable, Equatable, CustomStringConvertible {
        var key: String
        var kind: String
        var text: String
        var float: Double?

        static func == (a: Self, b: Self) -> Bool {
            guard a.key == b.key, a.kind == b.kind else { return false }
            if let x = a.float, let y = b.float {
                if x == y { return true }
                guard x.sign == y.sign, x.isFinite, y.isFinite else { return false }
                let distance = x.bitPattern > y.bitPattern ? x.bitPattern - y.bitPattern : y.bitPattern - x.bitPattern
                return distance <= 2
            }
            return a.text == b.text
        }

        var description: String { "\(key):\(kind):\(float.map { "\($0)" } ?? text)" }
    }

    static func decodeCases() throws -> [DecodeCase] {
        guard let root = try json("influxdata_line-protocol-corpus/corpus.json") as? [String: Any],
            let decode = root["decode"] as? [String: [String: Any]]
        else { throw VectorError.malformed("corpus.json has no decode object") }
        var cases: [DecodeCase] = []
        for (id, entry) in decode {
            guard let input = entry["input"] as? [String: Any], let output = entry["output"] as? [String: Any] else {
                throw VectorError.malformed(id)
            }
            let bytes: [UInt8]
            if let text = input["text"] as? String {
                bytes = Array(text.utf8)
            } else if let binary = (input["text"] as? [String: Any])?["binary"] as? String,
                let data = Data(base64Encoded: binary)
            {
                bytes = Array(data)
            } else {
                throw VectorError.malformed("\(id): input text")
            }
            let precision: LineProtocol.Precision
            switch input["precision"] as? String {
            case "1ns": precision = .nanoseconds
            case "1µs": precision = .microseconds
            case "1ms": precision = .milliseconds
            case "1s": precision = .seconds
            default: throw VectorError.malformed("\(id): precision")
            }
            let defaultTime = try int64(input["defaultTime"], id)
            var expected: [ExpectedPoint]?
            if let result = output["result"] as? [[String: Any]] {
                expected = try result.map { try expectedPoint($0, id) }
            }
            cases.append(
                DecodeCase(
                    id: id, input: bytes, defaultTime: defaultTime, precision: precision, expected: expected,
                    expectedError: output["error"] as? String))
        }
        return cases.sorted { $0.id < $1.id }
    }

    static func expectedPoint(_ point: [String: Any], _ id: String) throws -> ExpectedPoint {
        guard let name = point["name"] as? String, let tags = point["tags"] as? [[String: Any]],
            let fields = point["fields"] as? [[String: Any]]
        else { throw VectorError.malformed("\(id): point") }
        let tagPairs = try tags.map { tag -> [UInt8] in
            guard let key = tag["key"] as? String, let value = tag["value"] as? String else {
                throw VectorError.malformed("\(id): tag")
            }
            return Array(key.utf8) + [0] + Array(value.utf8)
        }
        let fieldTexts = try fields.map { field -> ExpectedField in
            guard let key = field["key"] as? String, let value = field["value"] as? [String: Any],
                let (kind, raw) = value.first
            else { throw VectorError.malformed("\(id): field") }
            switch kind {
            case "int": return ExpectedField(key: key, kind: kind, text: "\(try int64(raw, id))")
            case "uint": return ExpectedField(key: key, kind: kind, text: "\(try uint64(raw, id))")
            case "float":
                guard let number = raw as? NSNumber else { throw VectorError.malformed("\(id): float") }
                return ExpectedField(key: key, kind: kind, text: "", float: number.doubleValue)
            case "bool":
                guard let flag = raw as? Bool else { throw VectorError.malformed("\(id): bool") }
                return ExpectedField(key: key, kind: kind, text: "\(flag)")
            case "string":
                guard let text = raw as? String else { throw VectorError.malformed("\(id): string") }
                return ExpectedField(key: key, kind: kind, text: text)
            default: throw VectorError.malformed("\(id): field kind \(kind)")
            }
        }
        return ExpectedPoint(
            name: Array(name.utf8), tags: tagPairs, fields: fieldTexts, time: try int64(point["time"], id))
    }

    /// Our points in the corpus's shape (tags sorted by key bytes, as the reference sorts them).
    static func actual(_ batch: LineProtocol.Batch) -> [ExpectedPoint] {
        batch.map { point in
            let tags = point.tags.map { tag in
                tag.withUnsafeKey { Array($0) } + [0] + tag.withUnsafeValue { Array($0) }
            }.sorted { a, b in
                let keyA = a.prefix { $0 != 0 }
                let keyB = b.prefix { $0 != 0 }
                return keyA.lexicographicallyPrecedes(keyB)
            }
            let fields = point.fields.map { field -> ExpectedField in
                switch field.value {
                case .integer(let value): return ExpectedField(key: field.key, kind: "int", text: "\(value)")
                case .unsigned(let value): return ExpectedField(key: field.key, kind: "uint", text: "\(value)")
                case .float(let value): return ExpectedField(key: field.key, kind: "float", text: "", float: value)
                case .boolean(let value): return ExpectedField(key: field.key, kind: "bool", text: "\(value)")
                case .string(let value): return ExpectedField(key: field.key, kind: "string", text: value)
                case .timestamp(let value): return ExpectedField(key: field.key, kind: "timestamp", text: "\(value)")
                case .decimal(let value): return ExpectedField(key: field.key, kind: "decimal", text: value)
                }
            }
            return ExpectedPoint(
                name: point.withUnsafeMeasurement { Array($0) }, tags: tags, fields: fields, time: point.timestamp)
        }
    }

    /// JSON integers beyond `Int64` may arrive as `UInt64`, `Double` or `NSDecimalNumber`: read
    /// them through their exact text, and fail rather than round.
    static func int64(_ value: Any?, _ id: String) throws -> Int64 {
        if let number = value as? NSNumber {
            if let exact = Int64(number.description) { return exact }
            if let exact = Int64(number.decimalValue.description) { return exact }
        }
        throw VectorError.malformed("\(id): integer \(String(describing: value))")
    }

    static func uint64(_ value: Any?, _ id: String) throws -> UInt64 {
        if let number = value as? NSNumber {
            if let exact = UInt64(number.description) { return exact }
            if let exact = UInt64(number.decimalValue.description) { return exact }
        }
        throw VectorError.malformed("\(id): unsigned integer \(String(describing: value))")
    }

    enum VectorError: Error {
        case malformed(String)
    }
}
