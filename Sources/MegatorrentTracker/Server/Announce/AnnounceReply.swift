import MegatorrentBencode
import MegatorrentCrypto

/// Bencoded answers of the HTTP tracker (BEP 3, 23, 7 and 48).
enum AnnounceReply {
    /// The answer to an announce: `interval`, `min interval`, `complete`, `incomplete` and `peers`
    /// (compact: 6 bytes per IPv4 peer, with IPv6 peers in `peers6`, 18 bytes each; else a list
    /// of dictionaries with `ip`, `port`, unless `noPeerID` `peer id`, and `mtkey` when the peer gave one).
    static func announce(_ reply: SwarmTable.Reply, compact: Bool, noPeerID: Bool, interval: Int, minInterval: Int)
        -> [UInt8]
    {
        var entries: [String: BencodeValue] = [
            "interval": .integer(Int64(interval)),
            "min interval": .integer(Int64(minInterval)),
            "complete": .integer(Int64(reply.stats.complete)),
            "incomplete": .integer(Int64(reply.stats.incomplete)),
        ]
        if compact {
            var v4: [UInt8] = []
            var v6: [UInt8] = []
            for peer in reply.peers {
                let port = [UInt8(peer.endpoint.port >> 8), UInt8(peer.endpoint.port & 0xff)]
                if peer.endpoint.address.isIPv4 {
                    v4 += peer.endpoint.address.bytes + port
                } else {
                    v6 += peer.endpoint.address.bytes + port
                }
            }
            entries["peers"] = .bytes(v4)
            if !v6.isEmpty { entries["peers6"] = .bytes(v6) }
        } else {
            entries["peers"] = .list(
                reply.peers.map { peer in
                    var fields: [String: BencodeValue] = [
                        "ip": .string(peer.endpoint.address.text), "port": .integer(Int64(peer.endpoint.port)),
                    ]
                    if !noPeerID { fields["peer id"] = .bytes(peer.peerID) }
                    if let key = peer.staticKey { fields["mtkey"] = .string(Hex.encode(key)) }
                    return .dictionary(fields)
                })
        }
        return Bencode.encode(.dictionary(entries))
    }

    /// The answer to a scrape: `files` maps each info hash to `complete`, `downloaded`, `incomplete`.
    static func scrape(_ swarms: [(infoHash: [UInt8], stats: SwarmTable.Stats)]) -> [UInt8] {
        let files = swarms.map { swarm -> (key: [UInt8], value: BencodeValue) in
            (
                swarm.infoHash,
                .dictionary([
                    "complete": .integer(Int64(swarm.stats.complete)),
                    "downloaded": .integer(Int64(swarm.stats.downloaded)),
                    "incomplete": .integer(Int64(swarm.stats.incomplete)),
                ])
            )
        }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return Bencode.encode(.dictionary([(key: Array("files".utf8), value: .dictionary(files))]))
    }

    /// `d14:failure reason…e`.
    static func failure(_ reason: String) -> [UInt8] {
        Bencode.encode(.dictionary(["failure reason": .string(reason)]))
    }
}
