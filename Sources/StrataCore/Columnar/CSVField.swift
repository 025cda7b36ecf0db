/// One CSV field as every CSV Strata writes has it (exports, answers, quarantine files): as it
/// is, or quoted with inner quotes doubled when it holds a comma, a quote or a line break, or
/// begins or ends with a space.
public enum CSVField {
    /// Whether `bytes` (UTF-8) must be quoted.
    @inlinable
    public static func needsQuotes(_ bytes: some BidirectionalCollection<UInt8>) -> Bool {
        bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D } || bytes.first == 0x20
            || bytes.last == 0x20
    }

    /// `text` ready to join with commas.
    public static func quoted(_ text: String) -> String {
        guard needsQuotes(text.utf8) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }
}
