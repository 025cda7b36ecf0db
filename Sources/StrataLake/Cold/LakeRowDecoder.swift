import Strata
import StrataCore

/// Rows read from the lake (``ColumnarBatch``es in the table's columnar layout) back in the
/// table's lanes (``RowSet``): what the cold tier answers reads with, the inverse of the
/// store's columnar layout. Absent values take their column's absent lane; a book side's count
/// lane is each row's depth, its level lanes past the depth 0.
struct LakeRowDecoder: Sendable {
    let schema: RecordSchema
    private let members: [AnswerMember]
    private let timestampLane: Int

    init(schema: RecordSchema) {
        self.schema = schema
        members = schema.answerMembers
        timestampLane = schema.timestampLane
    }

    /// `batch`'s rows as lanes.
    /// - Throws: ``LakeError`` `.corrupt` for a batch whose columns are not the table's.
    func rows(_ batch: ColumnarBatch) throws(LakeError) -> RowSet {
        let count = batch.count
        var rows = RowSet(
            columns: Array(repeating: Array(repeating: 0, count: count), count: schema.storageColumns.count))
        guard batch.columns.count == members.count + 2, case .timestamps(let times) = batch.columns[0].values,
            times.count == count
        else {
            throw LakeError(.corrupt, "\(schema.name): a batch of \(batch.columns.count) columns, not the table's")
        }
        rows.columns[timestampLane] = times
        for (position, member) in members.enumerated() {
            let column = batch.columns[position + 2]
            switch member {
            case .column(let lane, let schemaColumn, let absent):
                var values: [Int64]
                switch column.values {
                case .timestamps(let v), .int64(let v), .decimals(let v, _): values = v
                case .int8(let v): values = v.map { Int64($0) }
                case .float64(let v): values = v.map { Int64(bitPattern: $0.bitPattern) }
                case .bool(let v): values = v.map { $0 ? 1 : 0 }
                case .strings(let strings):
                    values = (0..<strings.count).map { index in
                        strings.withUTF8(index) { rows.texts.append(UnsafeRawBufferPointer($0)) }
                    }
                case .dictionary(let indices, let strings):
                    var references: [Int64?] = Array(repeating: nil, count: strings.count)
                    values = []
                    values.reserveCapacity(indices.count)
                    for index in indices {
                        let slot = Int(index)
                        guard slot >= 0, slot < strings.count else {
                            throw LakeError(
                                .corrupt, "\(column.name): a dictionary index \(index) past \(strings.count)")
                        }
                        if let known = references[slot] {
                            values.append(known)
                        } else {
                            let reference = strings.withUTF8(slot) { rows.texts.append(UnsafeRawBufferPointer($0)) }
                            references[slot] = reference
                            values.append(reference)
                        }
                    }
                case .wideDecimals, .levels:
                    throw LakeError(.corrupt, "\(column.name): values of another kind than the table's")
                }
                guard values.count == count else {
                    throw LakeError(.corrupt, "\(column.name): \(values.count) values for \(count) rows")
                }
                if let present = column.present {
                    let missing = absent ?? schemaColumn.kind.absentLane
                    for row in 0..<count where !present[row] { values[row] = missing }
                }
                rows.columns[lane] = values
            case .book(_, let countLane, let levels, _, _):
                guard case .levels(let book) = column.values, book.count == count else {
                    throw LakeError(.corrupt, "\(column.name): not a book side of \(count) rows")
                }
                for row in 0..<count {
                    let range = book.levels(of: row)
                    rows.columns[countLane][row] = Int64(range.count)
                    for (level, lanes) in levels.enumerated() where level < range.count {
                        rows.columns[lanes.price][row] = book.prices[range.lowerBound + level]
                        rows.columns[lanes.size][row] = book.sizes[range.lowerBound + level]
                    }
                }
            }
        }
        return rows
    }
}
