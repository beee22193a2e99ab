import ArgumentParser
import MegatorrentTorrent

/// libtorrent options shared by the commands that move torrent data (`seed`, `subscribe --download`).
struct TorrentNetworkOptions: ParsableArguments {
    @Option(name: .customLong("torrent-listen"), help: "Where libtorrent listens for peers, HOST:PORT (port 0: any free one).")
    var torrentListen = "0.0.0.0:6881"

    /// A session for torrent traffic (the DHT stays off here; peers come from trackers), through the
    /// proxy and in safe mode when `anonymity` says so.
    func makeSession(_ anonymity: AnonymityOptions) throws -> TorrentSession {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = torrentListen
        // Peers on one host (loopback, NAT) share an address; tell them apart by port.
        settings.allowMultipleConnectionsPerIP = true
        return try TorrentSession(settings: try anonymity.apply(to: settings))
    }
}

/// Magnet links for torrents this node made.
enum MagnetText {
    /// `magnet:?xt=urn:btih:HEX&dn=NAME&tr=URL…`, percent-encoded so that it passes manifest
    /// validation.
    static func make(infoHash: InfoHash, name: String, trackers: [String]) -> String {
        var text = "magnet:?xt=urn:btih:\(infoHash.hex)&dn=\(encode(name))"
        for tracker in trackers { text += "&tr=\(encode(tracker))" }
        return text
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
