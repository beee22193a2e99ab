import MegatorrentCrypto
import Synchronization

/// The static-static X25519 results (`ss` in IK) of recent peers, so a handshake with a peer seen
/// before costs three scalar multiplications per side instead of four, as wireguard-go's
/// precomputed static-static per peer does.
///
/// The result depends only on the two static keys, so caching it changes nothing on the wire and
/// nothing of the handshake's secrecy: the ephemeral DHs (`ee`, `es`, `se`) still give each
/// session fresh keys. Entries are keyed by both public keys (a process may hold several static
/// keys), kept in `SecureBytes` (wiped when evicted), and bounded: at most `capacity` pairs, the
/// oldest inserted evicted first. Safe to share between threads.
public final class StaticStaticCache: Sendable {
    private struct State {
        var secrets: [[UInt8]: SecureBytes] = [:]
        /// Keys in insertion order, consumed from `head` when evicting.
        var order: [[UInt8]] = []
        var head = 0
    }

    /// The process-wide cache the handshakes use.
    public static let shared = StaticStaticCache(capacity: 1_024)

    /// The most pairs kept.
    public let capacity: Int
    private let state = Mutex(State())

    /// A cache of at most `capacity` key pairs.
    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// `DH(local, remote)`, computed once per pair while it stays cached. Throws what
    /// `X25519.PrivateKey.sharedSecret(with:)` throws (a low-order `remote`); failures are not cached.
    public func sharedSecret(local: X25519.PrivateKey, remote: [UInt8]) throws(CryptoError) -> SecureBytes {
        let pair = local.publicKey + remote
        if let secret = state.withLock({ $0.secrets[pair] }) { return secret }
        let secret = try local.sharedSecret(with: remote)
        state.withLock { state in
            guard state.secrets[pair] == nil else { return }
            if state.secrets.count >= capacity {
                state.secrets[state.order[state.head]] = nil
                state.head += 1
                if state.head * 2 > state.order.count {
                    state.order.removeFirst(state.head)
                    state.head = 0
                }
            }
            state.secrets[pair] = secret
            state.order.append(pair)
        }
        return secret
    }

    /// How many pairs are cached now.
    public var count: Int { state.withLock { $0.secrets.count } }
}
