public import Strata

/// One operation of the records crash campaign: on the orders or on the job queue.
public enum RecordsOperation: Sendable, Hashable {
    case order(OrderOperation)
    case job(JobOperation)
}

/// The records crash campaign's shared vocabulary (issue 9): the store the writer and the
/// verifier open (`order_events` and `job_events`), the logical clock, and the text form of the
/// operations the writer reports to the campaign before and after it performs them.
///
/// The writer (`StrataCrashWriter <dir> records <first-step> <fsync|group>`) performs one group
/// of operations a step — a single operation through `OrderStore`'s or `JobStore`'s own methods,
/// or several through `perform(_:)`, one append — and prints, each line one write(2):
///
///     ready                              the store is open
///     try <step> <op> | <op> | …         it is about to perform this group
///     ack <step> <outcome> <outcome> …   the group returned: per operation `ok` or the error kind
///
/// The campaign replays the acknowledged groups on the reference models (`OrderRegistry`,
/// `JobQueue`), and after each kill requires the reopened store to equal them — or them plus the
/// group in flight, whole — in state and in event history.
public enum RecordsCrashWorkload {
    public static let base = Timestamp(nanoseconds: 1_700_000_000_000_000_000)
    /// Retries soon and dead letters after three attempts, so that the campaign reaches them.
    public static let policy = RetryPolicy(maxAttempts: 3, baseDelay: 4_000_000, maximumDelay: 32_000_000)
    public static let symbols: [Symbol] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    public static let queues = ["settle", "notify"]

    /// The store: the two event tables, `durability` "fsync" or "group" (10 ms).
    public static func configuration(durability: String) -> StrataStore.Configuration {
        StrataStore.Configuration(
            durability: durability == "fsync" ? .fsyncEachBatch : .groupCommit(milliseconds: 10),
            validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)), aggregates: false,
            maintenanceInterval: nil, tables: [OrderStore.eventSchema, JobStore.eventSchema])
    }

    /// The writer's clock at `step`: one millisecond a step.
    public static func time(step: Int) -> Timestamp { base.advanced(by: Int64(step) * 1_000_000) }

    // MARK: - Text form

    /// A group as the `try` line carries it.
    public static func encode(_ group: [RecordsOperation]) -> String { group.map(encode).joined(separator: " | ") }

    /// The group a `try` line carries (after `try <step> `), or nil if it is not one.
    public static func decodeGroup(_ text: Substring) -> [RecordsOperation]? {
        var group: [RecordsOperation] = []
        for part in text.split(separator: "|") {
            guard let operation = decode(part) else { return nil }
            group.append(operation)
        }
        return group.isEmpty ? nil : group
    }

    public static func encode(_ operation: RecordsOperation) -> String {
        switch operation {
        case .order(.save(let order)):
            "S \(order.id) \(order.user) \(order.symbol.name) \(order.side.rawValue) \(order.price?.mantissa ?? 0) \(order.size.mantissa) \(order.createdAt.nanoseconds)"
        case .order(.update(let id, let change, let time)):
            switch change {
            case .fill(let quantity, let price): "F \(id) \(quantity.mantissa) \(price.mantissa) \(time.nanoseconds)"
            case .cancel: "C \(id) \(time.nanoseconds)"
            case .reject: "J \(id) \(time.nanoseconds)"
            case .expire: "X \(id) \(time.nanoseconds)"
            case .amend(let price, let size):
                "A \(id) \(price?.mantissa ?? 0) \(size?.mantissa ?? 0) \(time.nanoseconds)"
            }
        case .order(.remove(let id, let time)): "R \(id) \(time.nanoseconds)"
        case .job(.enqueue(let id, let queue, _, let priority, let notBefore, let now)):
            "e \(id) \(queue) \(priority) \(notBefore.nanoseconds) \(now.nanoseconds)"
        case .job(.dequeue(let limit, let worker, let now, let duration, _)):
            "d \(limit) \(worker) \(now.nanoseconds) \(duration)"
        case .job(.heartbeat(let id, let token, let now, let extendBy)):
            "h \(id) \(token) \(now.nanoseconds) \(extendBy)"
        case .job(.complete(let id, let token, let now)): "c \(id) \(token) \(now.nanoseconds)"
        case .job(.fail(let id, let token, let now, _)): "f \(id) \(token) \(now.nanoseconds)"
        case .job(.requeue(let id, let now)): "q \(id) \(now.nanoseconds)"
        case .job(.expireLeases(let now)): "x \(now.nanoseconds)"
        }
    }

    /// The operation `text` spells (see ``encode(_:)-(RecordsOperation)``), or nil.
    public static func decode(_ text: Substring) -> RecordsOperation? {
        let words = text.split(separator: " ")
        guard let kind = words.first else { return nil }
        let numbers = words.dropFirst().map { Int64($0) }
        func number(_ i: Int) -> Int64? { i < numbers.count ? numbers[i] : nil }
        func time(_ i: Int) -> Timestamp? { number(i).map(Timestamp.init(nanoseconds:)) }
        func word(_ i: Int) -> String? { i + 1 < words.count ? String(words[i + 1]) : nil }
        switch (kind, words.count) {
        case ("S", 8):
            guard let id = number(0), let user = word(1), let symbol = word(2), Symbol.isValid(symbol),
                let side = word(3).flatMap(OrderSide.init(rawValue:)), let price = number(4), let size = number(5),
                let created = time(6)
            else { return nil }
            return .order(
                .save(
                    Order(
                        id: id, clientOrderID: "c\(id)", user: user, symbol: Symbol(unchecked: symbol), side: side,
                        type: .limit, price: Price(mantissa: price), size: Quantity(mantissa: size),
                        createdAt: created)))
        case ("F", 5):
            guard let id = number(0), let quantity = number(1), let price = number(2), let at = time(3) else {
                return nil
            }
            return .order(
                .update(id: id, .fill(quantity: Quantity(mantissa: quantity), price: Price(mantissa: price)), at: at))
        case ("C", 3), ("J", 3), ("X", 3):
            guard let id = number(0), let at = time(1) else { return nil }
            let change: OrderChange = kind == "C" ? .cancel : kind == "J" ? .reject(reason: "risk") : .expire
            return .order(.update(id: id, change, at: at))
        case ("A", 5):
            guard let id = number(0), let price = number(1), let size = number(2), let at = time(3) else { return nil }
            return .order(
                .update(
                    id: id,
                    .amend(
                        price: price == 0 ? nil : Price(mantissa: price),
                        size: size == 0 ? nil : Quantity(mantissa: size)),
                    at: at))
        case ("R", 3):
            guard let id = number(0), let at = time(1) else { return nil }
            return .order(.remove(id: id, at: at))
        case ("e", 6):
            guard let id = number(0), let queue = word(1), let priority = number(2), let notBefore = time(3),
                let now = time(4)
            else { return nil }
            return .job(
                .enqueue(
                    id: id, queue: queue, payload: #"{"job":\#(id)}"#, priority: Int(priority), notBefore: notBefore,
                    now: now))
        case ("d", 5):
            guard let limit = number(0), let worker = word(1), let now = time(2), let duration = number(3) else {
                return nil
            }
            return .job(.dequeue(limit: Int(limit), worker: worker, now: now, leaseDuration: duration, queues: nil))
        case ("h", 5):
            guard let id = number(0), let token = number(1), let now = time(2), let extend = number(3) else {
                return nil
            }
            return .job(.heartbeat(id: id, token: token, now: now, extendBy: extend))
        case ("c", 4), ("f", 4):
            guard let id = number(0), let token = number(1), let now = time(2) else { return nil }
            return .job(
                kind == "c"
                    ? .complete(id: id, token: token, now: now) : .fail(id: id, token: token, now: now, error: "boom"))
        case ("q", 3):
            guard let id = number(0), let now = time(1) else { return nil }
            return .job(.requeue(id: id, now: now))
        case ("x", 2):
            guard let now = time(0) else { return nil }
            return .job(.expireLeases(now: now))
        default:
            return nil
        }
    }

    // MARK: - Outcomes

    /// An order operation's outcome as the `ack` line spells it.
    public static func outcome(_ result: Result<Order, OrderError>) -> String {
        switch result {
        case .success: "ok"
        case .failure(let error): error.kind.rawValue
        }
    }

    /// A job operation's outcome as the `ack` line spells it.
    public static func outcome(_ outcome: JobOutcome) -> String {
        switch outcome {
        case .done, .leased: "ok"
        case .refused(let error): error.kind.rawValue
        }
    }
}
