/// How a column may be given on input besides its own name and value: the conveniences a feed
/// relies on, said once in the schema so that every input path (ILP, CSV, JSON) derives them.
///
/// ```swift
/// // trades: `side="buy"` stands for is_buyer_maker=false, `side="sell"` for true.
/// SchemaColumn("is_buyer_maker", .bool, input: ColumnInput(words: ColumnWords("side", ["buy": 0, "sell": 1])))
/// // aggtrades: a row without is_best_match has it true.
/// SchemaColumn("is_best_match", .bool, input: ColumnInput(defaultLane: 1))
/// ```
public struct ColumnInput: Sendable, Hashable {
    /// The lane a row that leaves the column out takes (a bool's 1 is true); nil: none, the
    /// column's rules decide (required: refused; optional: absent).
    public var defaultLane: Int64?
    /// Another name whose text values (words) stand for the column's values.
    public var words: ColumnWords?

    public init(defaultLane: Int64? = nil, words: ColumnWords? = nil) {
        self.defaultLane = defaultLane
        self.words = words
    }

    /// Nothing beyond the column's own name and value.
    public var isEmpty: Bool { defaultLane == nil && words == nil }
}

/// A name whose values are words standing for a column's values: trades' `side` (`buy` is
/// is_buyer_maker false, `sell` true). Words match in any ASCII case; any other word is refused
/// naming the name and the words it takes.
public struct ColumnWords: Sendable, Hashable {
    /// The name on input (`side`); it may be a field or a tag.
    public let name: String
    /// Each word (lowercase ASCII) and the lane it stands for, in the order messages list them.
    public let words: [Word]

    public struct Word: Sendable, Hashable {
        public let text: String
        public let lane: Int64
    }

    /// Each word's lowercase UTF-8, in ``words``' order (what ``lane(of:)`` compares).
    private let spellings: [[UInt8]]

    /// - Parameter words: word → the column's lane (a bool's 0 or 1), listed in messages sorted.
    public init(_ name: String, _ words: [String: Int64]) {
        self.name = name
        self.words = words.sorted { $0.key < $1.key }.map { Word(text: $0.key.lowercased(), lane: $0.value) }
        spellings = self.words.map { Array($0.text.utf8) }
    }

    /// The lane `bytes` (UTF-8) stands for, in any ASCII case; nil for another word.
    public func lane(of bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        search: for (index, expected) in spellings.enumerated() where expected.count == bytes.count {
            for offset in 0..<expected.count where bytes[offset] | 0x20 != expected[offset] | 0x20 {
                continue search
            }
            return words[index].lane
        }
        return nil
    }

    /// `"buy"|"sell"`, for messages.
    public var spelled: String { words.map { "\"\($0.text)\"" }.joined(separator: "|") }
}

/// A rule over several columns of a row, checked with the columns' own rules.
public enum RowRule: Sendable, Hashable {
    /// The first column's value is at most the second's (aggtrades' `first_trade_id` ≤
    /// `last_trade_id`); refused as ``ValidationError/Rule/inconsistent`` naming the first.
    case notGreater(String, than: String)
    /// At least one of the columns is present (a quote has a bid or an ask); refused as
    /// ``ValidationError/Rule/malformed`` naming `field`.
    case anyPresent([String], field: String, detail: String)
}
