public import StrataCore

/// JSON text helpers shared by the command's output and the server's responses.
public enum JSONText {
    /// Appends `value` as a JSON string literal (quotes, backslashes and control characters
    /// escaped) as UTF-8. Text without anything to escape, the usual case, is copied in one go.
    public static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        UTF8Cursor.append(to: &bytes, capacity: maximumQuotedBytes(value)) { $0.writeJSONQuoted(value) }
    }

    /// The most bytes `value` takes as a JSON string literal (every byte a `\u00XX` escape).
    public static func maximumQuotedBytes(_ value: String) -> Int { value.utf8.count * 6 + 2 }

    /// Appends `value` as a JSON string literal.
    public static func appendQuoted(_ value: String, to text: inout String) {
        text += quoted(value)
    }

    /// `value` as a JSON string literal.
    public static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        appendQuoted(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}

extension UTF8Cursor {
    /// `value` as a JSON string literal (quotes, backslashes and control characters escaped), at
    /// most ``JSONText/maximumQuotedBytes(_:)`` bytes. Text without anything to escape, the usual
    /// case, is copied in one go.
    public mutating func writeJSONQuoted(_ value: String) {
        write(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            if !utf8.contains(where: JSONText.needsEscape) {
                write(utf8)
                return
            }
            let hex: StaticString = "0123456789abcdef"
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): write("\\\"")
                case UInt8(ascii: "\\"): write("\\\\")
                case UInt8(ascii: "\n"): write("\\n")
                case UInt8(ascii: "\r"): write("\\r")
                case UInt8(ascii: "\t"): write("\\t")
                case 0..<0x20:
                    write("\\u00")
                    write(hex.utf8Start[Int(byte >> 4)])
                    write(hex.utf8Start[Int(byte & 0xF)])
                default: write(byte)
                }
            }
        }
        write(UInt8(ascii: "\""))
    }
}
