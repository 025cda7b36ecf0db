import Hummingbird
import NIOCore
import Strata
import StrataWire

/// How a query answers: JSON for people and small answers (the default), an Apache Arrow IPC
/// stream or CSV for data tools. Chosen by `format=json|arrow|csv`, else by the `Accept` header
/// (`application/vnd.apache.arrow.stream`, `text/csv`).
enum AnswerFormat: String, Sendable {
    case json, arrow, csv

    /// The format `request` asks for.
    /// - Throws: ``ParameterError`` naming `format` for a value other than json, arrow or csv.
    init(_ request: Request) throws(ParameterError) {
        if let text = request.uri.queryParameters.get("format") {
            guard let format = AnswerFormat(rawValue: text.lowercased()) else {
                throw ParameterError(parameter: "format", message: "format: expected json, arrow or csv, got '\(text)'")
            }
            self = format
            return
        }
        let accept = request.headers[.accept]?.lowercased() ?? ""
        if accept.contains(ColumnarEncoder.Format.arrow.mediaType) {
            self = .arrow
        } else if accept.contains("text/csv") {
            self = .csv
        } else {
            self = .json
        }
    }

    /// Arrow or CSV: answered as columns (``ColumnarAnswer``).
    var isColumnar: Bool { self != .json }

    /// The columnar format (Arrow for JSON, which never asks).
    var columnar: ColumnarEncoder.Format { self == .csv ? .csv : .arrow }

    var contentType: String { self == .json ? "application/json; charset=utf-8" : columnar.mediaType }
}

/// Answers in Arrow or CSV, from ``ColumnarBatch``es: the batches are encoded as they are read
/// and each is sent before the next is read, so a range of any size streams in the memory of a
/// page, and its first bytes leave before its last rows are read. No per-row object stands
/// between the engine's lanes and the wire.
///
/// An error before the first batch is answered as any other (a 400 naming the parameter, a
/// 503…); one after it can no longer change the status: the connection is closed before the
/// end-of-stream marker (Arrow) or mid-line (CSV), so no client takes a cut answer for a whole one.
enum ColumnarAnswer {
    /// One batch, whole (latest, bars, aggregates).
    static func whole(_ batch: ColumnarBatch, format: AnswerFormat, table: String? = nil) throws -> Response {
        var encoder = ColumnarEncoder(format.columnar, table: table)
        var output = WireBuffer()
        var scratch: [UInt8] = []
        try encoder.write(batch, to: &output, scratch: &scratch)
        encoder.finish(schemaOf: batch, to: &output, scratch: &scratch)
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: output.buffer))
    }

    /// A range (or an ASOF join), page by page: `pages` has been asked for nothing yet; its first
    /// page is read here (its errors are the answer's), the rest as the body streams. Each page
    /// is encoded straight into the network buffer that is sent (no copy of the encoded page).
    ///
    /// The pages are read and encoded on the ``AnswerExecutor``'s threads.
    static func stream(_ pages: some ColumnarPageStream, format: AnswerFormat, table: String) async throws -> Response {
        var pages = pages
        let first = try await AnswerExecutor.shared.run { try pages.next() }
        let empty = pages.emptyBatch
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        let encoder = ColumnarEncoder(format.columnar, table: table)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [pages] writer in
                try await AnswerExecutor.shared.run {
                    var pages = pages
                    var encoder = encoder
                    var scratch: [UInt8] = []
                    var batch = first
                    while let current = batch {
                        var output = WireBuffer()
                        try encoder.write(current, to: &output, scratch: &scratch)
                        try await writer.write(output.buffer)
                        batch = try pages.next()
                    }
                    var output = WireBuffer()
                    encoder.finish(schemaOf: empty, to: &output, scratch: &scratch)
                    try await writer.write(output.buffer)
                    try await writer.finish(nil)
                }
            })
    }
}

/// A network buffer as an encoder's ``ByteSink``: the bytes are written where they are sent from.
struct WireBuffer: ByteSink {
    private(set) var buffer = ByteBufferAllocator().buffer(capacity: 0)

    var count: Int { buffer.writerIndex }

    mutating func reserve(additional count: Int) {
        buffer.reserveCapacity(minimumWritableBytes: count)
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        buffer.writeBytes(bytes)
    }

    mutating func append(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard count > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { free in
            fill(UnsafeMutableRawBufferPointer(rebasing: free[0..<count]))
            return count
        }
    }
}
