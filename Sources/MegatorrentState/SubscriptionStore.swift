import GRDB

/// The channels this node follows, kept across restarts.
public final class SubscriptionStore: Sendable {
    private let table: KeySetTable

    /// The store inside `database`.
    public init(database: StateDatabase) { table = KeySetTable(database: database, table: "subscription", column: "channel") }

    /// Follows `channel`; returns false when it was already followed.
    @discardableResult
    public func add(channel: String, at time: Int64) throws(StateError) -> Bool { try table.add(channel, at: time) }

    /// Stops following `channel`; returns false when it was not followed.
    @discardableResult
    public func remove(channel: String) throws(StateError) -> Bool { try table.remove(channel) }

    /// The followed channels, in id order.
    public func channels() throws(StateError) -> [String] { try table.keys(byAge: false) }

    /// Whether `channel` is followed.
    public func contains(channel: String) throws(StateError) -> Bool { try table.contains(channel) }
}
