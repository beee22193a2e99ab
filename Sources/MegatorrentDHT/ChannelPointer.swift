import MegatorrentBencode

/// The value of a channel's BEP 46 mutable item: `{"ih": <20-byte info-hash>}`, pointing at the
/// manifest torrent of the channel's current manifest.
public struct ChannelPointer: Sendable, Equatable {
    /// The manifest torrent's info-hash.
    public let infoHash: [UInt8]

    /// A pointer at `infoHash` (20 bytes).
    public init(infoHash: [UInt8]) {
        precondition(infoHash.count == 20, "a v1 info-hash is 20 bytes")
        self.infoHash = infoHash
    }

    /// The bencoded value.
    public var bencoded: [UInt8] { Bencode.encode(.dictionary(["ih": .bytes(infoHash)])) }

    /// Reads a pointer from a bencoded item value; nil unless it is exactly `{"ih": 20 bytes}`
    /// (other keys are allowed and ignored, for later versions).
    public init?(bencoded: [UInt8]) {
        guard let value = try? Bencode.decode(bencoded), let ih = value["ih"]?.byteString, ih.count == 20 else { return nil }
        self.infoHash = ih
    }
}
