import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTorrent

/// A channel's pointer on the DHT (docs/dht.md): put by the author (or re-put from the sidecar by
/// any node that holds the manifest), got by subscribers.
public struct DHTChannel: Sendable {
    /// The DHT node used.
    public let dht: DHTNode

    /// Uses `dht`.
    public init(dht: DHTNode) { self.dht = dht }

    /// Signs the pointer to `manifest`'s torrent with the channel key (seq = the manifest's
    /// sequence) and puts it. Returns the signed item, to keep as the sidecar, and the put's end.
    public func publishPointer(for manifest: SignedManifest, with key: Ed25519.PrivateKey, timeout: Duration = .seconds(60))
        async throws -> (item: MutableItem, put: PutResult)
    {
        let pointer = ChannelPointer(infoHash: ManifestTorrent(manifest: manifest).infoHash)
        let item = try MutableItem(signing: pointer.bencoded, sequence: Int64(manifest.sequence), with: key)
        return (item, try await put(item, timeout: timeout))
    }

    /// Puts an item already signed (a sidecar): no key needed. A `MutableItem` is made by signing or verified
    /// strictly when made, so the shim does not verify it again.
    public func put(_ item: MutableItem, timeout: Duration = .seconds(60)) async throws -> PutResult {
        let signed = try SignedMutableItem(
            publicKey: item.publicKey.bytes, salt: item.salt, sequence: item.sequence, value: item.value, signature: item.signature)
        return try await dht.putMutable(item: signed, signatureVerified: true, timeout: timeout)
    }

    /// What a pointer lookup found.
    public enum Lookup: Sendable, Equatable {
        /// A valid, strictly verified pointer item (`authoritative` as libtorrent reported).
        case found(ChannelPointer, item: MutableItem, authoritative: Bool)
        /// The lookup ended and no node had an item for the key.
        case notFound
        /// No answer in time.
        case timedOut
        /// An item was found but refused (not a pointer, or a signature our strict rules refuse).
        case invalid(String)
    }

    /// Looks the channel's pointer up. libtorrent has checked the BEP 44 signature; it is checked
    /// again here under the strict rules, and the value must be a pointer.
    public func resolvePointer(for key: Ed25519.PublicKey, timeout: Duration = .seconds(30)) async throws -> Lookup {
        switch try await dht.getMutable(publicKey: key.bytes, salt: [], timeout: timeout) {
        case .notFound:
            return .notFound
        case .timedOut:
            return .timedOut
        case let .found(found, authoritative):
            let item: MutableItem
            do {
                item = try MutableItem(publicKey: key, salt: found.salt, sequence: found.sequence, value: found.value, signature: found.signature)
            } catch {
                return .invalid(error.description)
            }
            guard let pointer = ChannelPointer(bencoded: item.value) else { return .invalid("the item's value is not a channel pointer") }
            return .found(pointer, item: item, authoritative: authoritative)
        }
    }
}
