/// Where a manifest came from. Every source feeds the same engine and the same checks.
public enum ManifestSource: Sendable, Hashable, CustomStringConvertible {
    /// A WebSocket tracker (its URL).
    case tracker(String)
    /// The BitTorrent DHT (BEP 46 pointer and manifest torrent).
    case dht
    /// A peer over the secure transport (its address or static key).
    case peer(String)
    /// This node itself (a manifest it signed or was handed).
    case local

    /// A short label for logs and the CLI.
    public var description: String {
        switch self {
        case let .tracker(url): "tracker \(url)"
        case .dht: "dht"
        case let .peer(peer): "peer \(peer)"
        case .local: "local"
        }
    }
}
