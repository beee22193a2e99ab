import MegatorrentBlobs
import MegatorrentTracker
import MegatorrentWire

/// A tracker as a source of blob holders (docs/blobs.md, "Finding holders through trackers"): an event-less announce
/// on the file's holders' info-hash in the dictionary model (`compact=0`, so peers come with their `mtkey`), then a
/// `stopped` announce so that the asker, which holds nothing, leaves the swarm again. Peers without a static key, and
/// this node's own record, are left out.
public struct TrackerHolderSource: BlobHolderSource {
    /// Peers asked for per query.
    public static let numwant = 50

    /// The tracker.
    public let url: AnnounceURL
    private let client: AnnounceClient
    private let localStaticKey: [UInt8]

    /// Asks `url` through `client`; `localStaticKey` (this node's static public key) is never returned.
    public init(url: AnnounceURL, client: AnnounceClient, localStaticKey: [UInt8]) {
        self.url = url
        self.client = client
        self.localStaticKey = localStaticKey
    }

    public var label: String { url.description }

    public func holders(of descriptor: BlobID) async throws -> [BlobPeer] {
        // A one-off peer id and port: the query names no node (the port is not listened on; the entry is removed).
        var query = AnnounceQuery(
            infoHash: BlobHolders.infoHash(of: descriptor), peerID: HolderPeerID.make(), port: UInt16.random(in: 49152...65535),
            left: 1, event: .none, numwant: Self.numwant, compact: false)
        let reply = try await client.announce(query, to: url)
        query.event = .stopped
        _ = try? await client.announce(query, to: url)
        return reply.peers.compactMap { peer in
            guard let key = peer.staticKey, key != localStaticKey else { return nil }
            return BlobPeer(host: peer.host, port: Int(peer.port), staticKey: key)
        }
    }
}

/// Peer ids of announces about blobs: `-MT0001-` and 12 random alphanumerics (Azureus style).
enum HolderPeerID {
    static func make() -> [UInt8] {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return Array("-MT0001-".utf8) + (0..<12).map { _ in alphabet.randomElement()! }
    }
}
