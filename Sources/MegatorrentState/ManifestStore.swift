import Foundation
import GRDB
import MegatorrentManifest

/// The newest manifest held per channel, with the DHT pointer's signature (the sidecar) when known:
/// what a node serves, seeds and re-puts, also after a restart.
public final class ManifestStore: Sendable {
    private let database: StateDatabase

    /// The store inside `database`.
    public init(database: StateDatabase) { self.database = database }

    /// A stored manifest.
    public struct Record: Sendable, Equatable {
        /// The verified manifest.
        public let manifest: SignedManifest
        /// The author's BEP 44 signature over the channel's DHT pointer for this manifest, if known.
        public let itemSignature: [UInt8]?
        /// When it was stored, in ms since the epoch.
        public let storedAt: Int64
    }

    /// Stores `manifest` if it is newer than the one held for its channel (or the first).
    /// Returns whether it was stored. A manifest with the sequence of the held one only adds a
    /// missing sidecar signature.
    @discardableResult
    public func store(_ manifest: SignedManifest, itemSignature: [UInt8]? = nil, at time: Int64) throws(StateError) -> Bool {
        try database.write { db in
            let held = try Int64.fetchOne(db, sql: "SELECT sequence FROM manifest WHERE channel = ?", arguments: [manifest.channelID])
            if let held, UInt64(held) > manifest.sequence { return false }
            if let held, UInt64(held) == manifest.sequence {
                guard let itemSignature else { return false }
                try db.execute(
                    sql: "UPDATE manifest SET itemSignature = ? WHERE channel = ? AND itemSignature IS NULL",
                    arguments: [Data(itemSignature), manifest.channelID])
                return db.changesCount > 0
            }
            try db.execute(
                sql: """
                    INSERT INTO manifest (channel, sequence, json, storedAt, itemSignature) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(channel) DO UPDATE SET sequence = excluded.sequence, json = excluded.json,
                        storedAt = excluded.storedAt, itemSignature = excluded.itemSignature
                    """,
                arguments: [manifest.channelID, Int64(manifest.sequence), Data(manifest.jsonBytes), time, itemSignature.map { Data($0) }])
            return true
        }
    }

    /// The newest manifest held for `channel`, verified again on the way out (a changed database
    /// file is not trusted).
    public func latest(channel: String) throws -> Record? {
        let row = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT json, storedAt, itemSignature FROM manifest WHERE channel = ?", arguments: [channel])
        }
        guard let row else { return nil }
        let json: Data = row["json"]
        let signature: Data? = row["itemSignature"]
        let manifest = try ManifestVerifier.verify(Array(json))
        return Record(manifest: manifest, itemSignature: signature.map { Array($0) }, storedAt: row["storedAt"])
    }

    /// The channels held, in id order.
    public func channels() throws(StateError) -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT channel FROM manifest ORDER BY channel") }
    }
}
