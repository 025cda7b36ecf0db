import Hummingbird
import StrataTiers

/// The tiers over HTTP (read access):
/// - `GET /api/v1/tiers`: the `tiers` object of `/health/ready` (per table and tier: positions,
///   backlog, breaker, last error, rebuild-needed, reads); 404 `notConfigured` without tiers.
/// - `GET /api/v1/tiers/verify[?table=…]`: reconciliation (``ServerTiers/verify(table:timeout:)``):
///   `{"differences": N, "caught_up": …, "checked": [{"table","tier","symbols","rows"}],
///   "details": [{"table","tier","symbol","kind","expected_rows","held_rows","detail"}]}`.
struct TiersRoutes {
    let tiers: ServerTiers?

    func register(on router: Router<StrataRequestContext>) {
        let tiers = tiers
        router.get("/api/v1/tiers") { _, context in
            guard let tiers else { return Self.notConfigured(context) }
            return Responses.json(tiers.healthJSON().json)
        }
        router.get("/api/v1/tiers/verify") { request, context in
            guard let tiers else { return Self.notConfigured(context) }
            let table = request.uri.queryParameters.get("table")
            if let table, tiers.tables[table] == nil {
                return Responses.error(
                    status: .badRequest, code: "invalidParameter", message: "table \(table) has no tiers",
                    parameter: "table", context: context)
            }
            return Responses.json(Self.json(await tiers.verify(table: table)))
        }
    }

    static func notConfigured(_ context: StrataRequestContext) -> Response {
        Responses.error(
            status: .notFound, code: "notConfigured", message: "no tiers are configured (the tiers block)",
            context: context)
    }

    static func json(_ verification: TiersVerification) -> JSON {
        .object([
            ("differences", .int(verification.differences.count)), ("caught_up", .bool(verification.caughtUp)),
            (
                "checked",
                .array(
                    verification.checked.map {
                        .object([
                            ("table", .string($0.table)), ("tier", .string($0.tier)), ("symbols", .int($0.symbols)),
                            ("rows", .int($0.rows)),
                        ])
                    })
            ),
            (
                "details",
                .array(
                    verification.differences.map {
                        .object([
                            ("table", .string($0.table)), ("tier", .string($0.tier)),
                            ("symbol", $0.symbol.map { .string($0) } ?? .null), ("kind", .string($0.kind)),
                            ("expected_rows", .int($0.expectedRows)), ("held_rows", .int($0.heldRows)),
                            ("detail", .string($0.detail)),
                        ])
                    })
            ),
        ])
    }
}
