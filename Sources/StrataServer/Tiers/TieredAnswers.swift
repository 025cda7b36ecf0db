import HTTPTypes
import Hummingbird
import Strata
import StrataCore
import StrataTiers

/// Answers of the query routes read through a table's tiers. The tier that answered is named in
/// the `X-Strata-Tier` header (`memory`, `redis`, or the system of record: `engine`, `postgresql`).
enum TieredAnswers {
    static let tierHeader = HTTPField.Name("X-Strata-Tier")!

    static func respond(_ json: JSON, tier: String) -> Response {
        var response = Responses.json(json)
        response.headers[tierHeader] = tier
        return response
    }

    /// The first page of a range from the first tier that holds it fully, or nil (then the
    /// system of record answers it, paged as always). A tier is asked for one row more than the
    /// page: when it has more, the page ends at `limit` with the cursor the system of record
    /// would give (the next row's time, and how many rows at that time the page already has).
    static func range(
        _ reader: TieredReader, table: String, symbol: Symbol, from: Timestamp, to: Timestamp, limit: Int,
        timestampLane: Int
    ) async -> (rows: RowSet, next: RangeCursor?, tier: String)? {
        guard
            let answer = await reader.fromTiers({
                try await $0.answerRange(
                    table: table, symbol: symbol.name, from: from.nanoseconds, to: to.nanoseconds,
                    limit: limit == Int.max ? limit : limit + 1)
            })
        else { return nil }
        guard answer.rows.count > limit else { return (answer.rows, nil, answer.tier) }
        var page = RowSet(columns: answer.rows.columns.map { Array($0.prefix(limit)) })
        page.texts = answer.rows.texts
        let times = answer.rows.columns[timestampLane]
        let next = times[limit]
        let skip = times.prefix(limit).reversed().prefix { $0 == next }.count
        return (page, RangeCursor(timestamp: Timestamp(nanoseconds: next), skip: skip), answer.tier)
    }
}
