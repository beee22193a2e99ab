import GRDB

/// The last sequence per channel key, so replays and rollbacks are refused across restarts.
///
/// Two records per key: the last sequence *accepted* from the network (a subscriber's view) and
/// the last sequence *signed* here (an author's view, for choosing the next). Each change is one
/// transaction, committed before the call returns.
public final class SequenceStore: Sendable {
    private let database: StateDatabase

    /// The store inside `database`.
    public init(database: StateDatabase) { self.database = database }

    /// Opens the state database of `directory` and the store in it.
    public convenience init(directory: StateDirectory) throws(StateError) {
        self.init(database: try StateDatabase(directory: directory))
    }

    private enum Role: String { case accepted, signed }

    /// The last sequence accepted for `channel` (lowercase hex key), if any.
    public func lastAccepted(channel: String) throws(StateError) -> UInt64? { try read(channel, .accepted) }

    /// The last sequence signed here for `channel`, if any.
    public func lastSigned(channel: String) throws(StateError) -> UInt64? { try read(channel, .signed) }

    /// Records `sequence` as accepted for `channel` if it is above the last one, atomically.
    /// - Returns: `.accepted(previous:)` or `.stale(last:)`.
    public func accept(channel: String, sequence: UInt64) throws(StateError) -> AcceptOutcome {
        try database.write { db in
            let last = try Self.value(db, channel, .accepted)
            if let last, last >= sequence { return .stale(last: last) }
            try Self.store(db, channel, .accepted, sequence)
            return .accepted(previous: last)
        }
    }

    /// Records that `sequence` was signed for `channel` (keeps the highest).
    public func recordSigned(channel: String, sequence: UInt64) throws(StateError) {
        try database.write { db in
            if let last = try Self.value(db, channel, .signed), last >= sequence { return }
            try Self.store(db, channel, .signed, sequence)
        }
    }

    /// What `accept` did.
    public enum AcceptOutcome: Equatable, Sendable {
        /// Stored; the previous last sequence, if there was one.
        case accepted(previous: UInt64?)
        /// Refused: not above the last accepted sequence.
        case stale(last: UInt64)
    }

    private func read(_ channel: String, _ role: Role) throws(StateError) -> UInt64? {
        try database.read { db in try Self.value(db, channel, role) }
    }

    private static func value(_ db: Database, _ channel: String, _ role: Role) throws -> UInt64? {
        try Int64.fetchOne(db, sql: "SELECT value FROM sequence WHERE channel = ? AND role = ?", arguments: [channel, role.rawValue])
            .map { UInt64($0) }
    }

    private static func store(_ db: Database, _ channel: String, _ role: Role, _ value: UInt64) throws {
        try db.execute(
            sql: "INSERT INTO sequence (channel, role, value) VALUES (?, ?, ?) ON CONFLICT(channel, role) DO UPDATE SET value = excluded.value",
            arguments: [channel, role.rawValue, Int64(value)])
    }
}
