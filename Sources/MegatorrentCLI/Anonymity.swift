import ArgumentParser
import MegatorrentProxy
import MegatorrentTorrent
import MegatorrentTracker

/// `--proxy socks5://[USER:PASS@]HOST:PORT`, `--safe-mode` / `--no-safe-mode` (docs/anonymity.md), shared by
/// `publish`, `subscribe`, `serve` and `seed`.
struct AnonymityOptions: ParsableArguments {
    @Option(
        name: .customLong("proxy"),
        help: "Send every outgoing connection (trackers, peers, torrents) through this SOCKS5 proxy, which also resolves host names: socks5://[USER:PASS@]HOST:PORT[?isolate=1].")
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

    /// `settings` unchanged when neither a proxy nor safe mode is asked for. libtorrent's proxy and safe-mode
    /// settings are not wired yet (issue 7, branch anon-libtorrent-wip): torrent traffic would leave outside
    /// the proxy, so commands that move torrent data refuse to run with either.
    func apply(to settings: TorrentSessionSettings) throws -> TorrentSessionSettings {
        if proxyURL != nil || safeMode {
            throw CLIFailure(
                "torrent data cannot go through a proxy or run in safe mode yet (libtorrent's proxy settings are not wired: issue 7); it would leave outside the proxy. Run without --proxy, or with --no-safe-mode and without --proxy.")
        }
        return settings
    }
}
