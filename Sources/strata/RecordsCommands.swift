import ArgumentParser
import Strata
import StrataServer

/// Prints trading records as the API writes them (``RecordView``): JSON as the API's objects;
/// table and CSV as their members, nested values as JSON text (the table leaves out the `*_ns`
/// twins of the ISO times).
struct RecordPrinter {
    var format: OutputFormat

    func print(_ views: [RecordView]) {
        var columns: [String] = []
        for view in views {
            for member in view.members where !columns.contains(member.name) {
                if format == .table && member.name.hasSuffix("_ns") { continue }
                columns.append(member.name)
            }
        }
        let rows: [[Cell]] = views.map { view in
            columns.map { name in
                guard let member = view.members.first(where: { $0.name == name }), let text = member.text else {
                    return .empty
                }
                return member.isNumber ? .decimal(text) : .text(text)
            }
        }
        Renderer(format: format).render(columns: columns, rows: rows, json: views.map(\.json))
    }
}

/// The store's trading records for a reading command: nil when the store has never kept any
/// (reading does not create their tables).
private func openedRecords(_ storage: DataDirectoryOptions) throws -> StrataStore? {
    let store = try storage.openExisting()
    guard store.tradingRecordsOpen else {
        try? store.close()
        return nil
    }
    return store
}

/// `strata orders`: the orders the store keeps (`order_events`).
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders", abstract: "List orders, or show one with its events.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Orders, filtered by user, symbol, side and status (all given filters apply).")

        @OptionGroup var storage: DataDirectoryOptions
        @Option(help: "Only this user's orders.") var user: String?
        @Option(help: "Only orders of this symbol.") var symbol: String?
        @Option(help: "Only this side: buy or sell.") var side: String?
        @Option(help: "Only this status: \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
        var status: String?
        @Flag(help: "Only open orders (new or partially filled).") var open = false
        @Option(help: "Output: table, csv or json.") var format: OutputFormat = .table

        func run() async throws {
            let side = try side.map { text in
                guard let side = OrderSide(rawValue: text) else {
                    throw CLIError("--side: '\(text)' is not buy or sell")
                }
                return side
            }
            let status = try status.map { text in
                guard let status = OrderStatus(rawValue: text) else {
                    throw CLIError(
                        "--status: '\(text)' is not \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let symbol = try symbol.map { try Symbol($0, field: "--symbol") }
            var orders: [Order] = []
            if let store = try openedRecords(storage) {
                defer { try? store.close() }
                orders = try store.orders.all.filter { order in
                    (user.map { order.user == $0 } ?? true) && (symbol.map { order.symbol == $0 } ?? true)
                        && (side.map { order.side == $0 } ?? true) && (status.map { order.status == $0 } ?? true)
                        && (!open || order.status == .new || order.status == .partiallyFilled)
                }
            }
            RecordPrinter(format: format).print(orders.sorted { $0.id < $1.id }.map(RecordView.order))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One order, then its events in order.")

        @OptionGroup var storage: DataDirectoryOptions
        @Argument(help: "The order's id.") var id: Int64
        @Option(help: "Output: table, csv or json.") var format: OutputFormat = .table

        func run() async throws {
            guard let store = try openedRecords(storage) else {
                throw CLIError("no order \(id): the store keeps no orders")
            }
            defer { try? store.close() }
            guard let order = try store.orders.order(id: id) else { throw CLIError("no order \(id)") }
            let events = try store.orders.events(of: id, symbol: order.symbol)
            RecordPrinter(format: format).print([RecordView.order(order)])
            if format == .table { Terminal.writeOutput("\n") }
            RecordPrinter(format: format).print(events.map(RecordView.orderEvent))
        }
    }
}

/// `strata jobs`: the durable job queue (`job_events`).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List jobs and dead letters; requeue a dead letter.",
        subcommands: [List.self, Requeue.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs, by queue and state, oldest id first.")

        @OptionGroup var storage: DataDirectoryOptions
        @Option(help: "Only this queue.") var queue: String?
        @Option(help: "Only this state: ready, leased, completed or dead.") var state: String?
        @Option(help: "Output: table, csv or json.") var format: OutputFormat = .table

        func run() async throws {
            let states = ["ready", "leased", "completed", "dead"]
            if let state, !states.contains(state) {
                throw CLIError("--state: '\(state)' is not \(states.joined(separator: ", "))")
            }
            var views: [RecordView] = []
            if let store = try openedRecords(storage) {
                defer { try? store.close() }
                let jobs = try store.jobs.jobs.values.sorted { $0.id < $1.id }
                views = jobs.map(RecordView.job).filter { view in
                    func member(_ name: String) -> String? { view.members.first { $0.name == name }?.text }
                    return (queue.map { member("queue") == $0 } ?? true)
                        && (state.map { member("state") == $0 } ?? true)
                }
            }
            RecordPrinter(format: format).print(views)
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a dead letter back in its queue (ready now, its attempts reset).")

        @OptionGroup var storage: DataDirectoryOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() async throws {
            guard let store = try openedRecords(storage) else {
                throw CLIError("no job \(id): the store keeps no jobs")
            }
            defer { try? store.close() }
            do {
                try store.jobs.requeue(id: id, now: WallClock.now())
            } catch let error as JobQueueError {
                throw CLIError("job \(id): \(error)")
            }
            Terminal.writeOutput("job \(id) requeued\n")
        }
    }
}

/// `strata signals`: the signal history (`signal_history`).
struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals", abstract: "The newest signals, newest first.")

    @OptionGroup var storage: DataDirectoryOptions
    @Option(help: "Only signals at or after this time (ISO-8601 or nanoseconds).") var since: String?
    @Option(help: "Only this symbol's signals.") var symbol: String?
    @Option(help: "Most signals to print.") var limit = 100
    @Option(help: "Output: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let since = try since.map { try Timestamp(parsing: $0, field: "--since") } ?? .min
        let symbol = try symbol.map { try Symbol($0, field: "--symbol") }
        var signals: [Signal] = []
        if let store = try openedRecords(storage) {
            defer { try? store.close() }
            signals = try store.recentSignals(since: since, symbol: symbol, limit: limit)
        }
        RecordPrinter(format: format).print(signals.map(RecordView.signal))
    }
}

/// `strata anomalies`: the active anomalies (`anomaly_events`), or one key's history.
struct AnomaliesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies", abstract: "The active anomalies, or with --history one type's saves and removals.")

    @OptionGroup var storage: DataDirectoryOptions
    @Option(help: "Only this type.") var type: String?
    @Option(help: "Only this symbol (with --history: the type's anomalies of that symbol).") var symbol: String?
    @Flag(help: "The history of --type (and --symbol; without it the whole market's) instead of the active ones.")
    var history = false
    @Option(help: "Output: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let symbol = try symbol.map { try Symbol($0, field: "--symbol") }
        if history && type == nil { throw CLIError("--history needs --type") }
        var views: [RecordView] = []
        if let store = try openedRecords(storage) {
            defer { try? store.close() }
            if history, let type {
                views = try store.anomalies.history(type: type, symbol: symbol).map(RecordView.anomalyEvent)
            } else {
                views = try store.anomalies.active.filter { anomaly in
                    (type.map { anomaly.type == $0 } ?? true) && (symbol.map { anomaly.symbol == $0 } ?? true)
                }.map(RecordView.anomaly)
            }
        }
        RecordPrinter(format: format).print(views)
    }
}
