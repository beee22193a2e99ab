import CLibtorrentShim

#if canImport(Glibc)
    import Glibc  // explicit_bzero
#endif

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
    /// A SOCKS5 proxy for all torrent traffic (peers, web seeds, trackers), which also resolves every
    /// host name (libtorrent's proxy_hostnames, proxy_peer_connections, proxy_tracker_connections).
    /// Default `nil`. Combine with ``safeMode``: libtorrent alone still sends DHT and uTP traffic.
    public var proxy: TorrentProxy? = nil
    /// Safe mode: the session sends no UDP and resolves no name itself: uTP off, `udp://` trackers dropped
    /// from every torrent added, and DHT, LSD, UPnP, NAT-PMP and ``dhtBootstrapNodes`` refused (use
    /// ``applyingSafeMode()``, which turns them off). Default `false`.
    public var safeMode: Bool = false
    /// libtorrent's I2P SAM bridge (`i2p_hostname`, `i2p_port`) for I2P torrents. Default `nil`.
    public var i2pSAM: I2PSAMBridge? = nil
    /// libtorrent's `allow_i2p_mixed`: I2P torrents may also use ordinary peers. Default `false`.
    public var allowI2PMixed: Bool = false

    /// Settings with the safe defaults described on each property.
    public init() {}

    /// These settings in safe mode: ``safeMode`` on, and DHT (UDP), its bootstrap names, LSD, UPnP and
    /// NAT-PMP off. Listening stays as it was.
    public func applyingSafeMode() -> TorrentSessionSettings {
        var settings = self
        settings.safeMode = true
        settings.enableDHT = false
        settings.dhtBootstrapNodes = ""
        settings.enableLSD = false
        settings.enableUPnP = false
        settings.enableNATPMP = false
        return settings
    }

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
        settings.safe_mode = safeMode ? 1 : 0
        settings.allow_i2p_mixed = allowI2PMixed ? 1 : 0
        if let proxy {
            settings.proxy_type = proxy.credentials == nil ? MTLT_PROXY_SOCKS5 : MTLT_PROXY_SOCKS5_PW
            settings.proxy_port = Int32(clamping: proxy.port)
        }
        settings.i2p_port = Int32(clamping: i2pSAM?.port ?? 0)

        // Every string lives in one buffer, NUL-separated, for the duration of the call; the buffer is wiped
        // afterwards (it holds the proxy password, which libtorrent has copied by then).
        let fields = [
            (listenInterfaces, "listenInterfaces"), (dhtBootstrapNodes, "dhtBootstrapNodes"), (proxy?.host ?? "", "proxy.host"),
            (proxy?.credentials?.username ?? "", "proxy.username"), (proxy?.credentials?.password ?? "", "proxy.password"),
            (i2pSAM?.host ?? "", "i2pSAM.host"),
        ]
        var storage: [CChar] = []
        var offsets: [Int] = []
        defer { storage.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } } }
        for (value, name) in fields {
            offsets.append(storage.count)
            try Self.appendCString(value, name, to: &storage)
        }
        return try storage.withUnsafeBufferPointer { (buffer) throws(TorrentError) -> R in
            let base = buffer.baseAddress!
            settings.listen_interfaces = base + offsets[0]
            settings.dht_bootstrap_nodes = base + offsets[1]
            settings.proxy_hostname = base + offsets[2]
            settings.proxy_username = base + offsets[3]
            settings.proxy_password = base + offsets[4]
            settings.i2p_hostname = base + offsets[5]
            return try body(&settings)
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

    /// Appends `value` as NUL-terminated UTF-8; refuses an embedded NUL, which C would silently cut the string at.
    private static func appendCString(_ value: String, _ name: String, to storage: inout [CChar]) throws(TorrentError) {
        guard !value.utf8.contains(0) else {
            throw TorrentError(code: .invalidArgument, message: "\(name) contains a NUL character")
        }
        storage.reserveCapacity(storage.count + value.utf8.count + 1)
        for byte in value.utf8 { storage.append(CChar(bitPattern: byte)) }
        storage.append(0)
    }
}

/// A SOCKS5 proxy for libtorrent (its `proxy_type` socks5 or socks5_pw).
public struct TorrentProxy: Sendable, Hashable {
    /// The proxy's host; an IP address keeps libtorrent from resolving anything locally.
    public var host: String
    /// The proxy's port.
    public var port: Int
    /// RFC 1929 username and password (socks5_pw), or nil (socks5).
    public var credentials: Credentials?

    /// A username and a password, 1 to 255 bytes each. Printed with the password hidden.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The username.
        public var username: String
        /// The password.
        public var password: String
        /// Credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
        /// `username:***`.
        public var description: String { "\(username):***" }
        /// `username:***`.
        public var debugDescription: String { description }
    }

    /// A proxy.
    public init(host: String, port: Int, credentials: Credentials? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }
}

/// An I2P SAM bridge (host and port) for libtorrent's I2P torrents.
public struct I2PSAMBridge: Sendable, Hashable {
    /// The bridge's host.
    public var host: String
    /// The bridge's SAM port (7656 by default in i2pd and Java I2P).
    public var port: Int
    /// A bridge.
    public init(host: String, port: Int = 7656) {
        self.host = host
        self.port = port
    }
}
