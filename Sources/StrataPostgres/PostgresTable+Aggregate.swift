import PostgresNIO
public import StrataCore

extension PostgresTable {
    /// One function as SQL: its select expressions (one, or two for VWAP) and how to read them.
    private struct Step {
        enum Kind {
            case count
            case exact(scale: Int)
            case float
            case vwap(priceScale: Int, quantityScale: Int)
        }
        var kind: Kind
        var expressions: [String]
    }

    /// Count, sum, min, max, first, last and VWAP with `GROUP BY` symbol and/or the bucket
    /// (epoch-aligned floor of the time), answered as the engine answers them: exact sums and
    /// extremes of integers and decimals (read as `numeric` text, never through a float),
    /// first and last by (time, symbol, arrival), VWAP as Σ price × quantity / Σ quantity on the
    /// mantissas rounded half to even; one row per group sorted by symbol then bucket, exactly
    /// one row without grouping.
    public func aggregate(_ request: ColumnAggregate.Request) throws -> [ColumnAggregate.Row] {
        guard request.from <= request.to else {
            throw StrataError(.invalidArgument, "aggregate: from (\(request.from)) is after to (\(request.to))")
        }
        if let width = request.bucketWidth, width <= 0 {
            throw StrataError(.invalidArgument, "aggregate: bucket width must be > 0 ns, got \(width)")
        }
        let l = layout
        let time = l.time
        let symbol = l.symbol
        func column(_ name: String, exact: Bool = false) throws -> (String, ColumnKind) {
            guard
                let column = l.lanes.first(where: { $0.storageName == name })
                    ?? l.lanes.first(where: { $0.name == name })
            else { throw StrataError(.invalidArgument, "table \(l.schema.name) has no column \(name)") }
            switch column.kind {
            case .int64, .int8, .decimal: break
            case .float64 where !exact: break
            default:
                throw StrataError(
                    .invalidArgument,
                    "column \(name) of table \(l.schema.name) is \(column.kind): \(exact ? "an integer or decimal" : "a number") is needed"
                )
            }
            return (SQL.quote(column.name), column.kind)
        }
        var steps: [Step] = []
        for function in request.functions {
            switch function {
            case .count:
                steps.append(Step(kind: .count, expressions: ["count(*)::bigint"]))
            case .sum(let name), .min(let name), .max(let name), .first(let name), .last(let name):
                let (quoted, kind) = try column(name)
                var expression: String
                switch function {
                case .sum: expression = "sum(\(quoted))"
                case .min: expression = "min(\(quoted))"
                case .max: expression = "max(\(quoted))"
                case .first:
                    expression =
                        "(array_agg(\(quoted) ORDER BY \(time), \(symbol), \"_strata_seq\") FILTER (WHERE \(quoted) IS NOT NULL))[1]"
                default:
                    expression =
                        "(array_agg(\(quoted) ORDER BY \(time) DESC, \(symbol) DESC, \"_strata_seq\" DESC) FILTER (WHERE \(quoted) IS NOT NULL))[1]"
                }
                if kind == .float64 {
                    steps.append(Step(kind: .float, expressions: [expression + "::double precision"]))
                } else {
                    steps.append(Step(kind: .exact(scale: kind.scale), expressions: [expression + "::text"]))
                }
            case .vwap(let price, let quantity):
                let (p, priceKind) = try column(price, exact: true)
                let (q, quantityKind) = try column(quantity, exact: true)
                let filter = "FILTER (WHERE \(p) IS NOT NULL AND \(q) IS NOT NULL)"
                steps.append(
                    Step(
                        kind: .vwap(priceScale: priceKind.scale, quantityScale: quantityKind.scale),
                        expressions: [
                            "(sum(\(p)::numeric * \(q)::numeric) \(filter))::text",
                            "(sum(\(q)::numeric) \(filter))::text",
                        ]))
            }
        }
        var binds = PostgresBindings()
        binds.append(request.from)
        binds.append(request.to)
        var conditions = "\(time) >= $1 AND \(time) < $2"
        if let symbols = request.symbols {
            binds.append(Array(Set(symbols)).sorted())
            conditions += " AND \(symbol) = ANY($3)"
        }
        var keys: [String] = []
        if request.groupBySymbol { keys.append(symbol) }
        if let width = request.bucketWidth {
            binds.append(width)
            let w = "$\(binds.count)::bigint"
            keys.append(
                "(CASE WHEN \(time) % \(w) >= 0 THEN \(time) - \(time) % \(w) ELSE \(time) - \(time) % \(w) - \(w) END)"
            )
        }
        let select = keys + steps.flatMap(\.expressions)
        var sql = "SELECT \(select.joined(separator: ", ")) FROM \(l.table) WHERE \(conditions)"
        if !keys.isEmpty {
            let positions = (1...keys.count).map(String.init).joined(separator: ", ")
            sql += " GROUP BY \(positions) ORDER BY \(positions)"
        }
        let rows = try query("aggregating", sql, binds)
        return try rows.map { row in
            let cells = row.makeRandomAccess()
            var index = 0
            var result = ColumnAggregate.Row(symbol: nil, bucketStart: nil, values: [])
            do {
                if request.groupBySymbol {
                    result.symbol = try cells[index].decode(String.self)
                    index += 1
                }
                if request.bucketWidth != nil {
                    result.bucketStart = try cells[index].decode(Int64.self)
                    index += 1
                }
                for step in steps {
                    switch step.kind {
                    case .count:
                        result.values.append(.integer(Int128(try cells[index].decode(Int64.self))))
                    case .float:
                        result.values.append(
                            try cells[index].decode(Double?.self).map { ColumnAggregate.Value.float($0) } ?? .absent)
                    case .exact(let scale):
                        if let text = try cells[index].decode(String?.self) {
                            let mantissa = try DecimalText.mantissa(text, scale: scale)
                            result.values.append(
                                scale == 0 ? .integer(mantissa) : .decimal(mantissa: mantissa, scale: scale))
                        } else {
                            result.values.append(.absent)
                        }
                    case .vwap(let priceScale, let quantityScale):
                        guard let notional = try cells[index].decode(String?.self),
                            let quantity = try cells[index + 1].decode(String?.self)
                        else {
                            result.values.append(.absent)
                            break
                        }
                        let numerator = try DecimalText.mantissa(notional, scale: priceScale + quantityScale)
                        let denominator = try DecimalText.mantissa(quantity, scale: quantityScale)
                        guard denominator != 0 else {
                            result.values.append(.absent)
                            break
                        }
                        let value = try Self.roundedQuotient(numerator, denominator)
                        result.values.append(
                            priceScale == 0 ? .integer(value) : .decimal(mantissa: value, scale: priceScale))
                    }
                    index += step.expressions.count
                }
            } catch let error as StrataError {
                throw error
            } catch {
                throw connector.translate(error, "decoding an aggregate of table \(name)")
            }
            return result
        }
    }

    /// `numerator / denominator` rounded half to even (`Bar.vwap`'s rule).
    static func roundedQuotient(_ numerator: Int128, _ denominator: Int128) throws -> Int128 {
        guard let quotient = numerator.dividedRoundingHalfToEven(by: denominator) else {
            throw StrataError(.overflow, "VWAP quotient overflows Int128")
        }
        return quotient
    }
}
