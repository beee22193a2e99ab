import GRDB

/// A table of text keys, one row a key with the time it was added: the shape of the followed channels
/// (`subscription`) and of the held files (`heldFile`). Table and column names are constants of this module,
/// never input.
struct KeySetTable: Sendable {
    let database: StateDatabase
    let table: String
    let column: String

    /// Adds `key`; returns false when it was there already.
    func add(_ key: String, at time: Int64) throws(StateError) -> Bool {
        try database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO \(table) (\(column), addedAt) VALUES (?, ?)", arguments: [key, time])
            return db.changesCount > 0
        }
    }

    /// Removes `key`; returns false when it was not there.
    func remove(_ key: String) throws(StateError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM \(table) WHERE \(column) = ?", arguments: [key])
            return db.changesCount > 0
        }
    }

    /// Every key, in key order, or oldest first when `byAge`.
    func keys(byAge: Bool) throws(StateError) -> [String] {
        let order = byAge ? "addedAt, \(column)" : column
        return try database.read { db in try String.fetchAll(db, sql: "SELECT \(column) FROM \(table) ORDER BY \(order)") }
    }

    /// Whether `key` is there.
    func contains(_ key: String) throws(StateError) -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table) WHERE \(column) = ?", arguments: [key]) ?? false
        }
    }
}
