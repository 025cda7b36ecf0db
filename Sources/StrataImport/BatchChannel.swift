/// A bounded single-producer, single-consumer channel between two tasks.
///
/// The CSV import parses on one core while the store appends on the other; the bound (a few
/// batches) keeps memory flat when parsing runs ahead of the store. Contention is one call per
/// batch of thousands of rows, so an actor is cheap enough.
actor BatchChannel<Element: Sendable> {
    private var buffer: [Element] = []
    private let capacity: Int
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waitingConsumer: CheckedContinuation<Element?, any Error>?
    private var waitingProducer: CheckedContinuation<Void, Never>?

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Hands `element` to the consumer, waiting while the channel is full.
    /// - Returns: `false` if the consumer has cancelled (the producer should stop).
    func send(_ element: Element) async -> Bool {
        while buffer.count >= capacity, !cancelled {
            await withCheckedContinuation { waitingProducer = $0 }
        }
        if cancelled { return false }
        if let consumer = waitingConsumer {
            waitingConsumer = nil
            consumer.resume(returning: element)
        } else {
            buffer.append(element)
        }
        return true
    }

    /// Ends the stream; `error` is thrown to the consumer after the buffered elements.
    func finish(throwing error: (any Error)? = nil) {
        finished = true
        failure = error
        if let consumer = waitingConsumer {
            waitingConsumer = nil
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// The next element, or `nil` when the producer has finished.
    /// - Throws: the producer's error, after the elements sent before it.
    func next() async throws -> Element? {
        if !buffer.isEmpty {
            let element = buffer.removeFirst()
            resumeProducer()
            return element
        }
        if let failure { throw failure }
        if finished { return nil }
        return try await withCheckedThrowingContinuation { waitingConsumer = $0 }
    }

    /// Tells the producer to stop and drops what is buffered.
    func cancel() {
        cancelled = true
        buffer.removeAll()
        resumeProducer()
    }

    private func resumeProducer() {
        if let producer = waitingProducer {
            waitingProducer = nil
            producer.resume()
        }
    }
}
