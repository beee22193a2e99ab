import MegatorrentBencode
import MegatorrentCrypto
import MegatorrentManifest

/// The deterministic torrent that carries a signed manifest over BitTorrent (docs/dht.md).
///
/// A single-file BitTorrent v1 torrent whose one file is the manifest's canonical JSON
/// (`SignedManifest.jsonBytes`), named `manifest.json`, with 16 KiB pieces and nothing else in the
/// info dictionary (no creation date, no tracker, not private), so anyone holding the manifest
/// recomputes the same info-hash.
public struct ManifestTorrent: Sendable, Equatable {
    /// The file name inside the torrent.
    public static let fileName = "manifest.json"
    /// The piece size.
    public static let pieceLength = 16 * 1024

    /// The file's bytes: the manifest's canonical JSON.
    public let content: [UInt8]
    /// The bencoded info dictionary.
    public let info: [UInt8]
    /// SHA-1 of `info`: the BitTorrent v1 info-hash.
    public let infoHash: [UInt8]

    /// The torrent of `manifest`.
    public init(manifest: SignedManifest) {
        self.init(content: manifest.jsonBytes)
    }

    /// The torrent of a file holding `content`.
    public init(content: [UInt8]) {
        self.content = content
        var pieces: [UInt8] = []
        pieces.reserveCapacity((content.count / Self.pieceLength + 1) * 20)
        var start = 0
        repeat {
            let end = min(start + Self.pieceLength, content.count)
            pieces += Digest.hash(.sha1, content[start..<end])
            start = end
        } while start < content.count
        let info = BencodeValue.dictionary([
            "length": .integer(Int64(content.count)),
            "name": .string(Self.fileName),
            "piece length": .integer(Int64(Self.pieceLength)),
            "pieces": .bytes(pieces),
        ])
        self.info = Bencode.encode(info)
        self.infoHash = Digest.hash(.sha1, self.info)
    }

    /// The .torrent file: `{"info": <info>}`.
    public var torrentFile: [UInt8] {
        Array("d4:info".utf8) + info + [UInt8(ascii: "e")]
    }

    /// Lowercase hex of the info-hash.
    public var infoHashHex: String { Hex.encode(infoHash) }

    /// A magnet link for the torrent.
    public var magnet: String { "magnet:?xt=urn:btih:\(infoHashHex)&dn=\(Self.fileName)" }
}
