/// Finds where entries end in a byte stream, resumably, without parsing them.
///
/// An entry ends at a LF that is not inside a quoted string field value, not escaped (under
/// ``LineProtocol/Dialect/questDB`` an odd run of backslashes before a LF in a name escapes it) and
/// not in the payload of a binary value (``LineProtocol/Dialect/questDB``, ILP v2/v3).
/// The stream parser runs this only over the unfinished tail of its buffer, so that an entry
/// split over many reads is scanned once, not once per read; the ``LineScanner`` stays the
/// authority on the grammar.
struct LineFramer: Sendable {
    enum State: UInt8, Sendable {
        /// Before an entry: spaces, blank lines, `#` comments.
        case lineStart
        case comment
        /// Measurement and tags, up to the first unescaped space.
        case names
        /// Spaces before the first field key.
        case fieldsStart
        case fieldKey
        /// Just after a field key's `=`.
        case valueStart
        /// An unquoted value, or what follows a closing quote.
        case value
        case string
        /// The timestamp and anything else up to the end of the line.
        case rest
        /// The type byte of a binary value (ILP v2/v3, after `==`).
        case binaryType
        /// A binary decimal's scale byte, then its length byte.
        case decimalScale
        case decimalLength
        /// The raw payload of a binary value: ``remaining`` bytes, which never end a line.
        case payload
    }

    let questDB: Bool
    var state = State.lineStart
    /// Backslashes immediately before the current byte.
    var backslashes = 0
    /// How far the buffer has been scanned.
    var position = 0
    /// Bytes of a binary payload still to skip (state ``State/payload``).
    var remaining = 0

    init(dialect: LineProtocol.Dialect) {
        questDB = dialect == .questDB
    }

    /// Starts again at the beginning of a line, at buffer offset `position`.
    mutating func reset(at position: Int) {
        state = .lineStart
        backslashes = 0
        remaining = 0
        self.position = position
    }

    /// Scans `bytes` from `position` on; returns `true` as soon as an entry (or a blank or comment
    /// line) ends, with `position` just after its LF, or `false` at the end of `bytes`.
    mutating func scanToEndOfLine(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = position
        defer { position = i }
        while i < bytes.count {
            if state == .payload {
                let skipped = min(remaining, bytes.count &- i)
                i &+= skipped
                remaining &-= skipped
                if remaining == 0 { state = .value }
                continue
            }
            let byte = bytes[i]
            i &+= 1
            if state.rawValue >= State.binaryType.rawValue {
                // A binary value's header (its payload is skipped above). One the scanner
                // refuses (an array, an unknown type, a bad scale, a null decimal) ends the
                // entry here, so that the scanner runs and reports it at once.
                if binaryHeader(byte) { continue }
                state = .lineStart
                return true
            }
            if byte == .backslash, state == .names || state == .fieldKey || state == .string {
                backslashes &+= 1
                continue
            }
            let escaped = backslashes > 0
            let oddRun = backslashes & 1 == 1
            backslashes = 0
            if byte == .lf {
                switch state {
                case .string:
                    continue
                case .names, .fieldKey:
                    if questDB, oddRun { continue }
                default:
                    break
                }
                state = .lineStart
                return true
            }
            switch state {
            case .lineStart:
                if byte == .hash {
                    state = .comment
                } else if byte != .space && byte != .cr {
                    state = .names
                    if byte == .backslash { backslashes = 1 }
                }
            case .comment:
                break
            case .names:
                if byte == .space, !escaped { state = .fieldsStart }
            case .fieldsStart:
                if byte != .space {
                    state = .fieldKey
                    if byte == .backslash { backslashes = 1 } else { stepFieldKey(byte, escaped: false) }
                }
            case .fieldKey:
                stepFieldKey(byte, escaped: escaped)
            case .valueStart:
                if byte == .quote {
                    state = .string
                } else if byte == .equals, questDB {
                    state = .binaryType
                } else if byte == .space || byte == .comma || byte == .cr {
                    state = .rest
                } else {
                    state = .value
                }
            case .value:
                if byte == .comma {
                    state = .fieldKey
                } else if byte == .space || byte == .cr {
                    state = .rest
                }
            case .string:
                // Backslashes pair up; an odd run escapes the quote.
                if byte == .quote, !oddRun { state = .value }
            case .rest:
                break
            case .binaryType, .decimalScale, .decimalLength, .payload:
                break  // handled above
            }
        }
        return false
    }

    /// Steps through a binary value's header byte; `false` for a header the scanner refuses.
    private mutating func binaryHeader(_ byte: UInt8) -> Bool {
        switch state {
        case .binaryType:
            switch byte {
            case LineScanner.BinaryType.float64:
                remaining = 8
                state = .payload
            case LineScanner.BinaryType.decimal:
                state = .decimalScale
            default:
                return false
            }
        case .decimalScale:
            guard Int(byte) <= LineScanner.maximumDecimalScale else { return false }
            state = .decimalLength
        case .decimalLength:
            guard byte > 0 else { return false }
            remaining = Int(byte)
            state = .payload
        default:
            return false
        }
        return true
    }

    private mutating func stepFieldKey(_ byte: UInt8, escaped: Bool) {
        if escaped { return }
        if byte == .equals {
            state = .valueStart
        } else if byte == .space || byte == .comma || byte == .cr {
            state = .rest
        }
    }
}
