import NIOCore
import Strata

/// The live feed's JSON text messages (see `Docs/Server.md`, "Live feed").
///
/// - `{"type":"subscribed","channels":[…],"symbols":[…]|null,"bufferLimit":N}` once, first:
///   from then on every stored row of the channels is sent.
/// - `{"type":"rows","channel":"trades","seq":N,"rows":[…]}` per stored batch (split into
///   messages of at most ``maximumRows`` rows), rows as the query API prints them; `seq` counts
///   the channel's messages on this connection from 1, so a gap is visible.
enum LiveMessage {
    /// Most rows in one message (a quote row is at most about 600 bytes of JSON).
    static let maximumRows = 500

    static func subscribed(_ request: LiveRequest, bufferLimit: Int) -> String {
        JSON.object([
            ("type", .string("subscribed")), ("channels", .array(request.channels.map { .string($0.rawValue) })),
            ("symbols", request.symbols.map { .array($0.map { .string($0.name) }) } ?? .null),
            ("bufferLimit", .int(bufferLimit)),
        ]).serialized()
    }

    /// One `rows` message: `write` writes each row as a JSON object.
    static func rows<Row>(
        channel: LiveChannel, seq: Int64, rows: ArraySlice<Row>, write: (Row, inout JSONWriter) -> Void
    ) -> String {
        var writer = JSONWriter(capacity: rows.count * 200 + 64)
        writer.beginObject()
        writer.key("type")
        writer.string("rows")
        writer.key("channel")
        writer.string(channel.rawValue)
        writer.key("seq")
        writer.int(seq)
        writer.key("rows")
        writer.beginArray()
        for row in rows { write(row, &writer) }
        writer.endArray()
        writer.endObject()
        return String(buffer: writer.buffer)
    }

    /// A live 1-minute bar: the bar JSON of `/api/v1/bars` with its symbol and timeframe first.
    static func bar(_ bar: Bar, to writer: inout JSONWriter) {
        bar.writeJSON(to: &writer, identified: true)
    }
}
