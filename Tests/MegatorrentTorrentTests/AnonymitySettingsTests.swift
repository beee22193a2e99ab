import CLibtorrentShim
import MegatorrentTorrent
import XCTest

/// Proxy, safe mode and I2P settings reach libtorrent (read back from the running session), and safe
/// mode refuses what would send UDP or resolve names outside the proxy.
final class AnonymitySettingsTests: XCTestCase {
    func testProxyAndSafeModeReachLibtorrent() throws {
        var settings = TorrentSessionSettings()
        settings.proxy = TorrentProxy(host: "127.0.0.1", port: 9050, credentials: .init(username: "u", password: "p"))
        settings.i2pSAM = I2PSAMBridge(host: "127.0.0.1", port: 7656)
        settings.allowI2PMixed = true
        settings.enableDHT = true
        settings.enableLSD = true
        let session = try TorrentSession(settings: settings.applyingSafeMode())
        // libtorrent's proxy_type_t: none 0, socks4 1, socks5 2, socks5_pw 3.
        XCTAssertEqual(try session.integerSetting(named: "proxy_type"), 3)
        XCTAssertEqual(try session.integerSetting(named: "proxy_port"), 9050)
        for name in ["proxy_hostnames", "proxy_peer_connections", "proxy_tracker_connections", "allow_i2p_mixed"] {
            XCTAssertEqual(try session.integerSetting(named: name), 1, name)
        }
        for name in ["enable_dht", "enable_lsd", "enable_upnp", "enable_natpmp", "enable_outgoing_utp", "enable_incoming_utp"] {
            XCTAssertEqual(try session.integerSetting(named: name), 0, name)
        }
        XCTAssertEqual(try session.integerSetting(named: "i2p_port"), 7656)
        XCTAssertEqual(try session.integerSetting(named: "enable_outgoing_tcp"), 1)

        var plain = TorrentSessionSettings()
        plain.proxy = TorrentProxy(host: "127.0.0.1", port: 1080)
        let unsafe = try TorrentSession(settings: plain)
        XCTAssertEqual(try unsafe.integerSetting(named: "proxy_type"), 2)
        XCTAssertEqual(try unsafe.integerSetting(named: "enable_outgoing_utp"), 1, "uTP is only turned off by safe mode")
    }

    func testSafeModeRefusesUDPAndLocalLookups() {
        for change in [
            { (s: inout TorrentSessionSettings) in s.enableDHT = true },
            { $0.enableLSD = true }, { $0.enableUPnP = true }, { $0.enableNATPMP = true },
            { $0.dhtBootstrapNodes = "router.bittorrent.com:6881" },
        ] {
            var settings = TorrentSessionSettings()
            settings.safeMode = true
            change(&settings)
            XCTAssertThrowsError(try TorrentSession(settings: settings)) { error in
                XCTAssertTrue("\(error)".contains("safe_mode"), "\(error)")
            }
        }
    }

    func testProxyFieldsAreChecked() {
        var settings = TorrentSessionSettings()
        settings.proxy = TorrentProxy(host: "", port: 1080)
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { XCTAssertTrue("\($0)".contains("proxy_hostname"), "\($0)") }
        settings.proxy = TorrentProxy(host: "127.0.0.1", port: 0)
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { XCTAssertTrue("\($0)".contains("proxy_port"), "\($0)") }
        settings.proxy = TorrentProxy(host: "127.0.0.1", port: 1080, credentials: .init(username: "", password: "x"))
        XCTAssertThrowsError(try TorrentSession(settings: settings)) { XCTAssertTrue("\($0)".contains("proxy_username"), "\($0)") }
    }
}
