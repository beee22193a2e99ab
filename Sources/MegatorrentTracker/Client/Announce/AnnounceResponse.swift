import MegatorrentBencode

/// A tracker's answer to an HTTP announce (BEP 3, with BEP 23 compact and BEP 7 `peers6` peers, and the `mtkey` of
/// docs/tracker.md, "Peer records"), read by a pure function: ``parse(_:maxPeers:)``.
public struct AnnounceResponse: Sendable, Equatable {
    /// A peer the tracker named.
    public struct Peer: Sendable, Hashable {
        /// An IP address (or, in the dictionary model, whatever host name the tracker gave).
        public let host: String
        public let port: UInt16
        /// Its Noise static key (`mtkey`, 32 bytes) when it announced one; only the dictionary model carries it.
        public let staticKey: [UInt8]?

        /// A peer.
        public init(host: String, port: UInt16, staticKey: [UInt8]? = nil) {
            self.host = host
            self.port = port
            self.staticKey = staticKey
        }
    }

    /// Why bytes are not a usable announce reply.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Not strict bencoding.
        case notBencode(Bencode.DecodeError)
        /// Not a dictionary.
        case notADictionary
        /// The tracker refused: its `failure reason` (printable ASCII, at most 200 characters kept).
        case failure(String)
        /// A required field is missing or of the wrong type (`interval`, `peers`).
        case invalidField(String)

        /// One line.
        public var description: String {
            switch self {
            case let .notBencode(error): "the reply is not bencoded: \(error)"
            case .notADictionary: "the reply is not a dictionary"
            case let .failure(reason): "the tracker refused: \(reason)"
            case let .invalidField(name): "the reply has no valid \(name)"
            }
        }
    }

    /// Seconds until the next announce.
    public let interval: Int
    /// The least seconds between announces, when given.
    public let minInterval: Int?
    /// The peers, in the tracker's order, at most `maxPeers`.
    public let peers: [Peer]
    /// Peer entries left out because they were malformed (a bad address, port or `mtkey`).
    public let skippedPeers: Int

    /// The reply in `bytes`. A malformed peer entry is skipped (and counted), not fatal; the reply itself must be a
    /// strict bencoded dictionary with an integer `interval` (0 to 2^31−1) and `peers` (a byte string of 6-byte
    /// entries or a list of dictionaries), unless it is a `failure reason`, which is thrown.
    public static func parse(_ bytes: [UInt8], maxPeers: Int = 200) throws(Problem) -> AnnounceResponse {
        let value: BencodeValue
        do { value = try Bencode.decode(bytes, maxDepth: 8) } catch { throw .notBencode(error) }
        guard case .dictionary = value else { throw .notADictionary }
        if let reason = value["failure reason"] {
            guard let text = reason.byteString else { throw .invalidField("failure reason") }
            throw .failure(printable(text))
        }
        guard let interval = value["interval"]?.integer, (0...Int64(Int32.max)).contains(interval) else {
            throw .invalidField("interval")
        }
        let minInterval = value["min interval"]?.integer.flatMap { (0...Int64(Int32.max)).contains($0) ? Int($0) : nil }
        var peers: [Peer] = []
        var skipped = 0
        switch value["peers"] {
        case let .bytes(compact)?:
            guard compact.count % 6 == 0 else { throw .invalidField("peers") }
            peers = compactPeers(compact, width: 4, skipped: &skipped)
        case let .list(entries)?:
            for entry in entries {
                if let peer = dictionaryPeer(entry) { peers.append(peer) } else { skipped += 1 }
            }
        default:
            throw .invalidField("peers")
        }
        if let six = value["peers6"] {
            guard let compact = six.byteString, compact.count % 18 == 0 else { throw .invalidField("peers6") }
            peers += compactPeers(compact, width: 16, skipped: &skipped)
        }
        if peers.count > max(0, maxPeers) { peers.removeSubrange(max(0, maxPeers)...) }
        return AnnounceResponse(interval: Int(interval), minInterval: minInterval, peers: peers, skippedPeers: skipped)
    }

    /// Compact entries: `width` address bytes, then the port big-endian. Port 0 is skipped.
    private static func compactPeers(_ bytes: [UInt8], width: Int, skipped: inout Int) -> [Peer] {
        stride(from: 0, to: bytes.count, by: width + 2).compactMap { start in
            let port = UInt16(bytes[start + width]) << 8 | UInt16(bytes[start + width + 1])
            guard port != 0 else {
                skipped += 1
                return nil
            }
            return Peer(host: addressText(bytes[start..<start + width]), port: port)
        }
    }

    /// A dictionary-model entry: `ip` (an address or host name of 1 to 253 of `0-9 A-Z a-z . - : %`), `port` (1 to
    /// 65535), and an optional `mtkey` of 64 hex digits; nil when any is wrong.
    private static func dictionaryPeer(_ entry: BencodeValue) -> Peer? {
        guard case .dictionary = entry, let ip = entry["ip"]?.byteString, (1...253).contains(ip.count),
            ip.allSatisfy(isHostByte), let port = entry["port"]?.integer, (1...65535).contains(port)
        else { return nil }
        var key: [UInt8]?
        if let mtkey = entry["mtkey"] {
            guard let text = mtkey.byteString, text.count == 64, let decoded = hexBytes(text) else { return nil }
            key = decoded
        }
        return Peer(host: String(decoding: ip, as: UTF8.self), port: UInt16(port), staticKey: key)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "%"):
            true
        default: false
        }
    }

    /// Hex digits (either case) to bytes; nil for an odd count or a non-hex digit.
    private static func hexBytes(_ text: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let high = nibble(text[i]), let low = nibble(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    /// Dotted quad for 4 bytes; for 16, eight groups of hex (not shortened: a valid IPv6 literal all the same).
    private static func addressText(_ bytes: ArraySlice<UInt8>) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let raw = Array(bytes)
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// The printable ASCII of `bytes` (others as `?`), at most 200 characters.
    private static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(200).map { (0x20..<0x7f).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
