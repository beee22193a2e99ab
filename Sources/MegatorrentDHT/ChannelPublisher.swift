import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTorrent

/// Publishes a channel on the DHT (docs/dht.md): seeds the manifest torrent from a ``ChannelStore`` and puts the BEP 46
/// pointer to it. The author publishes with the channel key and keeps the signed pointer as the manifest's sidecar;
/// any node that holds the manifest and its sidecar republishes it without the key.
///
/// A view over a session: it holds the session while it exists, so make one per use rather than keeping it.
public struct ChannelPublisher: Sendable {
    /// The session that seeds and puts.
    public let session: TorrentSession

    /// Publishes through `session` (its DHT must run).
    public init(session: TorrentSession) {
        self.session = session
    }

    /// What a publication did.
    public struct Publication: Sendable, Equatable {
        /// The signed pointer: keep it beside the manifest (the sidecar) to republish without the key.
        public let sidecar: MutableItem
        /// The manifest torrent, now seeded.
        public let infoHash: InfoHash
        /// How the put ended. `.completed` counts nodes that answered, which is no proof of storage (DESIGN.md).
        public let put: PutResult
    }

    /// Why a manifest or sidecar cannot be published.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The manifest does not pass strict verification (receivers would refuse it).
        case invalidManifest(ManifestError)
        /// The key is not the manifest's channel key.
        case keyMismatch(expected: String, got: String)
        /// The sidecar is not the signed pointer to this manifest's torrent (the phrase says which part differs).
        case sidecarMismatch(String)

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .invalidManifest(error): "the manifest is not valid: \(error)"
            case let .keyMismatch(expected, got): "the manifest belongs to channel \(expected), not to the key \(got)"
            case let .sidecarMismatch(what): "the sidecar does not point at this manifest: \(what)"
            }
        }
    }

    /// Publishes `manifest` with its channel's `key`: writes the manifest torrent's file into `storeFolder` (a
    /// ``ChannelStore``), seeds it, puts the pointer (seq = the manifest's sequence) and stops seeding older versions
    /// of the channel found in the store. Returns the sidecar to keep. Throws ``Failure``, ``TorrentError`` and file
    /// system errors.
    public func publish(
        _ manifest: SignedManifest, with key: Ed25519.PrivateKey, storeFolder: String, timeout: Duration = .seconds(60)
    ) async throws -> Publication {
        guard key.publicKey == manifest.body.publicKey else {
            throw Failure.keyMismatch(expected: manifest.channelID, got: key.publicKey.hex)
        }
        try Self.check(manifest)
        let store = ChannelStore(root: storeFolder)
        let infoHash = try await seed(manifest, in: store)
        let (sidecar, put) = try await DHTChannel(dht: session.dht).publishPointer(for: manifest, with: key, timeout: timeout)
        await store.retire(channel: manifest.body.publicKey, below: manifest.sequence, in: session)
        return Publication(sidecar: sidecar, infoHash: infoHash, put: put)
    }

    /// Republishes a manifest this node holds, with the pointer the author signed (`sidecar`): seeds the manifest
    /// torrent (already seeding is fine) and re-puts the item as it is. No key needed. Throws
    /// ``Failure/sidecarMismatch(_:)`` unless `sidecar` is the pointer to `manifest`'s torrent, with the manifest's key
    /// and sequence and no salt.
    public func republish(
        _ sidecar: MutableItem, manifest: SignedManifest, storeFolder: String, timeout: Duration = .seconds(60)
    ) async throws -> Publication {
        try Self.check(manifest)
        try Self.check(sidecar, matches: manifest)
        let infoHash = try await seed(manifest, in: ChannelStore(root: storeFolder))
        let put = try await DHTChannel(dht: session.dht).put(sidecar, timeout: timeout)
        return Publication(sidecar: sidecar, infoHash: infoHash, put: put)
    }

    /// Seeds `manifest`'s torrent from `storeFolder` without putting anything: writes the file (unless there already)
    /// and adds the torrent in seed mode; a torrent the session already has is left as it is. Returns its info-hash.
    public func seed(_ manifest: SignedManifest, storeFolder: String) async throws -> InfoHash {
        try Self.check(manifest)
        return try await seed(manifest, in: ChannelStore(root: storeFolder))
    }

    private func seed(_ manifest: SignedManifest, in store: ChannelStore) async throws -> InfoHash {
        let torrent = ManifestTorrent(manifest: manifest)
        let infoHash = try InfoHash(bytes: torrent.infoHash)
        let folder = try store.write(torrent, channel: manifest.body.publicKey, sequence: manifest.sequence)
        do throws(TorrentError) {
            _ = try await session.torrents.add(torrentFile: torrent.torrentFile, savePath: folder, seedMode: true)
        } catch where error.code == .duplicateTorrent {
            // Seeded already, or fetched by a resolver: either way the session serves it.
        }
        return infoHash
    }

    /// Refuses a manifest receivers would refuse (a `SignedManifest` can be made from parts that do not verify).
    static func check(_ manifest: SignedManifest) throws {
        do {
            _ = try ManifestVerifier.verify(manifest.jsonBytes, expectedKey: manifest.body.publicKey)
        } catch {
            throw Failure.invalidManifest(error)
        }
    }

    /// Whether `sidecar` is exactly the pointer to `manifest`'s torrent.
    static func check(_ sidecar: MutableItem, matches manifest: SignedManifest) throws {
        guard sidecar.publicKey == manifest.body.publicKey else {
            throw Failure.sidecarMismatch("signed by \(sidecar.publicKey.hex), the manifest by \(manifest.channelID)")
        }
        guard sidecar.salt.isEmpty else { throw Failure.sidecarMismatch("a channel pointer has no salt") }
        guard sidecar.sequence >= 0, UInt64(sidecar.sequence) == manifest.sequence else {
            throw Failure.sidecarMismatch("seq \(sidecar.sequence), manifest sequence \(manifest.sequence)")
        }
        guard let pointer = ChannelPointer(bencoded: sidecar.value) else {
            throw Failure.sidecarMismatch("the value is not a channel pointer")
        }
        guard pointer.infoHash == ManifestTorrent(manifest: manifest).infoHash else {
            throw Failure.sidecarMismatch("it names another torrent than the manifest's")
        }
    }
}

extension MutableItem {
    /// The sidecar of `manifest` rebuilt from the author's signature alone (what the state's `ManifestStore` keeps):
    /// the pointer to the manifest's torrent, seq = its sequence, no salt. Throws ``Problem/badSignature`` unless
    /// `signature` is the channel key's over exactly that item.
    public init(pointerTo manifest: SignedManifest, signature: [UInt8]) throws(Problem) {
        let pointer = ChannelPointer(infoHash: ManifestTorrent(manifest: manifest).infoHash)
        guard let sequence = Int64(exactly: manifest.sequence) else { throw .negativeSequence }
        try self.init(
            publicKey: manifest.body.publicKey, salt: [], sequence: sequence, value: pointer.bencoded, signature: signature)
    }
}
