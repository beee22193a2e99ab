import CLibtorrentShim

/// How a ``TorrentSession`` is configured. The defaults are safe ones, not libtorrent's: loopback only, and
/// no DHT, LAN discovery (LSD) or router port mapping (UPnP, NAT-PMP) until asked for.
public struct TorrentSessionSettings: Sendable, Hashable {
    /// libtorrent's `listen_interfaces`: comma-separated `IP:PORT` or `DEVICE:PORT` entries (`[::1]:0` for IPv6).
    /// Port 0 lets the OS choose. `""` listens nowhere. Exactly these ports are bound, or the session fails
    /// with ``TorrentError/Code/listenFailed``. Default `"127.0.0.1:0"`.
    public var listenInterfaces: String = "127.0.0.1:0"
    /// libtorrent's `dht_bootstrap_nodes`: comma-separated `HOST:PORT` routers. Default `""`: no host name is
    /// resolved over DNS (libtorrent's own default resolves dht.libtorrent.org).
    public var dhtBootstrapNodes: String = ""
    /// Run the mainline DHT node (BEP 5, carrying BEP 44/46 items). Default `false`.
    public var enableDHT: Bool = false
    /// Local Service Discovery: LAN multicast announces. Default `false`.
    public var enableLSD: Bool = false
    /// UPnP port mapping on the router. Default `false`.
    public var enableUPnP: Bool = false
    /// NAT-PMP / PCP port mapping on the router. Default `false`.
    public var enableNATPMP: Bool = false
    /// libtorrent's `dht_restrict_routing_ips` (one routing-table entry per IP); `nil` keeps libtorrent's default
    /// (`true`). A loopback swarm needs `false`.
    public var dhtRestrictRoutingIPs: Bool? = nil
    /// libtorrent's `dht_restrict_search_ips` (one search answer per IP); `nil` keeps libtorrent's default (`true`).
    /// A loopback swarm needs `false`.
    public var dhtRestrictSearchIPs: Bool? = nil
    /// libtorrent's `dht_prefer_verified_node_ids`; `nil` keeps libtorrent's default (`true`). A loopback swarm
    /// needs `false`.
    public var dhtPreferVerifiedNodeIDs: Bool? = nil
    /// libtorrent's `dht_block_ratelimit`, DHT packets per second one address may send before it is blocked;
    /// `nil` keeps libtorrent's default (5), too low for a loopback swarm.
    public var dhtBlockRateLimit: Int? = nil
    /// libtorrent's `dht_upload_rate_limit`, DHT upload bytes per second; `nil` keeps libtorrent's default (8000).
    public var dhtUploadRateLimit: Int? = nil
    /// libtorrent's `allow_multiple_connections_per_ip`. Default `false` (libtorrent's): peers are told apart by IP
    /// address alone, so in a loopback swarm, where every node is 127.0.0.1, only one of them is ever connected.
    /// A loopback swarm that exchanges torrent data needs `true`.
    public var allowMultipleConnectionsPerIP: Bool = false

    /// Settings with the safe defaults described on each property.
    public init() {}

    /// Calls `body` with the equivalent C struct; its strings live only during the call.
    func withCSettings<R>(
        _ body: (UnsafePointer<mtlt_session_settings>) throws(TorrentError) -> R
    ) throws(TorrentError) -> R {
        var settings = mtlt_session_settings()
        try throwIfFailed(mtlt_session_settings_init(&settings, MTLT_SESSION_SETTINGS_VERSION))
        settings.enable_dht = enableDHT ? 1 : 0
        settings.enable_lsd = enableLSD ? 1 : 0
        settings.enable_upnp = enableUPnP ? 1 : 0
        settings.enable_natpmp = enableNATPMP ? 1 : 0
        settings.dht_restrict_routing_ips = Self.tristate(dhtRestrictRoutingIPs)
        settings.dht_restrict_search_ips = Self.tristate(dhtRestrictSearchIPs)
        settings.dht_prefer_verified_node_ids = Self.tristate(dhtPreferVerifiedNodeIDs)
        settings.dht_block_ratelimit = try Self.limit(dhtBlockRateLimit, "dhtBlockRateLimit")
        settings.dht_upload_rate_limit = try Self.limit(dhtUploadRateLimit, "dhtUploadRateLimit")
        settings.allow_multiple_connections_per_ip = allowMultipleConnectionsPerIP ? 1 : 0

        let listen = try Self.cString(listenInterfaces, "listenInterfaces")
        let bootstrap = try Self.cString(dhtBootstrapNodes, "dhtBootstrapNodes")
        return try listen.withUnsafeBufferPointer { (listenBuffer) throws(TorrentError) -> R in
            try bootstrap.withUnsafeBufferPointer { (bootstrapBuffer) throws(TorrentError) -> R in
                settings.listen_interfaces = listenBuffer.baseAddress
                settings.dht_bootstrap_nodes = bootstrapBuffer.baseAddress
                return try body(&settings)
            }
        }
    }

    private static func tristate(_ value: Bool?) -> Int32 {
        guard let value else { return MTLT_SETTINGS_DEFAULT }
        return value ? 1 : 0
    }

    private static func limit(_ value: Int?, _ name: String) throws(TorrentError) -> Int32 {
        guard let value else { return MTLT_SETTINGS_DEFAULT }
        guard value >= 0, let narrowed = Int32(exactly: value) else {
            throw TorrentError(code: .invalidArgument, message: "\(name) is \(value); it must be in 0...\(Int32.max)")
        }
        return narrowed
    }

    /// NUL-terminated UTF-8; refuses an embedded NUL, which C would silently cut the string at.
    private static func cString(_ value: String, _ name: String) throws(TorrentError) -> [CChar] {
        let utf8 = Array(value.utf8)
        guard !utf8.contains(0) else {
            throw TorrentError(code: .invalidArgument, message: "\(name) contains a NUL character")
        }
        return utf8.map { CChar(bitPattern: $0) } + [0]
    }
}
