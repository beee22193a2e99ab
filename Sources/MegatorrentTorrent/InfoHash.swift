/// The 20-byte name of a torrent in a session: its v1 info-hash (SHA-1 of the info dictionary), or for a v2-only
/// torrent its v2 hash truncated to 20 bytes, libtorrent's short form. Hybrid torrents go by their v1 info-hash.
public struct InfoHash: Sendable, Hashable, CustomStringConvertible {
    /// Length of an info-hash in bytes.
    public static let size = 20

    /// The 20 bytes.
    public let bytes: [UInt8]

    /// Wraps 20 bytes; throws ``TorrentError/Code/invalidArgument`` for any other length.
    public init(bytes: [UInt8]) throws(TorrentError) {
        guard bytes.count == Self.size else {
            throw TorrentError(code: .invalidArgument, message: "an info-hash is \(Self.size) bytes, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Parses 40 hexadecimal digits (either case); `nil` for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.size else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// For 20 bytes read from the shim's C structs.
    init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// 40 lowercase hexadecimal digits, as in a magnet link's `urn:btih:`.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The hexadecimal form, ``hex``.
    public var description: String { hex }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
