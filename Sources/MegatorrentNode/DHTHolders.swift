import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentDHT
import MegatorrentTorrent
import MegatorrentWire

/// Blob holders on the DHT (docs/blobs.md, "Finding holders through the DHT"): a holder announces the file's holders'
/// info-hash (BEP 5) with its peer port and adds its record to the file's ``BlobHoldersItem``; a fetcher looks up both
/// and pairs the endpoints with the records by port.
public struct DHTHolders: Sendable {
    /// The DHT node.
    public let dht: DHTNode
    /// How long a lookup (peers, item) may take.
    public let timeout: Duration

    /// Holders on `dht`.
    public init(dht: DHTNode, timeout: Duration = .seconds(30)) {
        self.dht = dht
        self.timeout = timeout
    }

    /// Announces this node as a holder of the file of `descriptor`: the BEP 5 announce of the holders' info-hash on
    /// `port`, then the item read, this record put first, and written back (its sequence one higher, or the same item
    /// again when the record is first already, which refreshes it). Returns how the put ended.
    public func announce(_ descriptor: BlobID, port: Int, staticKey: [UInt8]) async throws -> PutResult {
        try dht.announce(infoHash: BlobHolders.infoHash(of: descriptor), port: port)
        let key = try BlobHoldersItem.signingKey(descriptor: descriptor.bytes)
        let current = try await item(publicKey: key.publicKey)
        let record = BlobHoldersItem.Record(staticKey: staticKey, port: port)
        let records = BlobHoldersItem.adding(record, to: current?.records ?? [])
        let sequence = (current?.sequence ?? 0) + (current?.records.first == record ? 0 : 1)
        let item = try MutableItem(signing: BlobHoldersItem.encode(records), salt: BlobHoldersItem.salt, sequence: sequence, with: key)
        return try await DHTChannel(dht: dht).put(item, timeout: timeout)
    }

    /// The holders the DHT names for the file of `descriptor`: every endpoint of the peer lookup paired with every
    /// record of the item that has its port (one candidate per pair), at most `limit`.
    public func holders(of descriptor: BlobID, limit: Int = 64) async throws -> [BlobPeer] {
        let key = try BlobHoldersItem.signingKey(descriptor: descriptor.bytes)
        async let endpoints = dht.peers(of: BlobHolders.infoHash(of: descriptor), timeout: timeout)
        async let found = item(publicKey: key.publicKey)
        let records = try await found?.records ?? []
        var holders: [BlobPeer] = []
        for endpoint in try await endpoints {
            for record in records where record.port == endpoint.port && holders.count < limit {
                let holder = BlobPeer(host: endpoint.host, port: endpoint.port, staticKey: record.staticKey)
                if !holders.contains(holder) { holders.append(holder) }
            }
        }
        return holders
    }

    /// The item's records and sequence, nil when none is found (or one that does not verify strictly).
    private func item(publicKey: Ed25519.PublicKey) async throws -> (records: [BlobHoldersItem.Record], sequence: Int64)? {
        guard case let .found(found, _) = try await dht.getMutable(publicKey: publicKey.bytes, salt: BlobHoldersItem.salt, timeout: timeout),
            let item = try? MutableItem(
                publicKey: publicKey, salt: found.salt, sequence: found.sequence, value: found.value, signature: found.signature),
            let records = BlobHoldersItem.decode(item.value)
        else { return nil }
        return (records, item.sequence)
    }
}

/// The DHT as a source of blob holders for a ``BlobFetcher`` (this node's own key left out).
public struct DHTHolderSource: BlobHolderSource {
    private let holders: DHTHolders
    private let localStaticKey: [UInt8]

    /// Holders found through `holders`, without `localStaticKey`.
    public init(holders: DHTHolders, localStaticKey: [UInt8]) {
        self.holders = holders
        self.localStaticKey = localStaticKey
    }

    public var label: String { "the DHT" }

    public func holders(of descriptor: BlobID) async throws -> [BlobPeer] {
        try await holders.holders(of: descriptor).filter { $0.staticKey != localStaticKey }
    }
}
