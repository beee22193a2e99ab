import GRDB

/// The files this node holds whole, by descriptor id (64 lowercase hex digits): every file it ingested or fetched.
/// A node serving blobs announces itself as a holder of each (docs/blobs.md, "Finding holders through trackers").
/// Kept in the state database rather than the blob store, so that the store alone does not say which blobs form one
/// file.
public final class HeldFileStore: Sendable {
    private let table: KeySetTable

    /// The store inside `database`.
    public init(database: StateDatabase) { table = KeySetTable(database: database, table: "heldFile", column: "descriptor") }

    /// Records that the file of `descriptor` is held; returns false when it was already.
    @discardableResult
    public func add(descriptor: String, at time: Int64) throws(StateError) -> Bool { try table.add(descriptor, at: time) }

    /// Forgets the file of `descriptor`; returns false when it was not held.
    @discardableResult
    public func remove(descriptor: String) throws(StateError) -> Bool { try table.remove(descriptor) }

    /// The held files' descriptor ids, oldest first.
    public func descriptors() throws(StateError) -> [String] { try table.keys(byAge: true) }
}
