#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Any JSON value, for reading the configuration file key by key (so that an unknown key or a
/// value of the wrong type is reported with its name).
package enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses JSON text.
    package static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Typed access to the configuration file's values, naming the key in every error.
package struct JSONReader {
    package let prefix: String

    package init(prefix: String) { self.prefix = prefix }

    package func object(_ value: JSONValue, _ body: (String, JSONValue) throws(ConfigurationError) -> Void)
        throws(ConfigurationError)
    {
        guard case .object(let members) = value else {
            throw ConfigurationError(
                key: prefix.isEmpty ? "(root)" : String(prefix.dropLast()),
                message: "expected an object, got \(value.typeName)")
        }
        for (key, value) in members.sorted(by: { $0.key < $1.key }) { try body(key, value) }
    }

    package static func unknown(_ key: String) -> ConfigurationError {
        ConfigurationError(key: key, message: "unknown key")
    }

    package static func string(_ value: JSONValue, key: String) throws(ConfigurationError) -> String {
        guard case .string(let text) = value else {
            throw ConfigurationError(key: key, message: "expected a string, got \(value.typeName)")
        }
        return text
    }

    package static func int(_ value: JSONValue, key: String) throws(ConfigurationError) -> Int {
        guard case .number(let text) = value, let number = Int(text) else {
            throw ConfigurationError(key: key, message: "expected an integer, got \(value.typeName)")
        }
        return number
    }

    package static func bool(_ value: JSONValue, key: String) throws(ConfigurationError) -> Bool {
        guard case .bool(let flag) = value else {
            throw ConfigurationError(key: key, message: "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    package static func strings(_ value: JSONValue, key: String) throws(ConfigurationError) -> [String] {
        guard case .array(let items) = value else {
            throw ConfigurationError(key: key, message: "expected an array of strings, got \(value.typeName)")
        }
        return try items.map { (item) throws(ConfigurationError) -> String in try string(item, key: key) }
    }
}
