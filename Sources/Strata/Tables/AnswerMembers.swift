package import StrataCore

/// One member of a table's answers after the designated timestamp and the symbol: a stored
/// column, or a book side in place of its count column (its levels' columns are not members of
/// their own). Derived from the schema alone, and shared by every writer of rows — the API's
/// JSON (`RowJSON`), columns (``ColumnarLayout``: Arrow, CSV) — so they agree on what a row is.
package enum AnswerMember: Sendable {
    /// A stored column: its lane, and the value its lane holds when it has none (nil: required).
    case column(lane: Int, column: SchemaColumn, absent: Int64?)
    /// A book side: its count column's lane, each level's price and size lanes, their scales.
    case book(side: BookSide, count: Int, levels: [(price: Int, size: Int)], priceScale: Int, sizeScale: Int)
}

extension RecordSchema {
    /// The members of a row after the designated timestamp and the symbol, in storage order.
    package var answerMembers: [AnswerMember] {
        let lanes = storageColumns
        func lane(_ name: String) -> Int { lanes.firstIndex { $0.name == name } ?? 0 }
        func scale(_ name: String) -> Int {
            if case .decimal(let scale)? = column(named: name)?.kind { return scale }
            return 0
        }
        let booked = bookColumns
        var members: [AnswerMember] = []
        for (index, column) in lanes.enumerated() where column.name != timestamp {
            if let side = bookSides.first(where: { $0.count == column.name }) {
                members.append(
                    .book(
                        side: side, count: index,
                        levels: zip(side.prices, side.sizes).map { (price: lane($0), size: lane($1)) },
                        priceScale: scale(side.prices[0]), sizeScale: scale(side.sizes[0])))
            } else if !booked.contains(column.name) {
                members.append(
                    .column(lane: index, column: column, absent: column.rules.required ? nil : column.kind.absentLane))
            }
        }
        return members
    }

    /// The lane of the designated timestamp.
    package var timestampLane: Int { storageColumns.firstIndex { $0.name == timestamp } ?? 0 }
}
