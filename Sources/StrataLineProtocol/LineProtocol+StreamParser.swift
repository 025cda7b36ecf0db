extension LineProtocol {
    /// An incremental parser for a TCP byte stream: a value-type state machine, no I/O.
    ///
    /// Feed it reads of any size with ``consume(_:defaultTimestamp:)``: entries split across reads
    /// (and escaped newlines or quoted strings split across reads) are completed by later reads.
    /// Each call returns the points completed by that read and, at the first bad entry, the
    /// error; the points before the bad entry are kept, as QuestDB does, and everything after it
    /// is ignored (the server logs the error and closes the connection). At the end of the stream
    /// call ``finish(defaultTimestamp:)`` for a last line without a trailing newline.
    ///
    /// It buffers at most one unfinished entry, never more than
    /// ``Configuration/maxLineLength`` bytes: a longer one is a
    /// ``LineProtocolError/Code/lineTooLong`` error as soon as it is seen.
    ///
    /// ```swift
    /// var parser = LineProtocol.StreamParser()
    /// for try await chunk in connection {                 // [UInt8] or a ByteBuffer's bytes
    ///     let output = parser.consume(chunk, defaultTimestamp: clock.now)
    ///     try await store.append(output.points)
    ///     if let error = output.error {
    ///         logger.warning("ILP error, closing", metadata: ["line": "\(error.line)", "error": "\(error)"])
    ///         return
    ///     }
    /// }
    /// let last = parser.finish(defaultTimestamp: clock.now)
    /// ```
    ///
    /// - Parameter configuration: precision, dialect and limits, fixed for the connection.
    public struct StreamParser: Sendable {
        /// What one call produced: the points completed by it and, once, the error that stopped
        /// the stream.
        ///
        /// ```swift
        /// let output = parser.consume(bytes, defaultTimestamp: now)
        /// store(output.points)                       // always: the lines before an error are kept
        /// if let error = output.error { close(connection, reason: error) }
        /// ```
        public struct Output: Sendable {
            /// The entries completed by this call, in stream order.
            public var points: Batch
            /// The first bad entry, if it was reached in this call. Its ``LineProtocolError/line``
            /// and ``LineProtocolError/offset`` count from the start of the stream.
            public var error: LineProtocolError?

            init(points: Batch = Batch(), error: LineProtocolError? = nil) {
                self.points = points
                self.error = error
            }
        }

        /// The configuration the parser was made with.
        public let configuration: Configuration
        /// The error that stopped the parser, if any; after it, input is ignored.
        public private(set) var failure: LineProtocolError?

        /// Bytes of the unfinished entry (and whatever followed it in the last read).
        private var buffer: [UInt8] = []
        private var framer: LineFramer
        /// Whether the framer saw an entry end in `buffer` that the scanner has not consumed.
        private var endSeen = false
        /// The line number and stream offset of `buffer[0]`.
        private var line = 1
        private var offset = 0

        /// A parser at the start of a stream.
        public init(configuration: Configuration = Configuration()) {
            self.configuration = configuration
            self.framer = LineFramer(dialect: configuration.dialect)
        }

        /// The number of bytes held for an unfinished entry.
        public var bufferedByteCount: Int { buffer.count }

        /// Parses the next read of the stream.
        ///
        /// - Parameters:
        ///   - bytes: the bytes read, any size, split anywhere.
        ///   - defaultTimestamp: nanoseconds since the epoch for entries without a timestamp
        ///     (the server's receive time), truncated to the precision.
        /// - Returns: the points completed by these bytes and the error that stopped the stream, if any.
        public mutating func consume(_ bytes: UnsafeRawBufferPointer, defaultTimestamp: Int64) -> Output {
            guard failure == nil, !bytes.isEmpty else { return Output() }
            let hadTail = !buffer.isEmpty
            guard buffer.count + bytes.count <= Batch.maximumSourceSize else {
                let error = LineProtocolError(
                    code: .bodyTooLarge, line: line, column: 1, offset: offset,
                    message: "read of \(bytes.count) bytes is larger than \(Batch.maximumSourceSize) bytes")
                failure = error
                buffer = []
                return Output(error: error)
            }
            buffer.append(contentsOf: bytes)
            if hadTail, !endSeen {
                // Parse only once the unfinished entry has ended: a long entry arriving in small
                // reads is scanned once by the framer, not again by the scanner on every read.
                let ended = buffer.withUnsafeBufferPointer { framer.scanToEndOfLine($0) }
                if !ended { return checkTailLength() }
            }
            return parse(isFinal: false, defaultTimestamp: defaultTimestamp)
        }

        /// Parses the next read of the stream (see `consume(_:defaultTimestamp:)`).
        public mutating func consume(_ bytes: [UInt8], defaultTimestamp: Int64) -> Output {
            bytes.withUnsafeBytes { consume($0, defaultTimestamp: defaultTimestamp) }
        }

        /// Ends the stream: parses a last entry that has no trailing newline.
        ///
        /// - Parameter defaultTimestamp: as for `consume(_:defaultTimestamp:)`.
        /// - Returns: the last point, if any, or the error in the unfinished bytes.
        public mutating func finish(defaultTimestamp: Int64) -> Output {
            guard failure == nil, !buffer.isEmpty else { return Output() }
            return parse(isFinal: true, defaultTimestamp: defaultTimestamp)
        }

        private mutating func parse(isFinal: Bool, defaultTimestamp: Int64) -> Output {
            let (outcome, points) = buffer.withUnsafeBufferPointer { bytes in
                var scanner = LineScanner(
                    bytes, isFinal: isFinal, configuration: configuration, defaultTimestamp: defaultTimestamp,
                    firstLine: line, baseOffset: offset)
                let outcome = scanner.run()
                if scanner.builder.points.isEmpty { return (outcome, Batch()) }
                var parsed = bytes.count
                if case .stopped(let position, _) = outcome { parsed = position }
                let storage = scanner.builder.finish(source: UnsafeBufferPointer(rebasing: bytes[..<parsed]))
                return (outcome, Batch(storage: storage))
            }
            switch outcome {
            case .failed(let error):
                failure = error
                buffer = []
                return Output(points: points, error: error)
            case .stopped(let position, let nextLine):
                if position > 0 { buffer.removeSubrange(0..<position) }
                offset += position
                line = nextLine
                framer.reset(at: 0)
                endSeen = buffer.withUnsafeBufferPointer { framer.scanToEndOfLine($0) }
                var output = checkTailLength()
                output.points = points
                return output
            }
        }

        /// Fails the stream if the unfinished entry is already longer than allowed.
        private mutating func checkTailLength() -> Output {
            guard buffer.count > configuration.maxLineLength else { return Output() }
            let error = LineProtocolError(
                code: .lineTooLong, line: line, column: 1, offset: offset,
                message: "line is longer than maxLineLength (\(configuration.maxLineLength) bytes)")
            failure = error
            buffer = []
            return Output(error: error)
        }
    }
}
