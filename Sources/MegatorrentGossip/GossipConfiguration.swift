import MegatorrentProxy

/// Bounds and penalties of a gossip node (docs/wire.md, "Penalties and limits").
public struct GossipConfiguration: Sendable, Equatable {
    /// Most connected peers; more are refused with GOODBYE busy.
    public var maxPeers = 128
    /// A peer's score starts at 0; at or below this it is disconnected and refused for ``banDuration``.
    public var banThreshold = -20
    /// What an invalid (forged) manifest costs its sender.
    public var invalidPenalty = 10
    /// What a stale (replayed, rolled back) manifest costs its sender.
    public var stalePenalty = 2
    /// What a manifest of a channel the receiver does not follow costs its sender (it ignored FOLLOW).
    public var unwantedPenalty = 1
    /// How long a penalised static key is refused.
    public var banDuration: Duration = .seconds(600)
    /// Most manifests a peer may push per minute; more are dropped and cost ``unwantedPenalty`` each.
    public var manifestsPerMinute = 240
    /// Most peer records kept from peer exchange.
    public var maxKnownPeers = 1024
    /// The port announced in HELLO (where this node accepts peers), 0 for none; set by `listen`.
    public var listenPort: UInt16 = 0
    /// Whether this node wants every manifest its peers accept (a tracker or hub).
    public var isRelay = false
    /// A SOCKS5 proxy for the connections this node makes (`connect`): the peer's host name is
    /// resolved by the proxy. nil: connect directly.
    public var proxy: ProxyConfiguration? = nil

    /// The defaults.
    public init() {}
}
