/// The DHT calls of one session that wait for their answer, and the routing of DHT alerts to them.
final class DHTRequests: Sendable {
    /// A mutable item's address: public key and salt.
    struct MutableKey: Hashable, Sendable {
        let publicKey: [UInt8]
        let salt: [UInt8]
    }

    /// A mutable put, told apart from other puts of the same item by its sequence.
    struct MutablePutKey: Hashable, Sendable {
        let publicKey: [UInt8]
        let salt: [UInt8]
        let sequence: Int64
    }

    /// Mutable lookups by key and salt.
    let mutableGets = PendingRequests<MutableKey, MutableGetResult>()
    /// Immutable lookups by target.
    let immutableGets = PendingRequests<[UInt8], ImmutableGetResult>()
    /// Mutable puts by key, salt and sequence.
    let mutablePuts = PendingRequests<MutablePutKey, PutResult>()
    /// Immutable puts by target.
    let immutablePuts = PendingRequests<[UInt8], PutResult>()
    /// Peer lookups (BEP 5 get_peers) by info-hash.
    let peerLookups = PendingRequests<[UInt8], [DHTPeer]>()

    /// Ends the waiters an alert answers. A lookup answers everyone waiting for that item, whichever call started
    /// it: libtorrent's alerts carry no request id.
    func deliver(_ alert: TorrentAlert) {
        switch alert {
        case .dhtMutableItem(let item, let authoritative):
            let key = MutableKey(publicKey: item.publicKey, salt: item.salt)
            if !item.value.isEmpty {
                mutableGets.resolve(key, with: .found(item, authoritative: authoritative))
            } else if authoritative {
                mutableGets.resolve(key, with: .notFound)
            }
        case .dhtImmutableItem(let target, let value):
            immutableGets.resolve(target, with: value.isEmpty ? .notFound : .found(value))
        case .dhtMutablePut(let key, let successCount):
            mutablePuts.resolve(key, with: .completed(successCount: successCount))
        case .dhtImmutablePut(let target, let successCount):
            immutablePuts.resolve(target, with: .completed(successCount: successCount))
        case .dhtPeers(let infoHash, let peers):
            peerLookups.resolve(infoHash, with: peers)
        default:
            break  // listen, bootstrap and torrent alerts
        }
    }
}
