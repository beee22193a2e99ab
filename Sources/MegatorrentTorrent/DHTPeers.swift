import CLibtorrentShim

/// A peer a DHT lookup returned: an IP address and a TCP port.
public struct DHTPeer: Sendable, Hashable {
    /// Dotted quad for IPv4, RFC 5952 text for IPv6.
    public let host: String
    public let port: Int

    /// A peer.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The peers of the shim's DHT_PEERS value: 18 bytes each, an IPv6 address (IPv4 mapped as ::ffff:a.b.c.d) and
    /// the port big-endian. A trailing partial entry and port 0 are left out.
    public static func parse(_ bytes: [UInt8]) -> [DHTPeer] {
        stride(from: 0, to: bytes.count - bytes.count % 18, by: 18).compactMap { start in
            let address = Array(bytes[start..<start + 16])
            let port = Int(bytes[start + 16]) << 8 | Int(bytes[start + 17])
            guard port != 0 else { return nil }
            let mapped = address[0..<10].allSatisfy { $0 == 0 } && address[10] == 0xff && address[11] == 0xff
            if mapped { return DHTPeer(host: address[12..<16].map(String.init).joined(separator: "."), port: port) }
            return DHTPeer(host: ipv6Text(address), port: port)
        }
    }

    /// Eight groups of lowercase hex, the longest run of two or more zero groups shortened to `::`.
    public static func ipv6Text(_ bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        let head = text[..<best.start].joined(separator: ":")
        let tail = text[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}

extension DHTNode {
    /// Announces on the DHT (BEP 5) that this node is a peer of `infoHash` (20 bytes) on TCP `port`, without any
    /// torrent. Returns at once; nodes keep an announce about 30 minutes, so announce again before.
    public func announce(infoHash: [UInt8], port: Int) throws(TorrentError) {
        guard infoHash.count == 20 else {
            throw TorrentError(code: .invalidArgument, message: "an info-hash is 20 bytes, not \(infoHash.count)")
        }
        guard let port = Int32(exactly: port) else {
            throw TorrentError(code: .invalidArgument, message: "port \(port) is not in 1...65535")
        }
        try throwIfFailed(infoHash.withUnsafeBufferPointer { mtlt_dht_announce(session.handle, $0.baseAddress, port) })
    }

    /// The peers the DHT knows for `infoHash` (BEP 5 get_peers), when the lookup ends; empty when it finds none or
    /// does not end within `timeout`. Answers of another lookup of the same info-hash, still running, count too.
    public func peers(of infoHash: [UInt8], timeout: Duration = .seconds(30)) async throws(TorrentError) -> [DHTPeer] {
        guard infoHash.count == 20 else {
            throw TorrentError(code: .invalidArgument, message: "an info-hash is 20 bytes, not \(infoHash.count)")
        }
        let handle = session.handle
        return try await session.alerts.dht.peerLookups.wait(for: infoHash, timeout: timeout, fallback: []) {
            () throws(TorrentError) in
            try throwIfFailed(infoHash.withUnsafeBufferPointer { mtlt_dht_get_peers(handle, $0.baseAddress) })
        }
    }
}
