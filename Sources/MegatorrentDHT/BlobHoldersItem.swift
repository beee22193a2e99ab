import MegatorrentBencode
import MegatorrentCrypto

/// The BEP 44 item that pairs the DHT's holders of a file (IP and port, from get_peers on the holders' info-hash)
/// with their Noise static keys (docs/blobs.md, "Finding holders through the DHT"). It is signed by a key pair derived
/// from the descriptor id, so every holder can update it and anyone who knows the descriptor id can read it (and
/// write it: a record is only a hint; a wrong one costs a failed handshake, and every blob is checked anyway).
public enum BlobHoldersItem {
    /// Records kept in the item, newest first.
    public static let maxRecords = 16
    /// The item's salt.
    public static let salt = Array("holders".utf8)

    /// A holder: its static key and the TCP port where it accepts the secure transport.
    public struct Record: Sendable, Hashable {
        public let staticKey: [UInt8]
        public let port: Int

        /// A record (`staticKey` 32 bytes, `port` 1...65535).
        public init(staticKey: [UInt8], port: Int) {
            self.staticKey = staticKey
            self.port = port
        }
    }

    /// The item's signing key for the file whose descriptor id is `descriptor` (32 bytes): the Ed25519 key whose seed
    /// is SHA-256(`megatorrent blob holders key v1` ‖ descriptor id). Public by construction.
    public static func signingKey(descriptor: [UInt8]) throws -> Ed25519.PrivateKey {
        let input = Array("megatorrent blob holders key v1".utf8) + descriptor
        let seed = SecureBytes(copying: Digest.hash(.sha256, input))
        return try Ed25519.PrivateKey(seed: seed)
    }

    /// The value: a bencoded list of `{"k": 32-byte key, "p": port}` dictionaries, at most ``maxRecords``.
    public static func encode(_ records: [Record]) -> [UInt8] {
        Bencode.encode(
            .list(records.prefix(maxRecords).map { .dictionary(["k": .bytes($0.staticKey), "p": .integer(Int64($0.port))]) }))
    }

    /// The records of a value: strict bencoding, a list; entries that are not a dictionary with a 32-byte `k` and a
    /// `p` in 1...65535 are skipped; at most ``maxRecords`` are read. Nil when the value is not a bencoded list.
    public static func decode(_ value: [UInt8]) -> [Record]? {
        guard case let .list(entries)? = try? Bencode.decode(value, maxDepth: 4) else { return nil }
        return entries.prefix(maxRecords).compactMap { entry in
            guard let key = entry["k"]?.byteString, key.count == 32, let port = entry["p"]?.integer, (1...65535).contains(port)
            else { return nil }
            return Record(staticKey: key, port: Int(port))
        }
    }

    /// `records` with `record` first and no other record of its key, cut to ``maxRecords``.
    public static func adding(_ record: Record, to records: [Record]) -> [Record] {
        Array(([record] + records.filter { $0.staticKey != record.staticKey }).prefix(maxRecords))
    }
}
