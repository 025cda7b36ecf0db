/// A record or a field that broke a validation rule.
///
/// It names the field, the offending value (as text, exactly as received or printed) and the
/// rule, so a quarantine file or an HTTP 400 can say precisely what was wrong.
///
/// ```swift
/// do { try rules.validate(trade) } catch let error as ValidationError {
///     print(error)   // price: "-1" must be greater than zero (must be > 0)
/// }
/// ```
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule that was broken.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// A price that must be strictly positive is zero or negative.
        case nonPositive
        /// A quantity that must be zero or positive is negative.
        case negative
        /// A number is NaN or infinite (prices and quantities are never non-finite).
        case notFinite
        /// A timestamp outside the configured acceptance window.
        case outsideWindow
        /// A symbol that is empty, too long or has characters outside the allowed set.
        case malformedSymbol
        /// Text that is not a number of the expected kind.
        case notANumber
        /// A decimal with more fractional digits than its scale (it would have to be rounded).
        case tooPrecise
        /// A number too large for its fixed-width representation.
        case overflow
        /// A timestamp that is not ISO-8601 or epoch digits.
        case badTimestamp
        /// A boolean that is none of the accepted spellings.
        case badBoolean
        /// A structural problem: too many depth levels, an empty quote, wrong column count.
        case malformed
        /// Inconsistent identifiers (e.g. an aggregated trade whose first id exceeds its last).
        case inconsistent
        /// A value outside its column's declared bounds (a schema's `min`/`max`).
        case outOfRange
    }

    /// The field, in the input's own naming (`price`, `qty`, `ts_ns`, `symbol`, …).
    public var field: String
    /// The offending value, as text.
    public var value: String
    public var rule: Rule
    /// Extra explanation (the window, the limit).
    public var detail: String?
    /// Position of the offending record in the batch it came in, if known.
    public var index: Int?

    public init(field: String, value: String, rule: Rule, detail: String? = nil, index: Int? = nil) {
        self.field = field
        self.value = value
        self.rule = rule
        self.detail = detail
        self.index = index
    }

    /// The rule in words, as the message says it (the identifier, ``Rule/rawValue``, is the
    /// code JSON errors carry).
    public var explanation: String {
        switch rule {
        case .nonPositive: "must be greater than zero"
        case .negative: "must not be negative"
        case .notFinite: "must be a finite number"
        case .outsideWindow: "is outside the accepted time window"
        case .malformedSymbol: "is not a valid symbol"
        case .notANumber: "is not a number"
        case .tooPrecise: "has more decimal places than the column keeps"
        case .overflow: "is too large"
        case .outOfRange: "is outside the column's bounds"
        case .badTimestamp: "is not an ISO-8601 time or epoch digits"
        case .badBoolean: "is not a boolean"
        case .malformed: "is malformed"
        case .inconsistent: "is inconsistent"
        }
    }

    public var description: String {
        var text = "\(field): \"\(value)\" \(explanation)"
        if let detail { text += " (\(detail))" }
        if let index { text += " [row \(index)]" }
        return text
    }
}
