import MegatorrentCrypto

/// A BEP 3 announce, read from the query of `GET /announce`. The peer's address is the
/// connection's, never the `ip` parameter (which would let anyone add others to a swarm).
struct AnnounceRequest: Sendable, Equatable {
    /// What the client says happened.
    enum Event: Sendable, Equatable { case none, started, stopped, completed }

    /// Why a query is not an announce (sent back as `failure reason`).
    enum Problem: Error, Equatable, CustomStringConvertible {
        case malformedQuery
        case missing(String)
        case invalid(String)

        var description: String {
            switch self {
            case .malformedQuery: "malformed query string"
            case .missing(let name): "missing parameter \(name)"
            case .invalid(let name): "invalid parameter \(name)"
            }
        }
    }

    var infoHash: [UInt8]
    var peerID: [UInt8]
    var port: UInt16
    /// Bytes left to download; 0 makes the peer a seed. Absent means unknown (a leecher).
    var left: Int64?
    var event: Event
    /// Compact peers (BEP 23), the default.
    var compact: Bool
    /// Peers wanted, if said.
    var numwant: Int?
    /// Leave `peer id` out of dictionary-model peers.
    var noPeerID: Bool
    /// The node's Noise static key (`mtkey`, 64 hex digits; docs/tracker.md, "Peer records"), returned with the peer
    /// in dictionary-model replies so that others can reach it over the secure transport.
    var staticKey: [UInt8]? = nil

    /// The announce in a query string.
    static func parse(query: Substring) throws(Problem) -> AnnounceRequest {
        guard let pairs = QueryString.pairs(query) else { throw .malformedQuery }
        func value(_ name: String) -> [UInt8]? { pairs.first { $0.name == name }?.value }
        func number(_ name: String) throws(Problem) -> Int64? {
            guard let bytes = value(name) else { return nil }
            guard !bytes.isEmpty, bytes.count <= 19,
                bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let n = Int64(String(decoding: bytes, as: UTF8.self))
            else { throw .invalid(name) }
            return n
        }

        guard let infoHash = value("info_hash") else { throw .missing("info_hash") }
        guard infoHash.count == 20 else { throw .invalid("info_hash") }
        guard let peerID = value("peer_id") else { throw .missing("peer_id") }
        guard peerID.count == 20 else { throw .invalid("peer_id") }
        guard let port = try number("port") else { throw .missing("port") }
        guard (1...65535).contains(port) else { throw .invalid("port") }

        let event: Event
        switch value("event").map({ String(decoding: $0, as: UTF8.self) }) {
        case nil, "", "empty"?: event = .none
        case "started"?: event = .started
        case "stopped"?: event = .stopped
        case "completed"?: event = .completed
        default: throw .invalid("event")
        }
        let compact: Bool
        switch value("compact").map({ String(decoding: $0, as: UTF8.self) }) {
        case nil, "1"?: compact = true
        case "0"?: compact = false
        default: throw .invalid("compact")
        }
        var staticKey: [UInt8]?
        if let text = value("mtkey") {
            guard text.count == 64, let key = Hex.decode(String(decoding: text, as: UTF8.self)) else { throw .invalid("mtkey") }
            staticKey = key
        }
        return AnnounceRequest(
            infoHash: infoHash, peerID: peerID, port: UInt16(port), left: try number("left"), event: event,
            compact: compact,
            numwant: try number("numwant").map { Int(clamping: $0) },
            noPeerID: value("no_peer_id").map { $0 == Array("1".utf8) } ?? false, staticKey: staticKey)
    }
}
