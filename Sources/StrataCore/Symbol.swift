/// An instrument's symbol: `BTCUSDT`, `ESU4`, `XBT/USDT`, `6EH4.XCME`, `BTC-PERP`.
///
/// A symbol is 1 to 64 ASCII characters from letters, digits and `. _ - / : @ #`. The engine
/// dictionary-encodes symbols, so they cost nothing per row once stored.
///
/// ```swift
/// let s = try Symbol("BTCUSDT")
/// let t: Symbol = "ETHUSDT"    // literals are checked at run time and trap if malformed
/// ```
public struct Symbol: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String

    /// The longest symbol accepted.
    public static let maximumLength = 64

    /// A validated symbol.
    /// - Throws: ``ValidationError`` with rule ``ValidationError/Rule/malformedSymbol``.
    public init(_ name: String, field: String = "symbol") throws {
        guard Symbol.isValid(name) else {
            throw ValidationError(
                field: field, value: name, rule: .malformedSymbol,
                detail: "1-\(Symbol.maximumLength) chars of A-Z a-z 0-9 . _ - / : @ #")
        }
        self.name = name
    }

    /// A symbol from a literal known to be valid (for tests and constants).
    public init(stringLiteral value: String) {
        precondition(Symbol.isValid(value), "malformed symbol literal \(value)")
        self.name = value
    }

    /// A symbol the caller has already validated with ``isValid(_:)``.
    public init(unchecked name: String) { self.name = name }

    /// Whether `name` is an acceptable symbol.
    public static func isValid(_ name: String) -> Bool {
        var count = 0
        for byte in name.utf8 {
            count += 1
            guard count <= maximumLength, isAllowed(byte) else { return false }
        }
        return count > 0
    }

    @inlinable static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true  // digits, A-Z, a-z
        case 0x2E, 0x5F, 0x2D, 0x2F, 0x3A, 0x40, 0x23: true  // . _ - / : @ #
        default: false
        }
    }

    public var description: String { name }
    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.name < rhs.name }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
