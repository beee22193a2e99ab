import ArgumentParser
import MegatorrentProxy
import MegatorrentTorrent
import MegatorrentTracker

/// `--proxy socks5://[USER:PASS@]HOST:PORT`, `--safe-mode` / `--no-safe-mode` (docs/anonymity.md), shared by
/// `publish`, `subscribe`, `serve`, `seed` and `fetch`.
struct AnonymityOptions: ParsableArguments {
    @Option(
        name: .customLong("proxy"),
        help: "Send every outgoing connection (trackers, peers, torrent peers and trackers) through this SOCKS5 proxy, which also resolves host names: socks5://[USER:PASS@]HOST:PORT[?isolate=1].")
    var proxyURL: String?

    @Flag(
        name: .customLong("safe-mode"), inversion: .prefixedNo,
        help: "No UDP and no local lookup of remote names: DHT, LSD, UPnP, NAT-PMP, uTP and UDP trackers off (default: on with --proxy or --i2p-sam).")
    var safeModeFlag: Bool?

    @OptionGroup var i2p: I2POptions

    func validate() throws { _ = try proxy }

    /// The parsed `--proxy`.
    var proxy: ProxyConfiguration? {
        get throws {
            guard let proxyURL else { return nil }
            do { return try ProxyConfiguration(url: proxyURL) } catch { throw ValidationError("--proxy: \(error)") }
        }
    }

    /// Whether safe mode is on: as asked, else on exactly when a proxy or an I2P SAM bridge is set.
    var safeMode: Bool { safeModeFlag ?? (proxyURL != nil || i2p.samAddress != nil) }

    /// Refuses `--dht` in safe mode: the mainline DHT is UDP (DHT-over-TCP bridges come later).
    func refuseDHT(_ dht: Bool) throws {
        guard dht, safeMode else { return }
        throw ValidationError(
            "--dht is refused in safe mode: the BitTorrent DHT is UDP, which a SOCKS5 proxy such as Tor does not carry and which would leave outside it. Use trackers or --peer, or --no-safe-mode to accept the leak.")
    }

    /// A tracker client configuration with the proxy.
    func trackerConfiguration(_ base: TrackerClientConfiguration = TrackerClientConfiguration()) throws -> TrackerClientConfiguration {
        var configuration = base
        configuration.proxy = try proxy
        return configuration
    }

    /// `settings` with libtorrent's proxy (peers, web seeds and trackers through it, names resolved by it; with
    /// `isolate=1` the whole session gets one random username and password of its own) and, when on, safe mode.
    func apply(to settings: TorrentSessionSettings) throws -> TorrentSessionSettings {
        var settings = settings
        if let proxy = try proxy {
            let credentials = proxy.credentialsForNewStream().map { TorrentProxy.Credentials(username: $0.username, password: $0.password) }
            settings.proxy = TorrentProxy(host: proxy.host, port: proxy.port, credentials: credentials)
        }
        // libtorrent's own SAM session: .i2p trackers and peers of torrents go through the same bridge.
        if let bridge = try i2p.bridge { settings.i2pSAM = I2PSAMBridge(host: bridge.host, port: bridge.port) }
        return safeMode ? settings.applyingSafeMode() : settings
    }
}
