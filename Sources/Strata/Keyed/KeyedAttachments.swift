import Synchronization

/// The keyed state a store opened on each of its event tables, so that `OrderStore(table:)` and
/// `JobStore(table:)` on the store's own table share the store's state (one sequence of events,
/// one snapshot) instead of opening a second one over the same rows.
enum KeyedAttachments {
    private struct Entry: @unchecked Sendable {
        /// Weak, so that an entry outliving its table never matches a later table at the same
        /// address.
        weak var table: DynamicTable?
        let state: AnyObject
    }

    private static let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    static func attach(_ state: AnyObject, to table: DynamicTable) {
        entries.withLock { $0[ObjectIdentifier(table)] = Entry(table: table, state: state) }
    }

    static func detach(_ table: DynamicTable) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(table)) }
    }

    /// The state attached to `table`, if it is a `T`.
    static func attached<T: AnyObject>(to table: DynamicTable) -> T? {
        entries.withLock { entries in
            guard let entry = entries[ObjectIdentifier(table)], entry.table === table else { return nil }
            return entry.state as? T
        }
    }
}
