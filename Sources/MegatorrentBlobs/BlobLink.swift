import MegatorrentCrypto
import MegatorrentWire

/// A link to an encrypted file: the descriptor blob's id and the key that opens it (docs/blobs.md, "Links").
///
/// `magnet:?xs=urn:mtblob:<64 hex id>&mtk=<64 hex key>`. Whoever holds the link can read the file; the key is printed
/// only inside a link.
public struct BlobLink: Sendable, CustomStringConvertible {
    /// The descriptor blob's id.
    public let descriptor: BlobID
    /// The key the descriptor is sealed under (secret).
    public let key: SecureBytes

    /// A link naming `descriptor` and its `key` (32 bytes).
    public init(descriptor: BlobID, key: SecureBytes) {
        precondition(key.count == BlobFormat.keyLength, "a link key is 32 bytes")
        self.descriptor = descriptor
        self.key = key
    }

    /// The prefix of every link.
    static let prefix = "magnet:?"

    /// The link's text, key included: print it only where the user asked for the link.
    public var uri: String {
        "magnet:?xs=urn:mtblob:\(descriptor.hex)&mtk=\(key.withUnsafeBytes { Hex.encode($0) })"
    }

    /// `magnet:?xs=urn:mtblob:<descriptor id>`, without the key: safe in logs.
    public var description: String { "magnet:?xs=urn:mtblob:\(descriptor.hex)" }

    /// The link in `text`. Pure: the fuzz target's subject. Parameters are `&`-separated `key=value` pairs in any
    /// order; `xs` (a `urn:mtblob:` of 64 hex digits) and `mtk` (64 hex digits) must each appear exactly once; `dn`
    /// and `x.`-prefixed parameters are allowed and ignored; anything else is refused.
    public static func parse(_ text: String) throws(BlobError) -> BlobLink {
        guard text.utf8.count <= 1024 else { throw .malformedLink("too long") }
        guard text.lowercased().hasPrefix(prefix) else { throw .malformedLink("does not start with magnet:?") }
        var id: BlobID?
        var key: SecureBytes?
        for parameter in text.dropFirst(prefix.count).split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = parameter.firstIndex(of: "=") else { throw .malformedLink("a parameter without a value") }
            let name = parameter[..<equals], value = parameter[parameter.index(after: equals)...]
            switch name {
            case "xs":
                guard id == nil else { throw .malformedLink("two xs parameters") }
                let urn = "urn:mtblob:"
                guard value.lowercased().hasPrefix(urn), let parsed = BlobID(hex: value.dropFirst(urn.count)) else {
                    throw .malformedLink("xs is not urn:mtblob: and 64 hex digits")
                }
                id = parsed
            case "mtk":
                guard key == nil else { throw .malformedLink("two mtk parameters") }
                guard value.utf8.count == 64, var bytes = Hex.decode(value) else { throw .malformedLink("mtk is not 64 hex digits") }
                key = SecureBytes(copying: bytes)
                secureWipe(&bytes)
            case "dn":
                break
            default:
                guard name.hasPrefix("x.") else { throw .malformedLink("unknown parameter \(name.prefix(32))") }
            }
        }
        guard let id else { throw .malformedLink("no xs=urn:mtblob: parameter") }
        guard let key else { throw .malformedLink("no mtk (key) parameter") }
        return BlobLink(descriptor: id, key: key)
    }
}
