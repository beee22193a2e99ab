import MegatorrentCrypto
import MegatorrentProxy

/// How a fetcher reaches blob holders: as `localStatic` over the secure transport, through a SOCKS5 proxy when one
/// is set (the proxy resolves the holders' names; nothing goes around it).
struct BlobDialer: Sendable {
    /// This node's static key for the Noise handshakes.
    let localStatic: X25519.PrivateKey
    /// The SOCKS5 proxy every connection goes through, or nil for direct connections.
    let proxy: ProxyConfiguration?

    /// A connection to `peer`, HELLO sent.
    func open(_ peer: BlobPeer) async throws -> PeerConnection {
        try await PeerConnection.open(peer, localStatic: localStatic, proxy: proxy)
    }
}
