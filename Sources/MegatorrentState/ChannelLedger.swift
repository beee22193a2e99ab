import Foundation
import GRDB
import MegatorrentManifest

/// A subscriber's record of each channel: the last accepted sequence, the manifest that carried
/// it, and evidence of equivocation, changed together in one transaction so a crash never leaves a
/// sequence accepted without its manifest.
public final class ChannelLedger: Sendable {
    private let database: StateDatabase

    /// The ledger inside `database`.
    public init(database: StateDatabase) { self.database = database }

    /// What happened to an offered manifest.
    public enum Outcome: Sendable, Equatable {
        /// Newer than anything held: accepted and stored (the previous sequence, if any).
        case accepted(previous: UInt64?)
        /// The very manifest already held.
        case duplicate
        /// Not above the last accepted sequence.
        case stale(last: UInt64)
        /// Same key and sequence as the held manifest but different content, both validly signed:
        /// the author equivocated. The held manifest stays; the pair is kept as evidence.
        case equivocation(held: SignedManifest)
    }

    /// Records a verified manifest. Equal-sequence manifests are compared byte for byte in
    /// canonical form.
    public func accept(_ manifest: SignedManifest, at time: Int64) throws -> Outcome {
        let channel = manifest.channelID, sequence = Int64(manifest.sequence), bytes = manifest.jsonBytes
        let decision: Decision = try database.write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT value FROM sequence WHERE channel = ? AND role = 'accepted'", arguments: [channel])
            if let last, last > sequence { return .stale(UInt64(last)) }
            if let last, last == sequence {
                let held = try Data.fetchOne(db, sql: "SELECT json FROM manifest WHERE channel = ? AND sequence = ?", arguments: [channel, last])
                guard let held else { return .stale(UInt64(last)) }
                if Array(held) == bytes { return .duplicate }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO equivocation (channel, sequence, held, offered, detectedAt) VALUES (?, ?, ?, ?, ?)",
                    arguments: [channel, last, held, Data(bytes), time])
                return .equivocation(Array(held))
            }
            try db.execute(
                sql: "INSERT INTO sequence (channel, role, value) VALUES (?, 'accepted', ?) ON CONFLICT(channel, role) DO UPDATE SET value = excluded.value",
                arguments: [channel, sequence])
            try db.execute(
                sql: """
                    INSERT INTO manifest (channel, sequence, json, storedAt, itemSignature) VALUES (?, ?, ?, ?, NULL)
                    ON CONFLICT(channel) DO UPDATE SET sequence = excluded.sequence, json = excluded.json,
                        storedAt = excluded.storedAt, itemSignature = NULL
                    """,
                arguments: [channel, sequence, Data(bytes), time])
            return .accepted(last.map(UInt64.init))
        }
        switch decision {
        case let .accepted(previous): return .accepted(previous: previous)
        case .duplicate: return .duplicate
        case let .stale(last): return .stale(last: last)
        case let .equivocation(held): return .equivocation(held: try ManifestVerifier.verify(held))
        }
    }

    /// What the transaction decided, before the held manifest (if any) is parsed outside it.
    private enum Decision {
        case accepted(UInt64?), duplicate, stale(UInt64), equivocation([UInt8])
    }

    /// Evidence of equivocation: pairs of validly signed manifests with one key and one sequence.
    public struct Evidence: Sendable, Equatable {
        /// The channel.
        public let channel: String
        /// The sequence both manifests carry.
        public let sequence: UInt64
        /// The manifest held first.
        public let held: [UInt8]
        /// The different manifest offered later.
        public let offered: [UInt8]
        /// When it was detected (ms since the epoch).
        public let detectedAt: Int64
    }

    /// The evidence recorded for `channel`.
    public func evidence(channel: String) throws(StateError) -> [Evidence] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT sequence, held, offered, detectedAt FROM equivocation WHERE channel = ? ORDER BY detectedAt",
                arguments: [channel]
            ).map { row in
                let held: Data = row["held"], offered: Data = row["offered"]
                return Evidence(channel: channel, sequence: UInt64(row["sequence"] as Int64), held: Array(held), offered: Array(offered), detectedAt: row["detectedAt"])
            }
        }
    }
}
