import StrataCore

/// The running state of every group of an aggregate: one cell per (group, function).
///
/// Rows are folded in runs: contiguous rows of one source that fall in one group, given as
/// lanes (one per plan slot) with the times of the run's first and last rows. Runs of a group
/// must arrive in `range` order within a partition (sealed file, then memory base, frozen,
/// overlay; each oldest first) so that ties of first and last resolve as `range` orders them.
struct AggregateAccumulator {
    struct Key: Hashable {
        var symbol: String?
        var bucket: Int64?
    }

    struct Cell {
        /// Σ (integer or decimal lanes), or the VWAP numerator Σ price × quantity.
        var total: Int128 = 0
        /// The VWAP denominator Σ quantity.
        var quantity: Int128 = 0
        /// Σ of a float64 column.
        var real: Double = 0
        /// Min, max, first or last: the lane value.
        var value: Int64 = 0
        /// First or last: the time of ``value``.
        var time: Int64 = 0
        /// First or last: the rank of ``value``'s symbol (ties of time across symbols).
        var rank = 0
        var present = false
    }

    let plan: AggregatePlan
    private(set) var keys: [Key] = []
    private var groups: [Key: Int] = [:]
    private var counts: [Int] = []
    private var cells: [Cell] = []

    init(plan: AggregatePlan) { self.plan = plan }

    /// The index of the group `key`, created empty if new.
    mutating func group(_ key: Key) -> Int {
        if let index = groups[key] { return index }
        let index = keys.count
        groups[key] = index
        keys.append(key)
        counts.append(0)
        cells.append(contentsOf: repeatElement(Cell(), count: plan.steps.count))
        return index
    }

    /// The statistics of a whole sealed block, for the slots they answer (those slots' lanes are
    /// then not read).
    struct BlockStatistics {
        /// The file's statistics.
        var all: [SealedPartition.ColumnStatistics]
        /// The block's first statistics in ``all``.
        var base: Int
        /// Per slot, its place among the block's statistics, or `nil` to read the lane.
        var slots: [Int?]

        func of(_ slot: Int) -> SealedPartition.ColumnStatistics? { slots[slot].map { all[base + $0] } }
    }

    /// Adds `rows` rows (lanes indexed by slot, each at least `rows` long) to group `group`;
    /// `rank` orders rows of equal time from different symbols (the symbols' name order).
    /// `times` (each row's time) is needed when the plan reads an optional column.
    mutating func fold(
        group: Int, lanes: [UnsafeBufferPointer<Int64>], rows: Int, firstTime: Int64, lastTime: Int64, rank: Int,
        statistics: BlockStatistics? = nil, times: UnsafePointer<Int64>? = nil
    ) throws {
        guard rows > 0 else { return }
        counts[group] += rows
        let base = group * plan.steps.count
        for (s, step) in plan.steps.enumerated() {
            var cell = cells[base + s]
            defer { cells[base + s] = cell }
            if step.operation != .count, let times,
                plan.absent[step.slot] != nil || (step.operation == .vwap && plan.absent[step.quantitySlot] != nil)
            {
                try Self.foldPresent(step, plan: plan, lanes: lanes, rows: rows, times: times, rank: rank, into: &cell)
                continue
            }
            switch step.operation {
            case .count:
                break
            case .sum:
                if let known = statistics?.of(step.slot) {
                    cell.total &+= known.sum
                    cell.present = true
                    continue
                }
                let lane = UnsafeBufferPointer(rebasing: lanes[step.slot][0..<rows])
                if step.kind == .float {
                    for bits in lane { cell.real += Double(bitPattern: UInt64(bitPattern: bits)) }
                } else {
                    cell.total &+= Self.exactSum(lane)
                }
                cell.present = true
            case .min, .max:
                if let known = statistics?.of(step.slot) {
                    let candidate = step.operation == .min ? known.min : known.max
                    if !cell.present || (step.operation == .min ? candidate < cell.value : candidate > cell.value) {
                        cell.value = candidate
                    }
                    cell.present = true
                    continue
                }
                let lane = UnsafeBufferPointer(rebasing: lanes[step.slot][0..<rows])
                Self.extreme(lane, into: &cell, float: step.kind == .float, smallest: step.operation == .min)
            case .first:
                if !cell.present || (firstTime, rank) < (cell.time, cell.rank) {
                    cell.value = lanes[step.slot][0]
                    cell.time = firstTime
                    cell.rank = rank
                    cell.present = true
                }
            case .last:
                if !cell.present || (lastTime, rank) >= (cell.time, cell.rank) {
                    cell.value = lanes[step.slot][rows - 1]
                    cell.time = lastTime
                    cell.rank = rank
                    cell.present = true
                }
            case .vwap:
                let prices = lanes[step.slot]
                let quantities = lanes[step.quantitySlot]
                var numerator = cell.total
                var overflow = false
                for i in 0..<rows {
                    let (sum, o) = numerator.addingReportingOverflow(Int128(prices[i]) * Int128(quantities[i]))
                    numerator = sum
                    overflow = overflow || o
                }
                if overflow { throw StrataError(.overflow, "VWAP numerator Σ price × quantity overflows Int128") }
                cell.total = numerator
                cell.quantity &+= Self.exactSum(UnsafeBufferPointer(rebasing: quantities[0..<rows]))
                cell.present = true
            }
        }
    }

    /// One step over the rows that have values (an optional column's absent values skipped).
    private static func foldPresent(
        _ step: AggregatePlan.Step, plan: AggregatePlan, lanes: [UnsafeBufferPointer<Int64>], rows: Int,
        times: UnsafePointer<Int64>, rank: Int, into cell: inout Cell
    ) throws {
        let lane = lanes[step.slot]
        let missing = plan.absent[step.slot]
        let present = (0..<rows).filter { lane[$0] != missing }
        switch step.operation {
        case .count:
            break
        case .sum, .min, .max:
            guard !present.isEmpty else { return }
            let values = present.map { lane[$0] }
            values.withUnsafeBufferPointer { values in
                if step.operation == .sum {
                    if step.kind == .float {
                        for bits in values { cell.real += Double(bitPattern: UInt64(bitPattern: bits)) }
                    } else {
                        cell.total &+= exactSum(values)
                    }
                    cell.present = true
                } else {
                    extreme(values, into: &cell, float: step.kind == .float, smallest: step.operation == .min)
                }
            }
        case .first:
            guard let i = present.first else { return }
            if !cell.present || (times[i], rank) < (cell.time, cell.rank) {
                (cell.value, cell.time, cell.rank, cell.present) = (lane[i], times[i], rank, true)
            }
        case .last:
            guard let i = present.last else { return }
            if !cell.present || (times[i], rank) >= (cell.time, cell.rank) {
                (cell.value, cell.time, cell.rank, cell.present) = (lane[i], times[i], rank, true)
            }
        case .vwap:
            let quantities = lanes[step.quantitySlot]
            let missingQuantity = plan.absent[step.quantitySlot]
            for i in present where quantities[i] != missingQuantity {
                let (sum, overflow) = cell.total.addingReportingOverflow(Int128(lane[i]) * Int128(quantities[i]))
                if overflow { throw StrataError(.overflow, "VWAP numerator Σ price × quantity overflows Int128") }
                cell.total = sum
                cell.quantity &+= Int128(quantities[i])
                cell.present = true
            }
        }
    }

    /// Σ lane, exact: in Int64 while it does not overflow, else again in Int128.
    static func exactSum(_ lane: UnsafeBufferPointer<Int64>) -> Int128 {
        var sum: Int64 = 0
        var overflow = false
        for value in lane {
            let (s, o) = sum.addingReportingOverflow(value)
            sum = s
            overflow = overflow || o
        }
        guard overflow else { return Int128(sum) }
        var wide: Int128 = 0
        for value in lane { wide &+= Int128(value) }
        return wide
    }

    private static func extreme(_ lane: UnsafeBufferPointer<Int64>, into cell: inout Cell, float: Bool, smallest: Bool)
    {
        if float {
            var best = cell.present ? Double(bitPattern: UInt64(bitPattern: cell.value)) : Double.nan
            for bits in lane {
                let value = Double(bitPattern: UInt64(bitPattern: bits))
                if value.isNaN { continue }
                if best.isNaN || (smallest ? value < best : value > best) { best = value }
            }
            if !best.isNaN {
                cell.value = Int64(bitPattern: best.bitPattern)
                cell.present = true
            }
        } else {
            guard let candidate = smallest ? lane.min() : lane.max() else { return }
            if !cell.present || (smallest ? candidate < cell.value : candidate > cell.value) { cell.value = candidate }
            cell.present = true
        }
    }

    /// The answer: one row per group, sorted by symbol then bucket.
    func rows() throws -> [EngineTable.AggregateRow] {
        let order = keys.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            if x.symbol != y.symbol { return (x.symbol ?? "") < (y.symbol ?? "") }
            return (x.bucket ?? 0) < (y.bucket ?? 0)
        }
        return try order.map { g in
            let base = g * plan.steps.count
            let values = try plan.steps.enumerated().map { s, step in
                try Self.value(of: step, cell: cells[base + s], rows: counts[g])
            }
            return EngineTable.AggregateRow(symbol: keys[g].symbol, bucketStart: keys[g].bucket, values: values)
        }
    }

    private static func value(of step: AggregatePlan.Step, cell: Cell, rows: Int) throws -> EngineTable.AggregateValue {
        if step.operation == .count { return .integer(Int128(rows)) }
        guard cell.present else { return .absent }
        switch step.operation {
        case .count:
            return .integer(Int128(rows))
        case .sum:
            if step.kind == .float { return .float(cell.real) }
            return typed(cell.total, step.kind)
        case .min, .max, .first, .last:
            if step.kind == .float { return .float(Double(bitPattern: UInt64(bitPattern: cell.value))) }
            return typed(Int128(cell.value), step.kind)
        case .vwap:
            guard cell.quantity != 0 else { return .absent }
            return typed(try roundedQuotient(cell.total, cell.quantity), step.kind)
        }
    }

    private static func typed(_ mantissa: Int128, _ kind: AggregatePlan.Kind) -> EngineTable.AggregateValue {
        if case .decimal(let scale) = kind { return .decimal(mantissa: mantissa, scale: scale) }
        return .integer(mantissa)
    }

    /// `numerator / denominator` rounded half to even: the rule of `Bar.vwap` (Σ notional at
    /// price + quantity scale over Σ quantity gives the price's scale).
    static func roundedQuotient(_ numerator: Int128, _ denominator: Int128) throws -> Int128 {
        guard let quotient = numerator.dividedRoundingHalfToEven(by: denominator) else {
            throw StrataError(.overflow, "VWAP quotient overflows Int128")
        }
        return quotient
    }
}
