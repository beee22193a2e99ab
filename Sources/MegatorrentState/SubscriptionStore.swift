import GRDB

/// The channels this node follows, kept across restarts.
public final class SubscriptionStore: Sendable {
    private let database: StateDatabase

    /// The store inside `database`.
    public init(database: StateDatabase) { self.database = database }

    /// Follows `channel`; returns false when it was already followed.
    @discardableResult
    public func add(channel: String, at time: Int64) throws(StateError) -> Bool {
        try database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO subscription (channel, addedAt) VALUES (?, ?)", arguments: [channel, time])
            return db.changesCount > 0
        }
    }

    /// Stops following `channel`; returns false when it was not followed.
    @discardableResult
    public func remove(channel: String) throws(StateError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM subscription WHERE channel = ?", arguments: [channel])
            return db.changesCount > 0
        }
    }

    /// The followed channels, in id order.
    public func channels() throws(StateError) -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT channel FROM subscription ORDER BY channel") }
    }

    /// Whether `channel` is followed.
    public func contains(channel: String) throws(StateError) -> Bool {
        try database.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM subscription WHERE channel = ?", arguments: [channel]) ?? false }
    }
}
