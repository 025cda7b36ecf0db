import StrataCore
import StrataLineProtocol

/// Fuzzes the ILP parser with untrusted bytes, under both dialects.
///
/// Properties:
/// - `LineProtocol.parse` returns points or a ``LineProtocolError`` (typed) whose position lies
///   in the body; it never traps, and every accessor of every point works.
/// - The stream parser, fed the same bytes split at points chosen from the input, then
///   finished, agrees: the same points for a good body; for a bad one, the same error (code,
///   line, offset) with the points of the entries before it.
/// - A point written back as line protocol (`Point.description`) parses to the same point,
///   when that form can carry it (see ``roundTrippable(_:)``).
public enum ILPHarness {
    static let name = "ilp"
    static let now: Int64 = 1_700_000_000_123_456_789

    public static func fuzzOne(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var random = SplitMix64(seed: SplitMix64.seed(bytes))
        for dialect in LineProtocol.Dialect.allCases {
            let precisions = LineProtocol.Precision.allCases
            var configuration = LineProtocol.Configuration(
                precision: precisions[Int(random.next() % UInt64(precisions.count))], dialect: dialect)
            if random.next() % 4 == 0 {
                // Small limits, so that the limit errors are reached too.
                configuration.maxLineLength = 8 + Int(random.next() % 120)
                configuration.maxFields = 1 + Int(random.next() % 4)
                configuration.maxTags = Int(random.next() % 4)
            }
            try run(bytes, configuration: configuration, random: &random)
        }
    }

    static func run(
        _ bytes: UnsafeRawBufferPointer, configuration: LineProtocol.Configuration, random: inout SplitMix64
    ) throws(FuzzFailure) {
        let whole: Result<LineProtocol.Batch, LineProtocolError>
        do {
            whole = .success(try LineProtocol.parse(bytes, defaultTimestamp: now, configuration: configuration))
        } catch {
            whole = .failure(error)
        }
        var wholePoints: [String] = []
        switch whole {
        case .success(let batch):
            for point in batch { wholePoints.append(try describe(point, in: bytes.count)) }
        case .failure(let error):
            try check(
                error.offset >= 0 && error.offset <= bytes.count && error.line >= 0 && error.column >= 0, name,
                "error position out of the body (\(bytes.count) bytes): \(error) offset \(error.offset) column \(error.column)"
            )
        }

        // The stream parser over the same bytes, split at random points.
        var stream = LineProtocol.StreamParser(configuration: configuration)
        var streamPoints: [String] = []
        var streamError: LineProtocolError?
        var start = 0
        while start < bytes.count && streamError == nil {
            let length = min(bytes.count - start, 1 + Int(random.next() % 64))
            let output = stream.consume(
                UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), defaultTimestamp: now)
            for point in output.points { streamPoints.append(try describe(point, in: bytes.count)) }
            streamError = output.error
            start += length
        }
        if streamError == nil {
            let output = stream.finish(defaultTimestamp: now)
            for point in output.points { streamPoints.append(try describe(point, in: bytes.count)) }
            streamError = output.error
        }
        try check(
            stream.bufferedByteCount <= configuration.maxLineLength + 64 || streamError != nil, name,
            "the stream parser holds \(stream.bufferedByteCount) bytes, more than the line limit")
        switch whole {
        case .success:
            try check(
                streamError == nil, name, "body parses, stream fails: \(streamError.map { "\($0)" } ?? "")")
            try check(
                streamPoints == wholePoints, name,
                "stream and body disagree:\n\(streamPoints.joined(separator: "\n"))\nvs\n\(wholePoints.joined(separator: "\n"))"
            )
        case .failure(let error):
            try check(streamError != nil, name, "body fails (\(error)), stream accepts it")
            if let streamError {
                // The same error. But the stream parser checks an entry's length as soon as it has
                // that many bytes, before parsing it, so for an entry that is too long and bad in
                // another way too it may name the length (at the entry's start, whose line may be
                // earlier when a string spans lines) where the body parser names the other problem.
                let sameError =
                    streamError.code == error.code && streamError.offset == error.offset
                    && streamError.line == error.line
                let lengthFirst =
                    (streamError.code == .lineTooLong && streamError.offset <= error.offset)
                    || (error.code == .lineTooLong && error.offset <= streamError.offset)
                try check(
                    sameError || lengthFirst, name,
                    "body error \(error) @\(error.offset), stream error \(streamError) @\(streamError.offset)")
            }
        }

        // Round trip through the text form.
        guard case .success(let batch) = whole else { return }
        var nanoseconds = configuration
        nanoseconds.precision = .nanoseconds  // the text form's timestamp is in nanoseconds
        for point in batch where roundTrippable(point) {
            let text = point.description
            let again: LineProtocol.Batch
            do {
                again = try LineProtocol.parse(text, defaultTimestamp: now, configuration: nanoseconds)
            } catch {
                // A point that parsed once within the limits may exceed maxLineLength written
                // back (escapes), but never another rule.
                try check(error.code == .lineTooLong, name, "\(text) does not parse again: \(error)")
                continue
            }
            try check(
                again.count == 1 && again[0].description == text, name,
                "\(text) parses again as \(again.map(\.description))")
        }
    }

    /// Reads every accessor of a point (so that a bad range traps here) and describes it.
    static func describe(_ point: LineProtocol.Point, in bodySize: Int) throws(FuzzFailure) -> String {
        try check(point.line >= 1, name, "point line \(point.line)")
        _ = point.measurement
        for tag in point.tags {
            _ = tag.key
            _ = tag.value
        }
        for field in point.fields {
            _ = field.key
            switch field.kind {
            case .float: try check(field.floatValue != nil, name, "float without a value")
            case .integer: try check(field.integerValue != nil, name, "integer without a value")
            case .unsigned: try check(field.unsignedValue != nil, name, "unsigned without a value")
            case .boolean: try check(field.booleanValue != nil, name, "boolean without a value")
            case .timestamp: try check(field.timestampValue != nil, name, "timestamp without a value")
            case .decimal, .string: break
            }
            _ = field.value
            _ = field.text
            _ = field.isFinite
            if field.kind != .string && field.kind != .boolean {
                _ = field.decimal(as: Price.self)
                _ = field.decimal(as: Quantity.self)
            }
        }
        return "\(point.line): \(point.description)"
    }

    /// Whether the text form can carry the point exactly: names without a backslash, CR or LF,
    /// and at least one field (a line of tags only, which `questDB` accepts, is written with its
    /// timestamp where a field key would be).
    static func roundTrippable(_ point: LineProtocol.Point) -> Bool {
        guard !point.fields.isEmpty else { return false }
        func plain(_ text: String) -> Bool {
            !text.utf8.contains { $0 == UInt8(ascii: "\\") || $0 == 0x0A || $0 == 0x0D }
        }
        guard plain(point.measurement), !point.measurement.hasPrefix("#") else { return false }
        for tag in point.tags where !plain(tag.key) || !plain(tag.value) { return false }
        for field in point.fields where !plain(field.key) { return false }
        return true
    }
}
