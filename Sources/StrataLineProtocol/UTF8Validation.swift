/// Strict UTF-8 validation (as Go's `utf8.Valid`: no overlong forms, no surrogates, nothing above
/// U+10FFFF), for names and strings that contain a byte above 0x7F.
enum UTF8Validation {
    static func isValid(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while i < count {
            let lead = p[i]
            if lead < 0x80 {
                i &+= 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return false
            }
            guard i + length <= count else { return false }
            let second = p[i + 1]
            guard second >= lower, second <= upper else { return false }
            var k = 2
            while k < length {
                guard p[i + k] & 0xC0 == 0x80 else { return false }
                k &+= 1
            }
            i &+= length
        }
        return true
    }
}
