import GRDB

/// The state folder's SQLite database (`state.sqlite`): opened once per process and shared by the
/// stores (`SequenceStore`, `ManifestStore`). WAL journal, `synchronous=FULL`: a change is on disk
/// before the call that made it returns, so nothing acknowledged is lost on a crash.
public final class StateDatabase: Sendable {
    let queue: DatabaseQueue
    /// The database file.
    public let path: String

    /// Opens (and creates or migrates) the database of `directory`.
    public convenience init(directory: StateDirectory) throws(StateError) {
        try directory.create()
        try self.init(path: directory.databasePath)
    }

    /// Opens (and creates or migrates) the database at `path`.
    public init(path: String) throws(StateError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw .database(path: path, message: "\(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-sequences") { db in
            try db.create(table: "sequence") { t in
                t.column("channel", .text).notNull()
                t.column("role", .text).notNull()  // "accepted" or "signed"
                t.column("value", .integer).notNull()
                t.primaryKey(["channel", "role"])
            }
        }
        migrator.registerMigration("v2-manifests") { db in
            try db.create(table: "manifest") { t in
                t.primaryKey("channel", .text)
                t.column("sequence", .integer).notNull()
                t.column("json", .blob).notNull()
                t.column("storedAt", .integer).notNull()  // ms since the epoch
                // The BEP 44 sidecar: the author's signature over the DHT pointer, when known.
                t.column("itemSignature", .blob)
            }
        }
        migrator.registerMigration("v3-subscriptions") { db in
            try db.create(table: "subscription") { t in
                t.primaryKey("channel", .text)
                t.column("addedAt", .integer).notNull()
            }
            // Two different valid manifests with one key and one sequence: kept as evidence.
            try db.create(table: "equivocation") { t in
                t.column("channel", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("held", .blob).notNull()
                t.column("offered", .blob).notNull()
                t.column("detectedAt", .integer).notNull()
                t.primaryKey(["channel", "sequence", "offered"])
            }
        }
        migrator.registerMigration("v4-held-files") { db in
            // The files this node holds whole (ingested or fetched), by descriptor id: what it announces as a holder.
            // Kept here and not in the blob store, so that the store does not say which blobs form one file.
            try db.create(table: "heldFile") { t in
                t.primaryKey("descriptor", .text)
                t.column("addedAt", .integer).notNull()  // ms since the epoch
            }
        }
        return migrator
    }

    func read<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw .database(path: path, message: "\(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do {
            return try queue.write(body)
        } catch {
            throw .database(path: path, message: "\(error)")
        }
    }
}
