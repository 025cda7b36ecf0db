import Hummingbird
import Strata

/// `GET /settings`: what QuestDB's server answers there, for the parts its ILP clients read, so
/// that they choose the newest line protocol both sides speak.
///
/// QuestDB's clients over HTTP (`questdb` for Python, the C/C++/Rust and Java clients, Go,
/// Node.js, .NET) call it once when a sender opens, unless `protocol_version` is set, **without
/// a token** (the Rust client behind the Python one sends no `Authorization` header there; a 401
/// fails the sender), and read two keys of `config`:
/// - `line.proto.support.versions`: the ILP versions the server reads; the client takes the
///   highest it knows. Strata reads 1 (text), 2 (binary float64) and 3 (binary decimal), so a
///   `decimal.Decimal` travels exactly.
/// - `cairo.max.file.name.length`: the longest table or column name; the client refuses longer
///   names itself. Strata's table and column names are identifiers of at most 64 bytes; a
///   measurement declared in `ilp.measurements` (or one of its renamed names) may be longer, and
///   then the longest of those is answered.
///
/// No ILP client reads a buffer limit here (a sender's `max_buf_size` is its own setting); the
/// server's own limits are given for people and tools under `strata.*` keys: the largest request
/// body (`http.maxRequestBytes`, a larger flush is refused with 413) and the longest line
/// (`ilp.maxLineBytes`). The route is public and reveals nothing secret; it answers the same with a
/// token, with a wrong one, or without one.
///
/// ```json
/// {"config":{"release.type":"strata","release.version":"0.9.0","line.proto.support.versions":[1,2,3],
///  "cairo.max.file.name.length":64,"strata.http.max.request.bytes":67108864,"strata.ilp.max.line.bytes":1048576}}
/// ```
struct SettingsRoute {
    /// The ILP versions Strata reads.
    static let protocolVersions = [1, 2, 3]

    let maxRequestBytes: Int
    let maxLineBytes: Int
    let longestName: Int

    func register(on router: Router<StrataRequestContext>) {
        let body = document()
        router.get("/settings") { _, _ in Responses.json(body) }
    }

    func document() -> JSON {
        .object([
            (
                "config",
                .object([
                    ("release.type", .string("strata")),
                    ("release.version", .string(StrataVersion.release)),
                    ("line.proto.support.versions", .array(Self.protocolVersions.map { .int($0) })),
                    ("cairo.max.file.name.length", .int(longestName)),
                    ("strata.http.max.request.bytes", .int(maxRequestBytes)),
                    ("strata.ilp.max.line.bytes", .int(maxLineBytes)),
                ])
            )
        ])
    }
}
