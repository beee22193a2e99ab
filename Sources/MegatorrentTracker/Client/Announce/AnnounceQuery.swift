/// The parameters of one HTTP announce (BEP 3, BEP 23, and `mtkey` of docs/tracker.md, "Peer records").
public struct AnnounceQuery: Sendable, Equatable {
    /// What the announce reports.
    public enum Event: String, Sendable, Equatable {
        /// A regular (re-)announce or a query: no `event` parameter.
        case none = ""
        case started, stopped, completed
    }

    /// The swarm's 20-byte info-hash.
    public var infoHash: [UInt8]
    /// This client's 20-byte peer id.
    public var peerID: [UInt8]
    /// The port where this peer accepts connections.
    public var port: UInt16
    /// Bytes still to download: 0 announces a seed (a holder).
    public var left: UInt64
    public var event: Event
    /// Peers wanted (the tracker caps it; ours at 200).
    public var numwant: Int?
    /// Compact peers (BEP 23); `false` asks for the dictionary model, the only one that carries `mtkey`.
    public var compact: Bool
    /// This node's Noise static key (32 bytes), sent as `mtkey` so that others can reach it over the secure transport.
    public var staticKey: [UInt8]?

    /// An announce.
    public init(
        infoHash: [UInt8], peerID: [UInt8], port: UInt16, left: UInt64, event: Event = .none, numwant: Int? = nil,
        compact: Bool = false, staticKey: [UInt8]? = nil
    ) {
        self.infoHash = infoHash
        self.peerID = peerID
        self.port = port
        self.left = left
        self.event = event
        self.numwant = numwant
        self.compact = compact
        self.staticKey = staticKey
    }

    /// The query string, parameters in a fixed order, bytes percent-encoded (RFC 3986 unreserved characters kept).
    public var queryString: String {
        var parts = [
            "info_hash=" + Self.percentEncoded(infoHash), "peer_id=" + Self.percentEncoded(peerID), "port=\(port)",
            "uploaded=0", "downloaded=0", "left=\(left)", "compact=\(compact ? 1 : 0)",
        ]
        if !compact { parts.append("no_peer_id=1") }
        if let numwant { parts.append("numwant=\(numwant)") }
        if event != .none { parts.append("event=" + event.rawValue) }
        if let staticKey { parts.append("mtkey=" + staticKey.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()) }
        return parts.joined(separator: "&")
    }

    /// `bytes` with every byte but `A–Z a–z 0–9 - . _ ~` as `%XX`.
    static func percentEncoded(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
