package import Strata

/// A trading record as the API writes it, for other front ends (`strata orders|jobs|signals|
/// anomalies`): the compact JSON object, and its members flattened in order — scalars as text,
/// nested values (an event's order, a job's lease, metadata) as their compact JSON. One writer
/// per record, so the CLI and the API cannot disagree.
package struct RecordView: Sendable {
    package struct Member: Sendable {
        package let name: String
        /// The value's text; nil for null.
        package let text: String?
        package let isNumber: Bool
    }

    package let members: [Member]
    /// The object, as the API answers it.
    package let json: String

    init(_ value: JSON) {
        json = value.serialized()
        guard case .object(let pairs) = value else {
            members = [Member(name: "value", text: json, isNumber: false)]
            return
        }
        members = pairs.map { name, member in
            switch member {
            case .null: Member(name: name, text: nil, isNumber: false)
            case .bool(let flag): Member(name: name, text: flag ? "true" : "false", isNumber: false)
            case .int(let value): Member(name: name, text: String(value), isNumber: true)
            case .string(let text): Member(name: name, text: text, isNumber: false)
            case .array, .object, .raw: Member(name: name, text: member.serialized(), isNumber: false)
            }
        }
    }

    package static func order(_ order: Order) -> RecordView { RecordView(order.json) }
    package static func orderEvent(_ event: OrderEvent) -> RecordView { RecordView(event.json) }
    package static func job(_ job: Job) -> RecordView { RecordView(job.json) }
    package static func signal(_ signal: Signal) -> RecordView { RecordView(signal.json) }
    package static func anomaly(_ anomaly: Anomaly) -> RecordView { RecordView(anomaly.json) }
    package static func anomalyEvent(_ event: AnomalyEvent) -> RecordView { RecordView(event.json) }
}
