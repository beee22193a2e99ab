import MegatorrentCrypto
import MegatorrentWire

/// A link to an encrypted file: the descriptor blob's id and the key that opens it (docs/blobs.md, "Links").
///
/// `magnet:?xs=urn:mtblob:<64 hex id>&mtk=<64 hex key>`. Whoever holds the link can read the file; the key is printed
/// only inside a link. It is also the second kind of manifest item (docs/manifest.md, "Items"), so this one parser
/// serves `megatorrent fetch`, the C ABI and the manifest validator.
public struct BlobLink: Sendable, CustomStringConvertible {
    /// Why text is not a blob link. Descriptions are one line and never contain a key.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Longer than `BlobLink.maxBytes`.
        case tooLong(Int)
        /// Does not start with `magnet:?` (any case).
        case notMagnet
        /// A parameter with no `=` (an empty one included).
        case parameterWithoutValue
        /// `xs` or `mtk` given twice.
        case duplicateParameter(String)
        /// `xs` is not `urn:mtblob:` followed by 64 hex digits.
        case invalidDescriptorID
        /// `mtk` is not 64 hex digits.
        case invalidKey
        /// A parameter other than `xs`, `mtk`, `dn` and `x.`-prefixed ones (its name, at most 32 characters).
        case unknownParameter(String)
        /// No `xs=urn:mtblob:` parameter.
        case missingDescriptorID
        /// No `mtk` parameter.
        case missingKey

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .tooLong(n): "not a blob link: \(n) bytes, over the limit of \(BlobLink.maxBytes)"
            case .notMagnet: "not a blob link: does not start with magnet:?"
            case .parameterWithoutValue: "not a blob link: a parameter without a value"
            case let .duplicateParameter(name): "not a blob link: two \(name) parameters"
            case .invalidDescriptorID: "not a blob link: xs is not urn:mtblob: and 64 hex digits"
            case .invalidKey: "not a blob link: mtk is not 64 hex digits"
            case let .unknownParameter(name): "not a blob link: unknown parameter \"\(name)\""
            case .missingDescriptorID: "not a blob link: no xs=urn:mtblob: parameter"
            case .missingKey: "not a blob link: no mtk (key) parameter"
            }
        }
    }

    /// The descriptor blob's id.
    public let descriptor: BlobID
    /// The key the descriptor is sealed under (secret).
    public let key: SecureBytes

    /// A link naming `descriptor` and its `key` (32 bytes).
    public init(descriptor: BlobID, key: SecureBytes) {
        precondition(key.count == 32, "a link key is 32 bytes")
        self.descriptor = descriptor
        self.key = key
    }

    /// The longest link accepted, in bytes.
    public static let maxBytes = 1024

    /// The prefix of every link.
    static let prefix = "magnet:?"
    /// The prefix of the `xs` value.
    static let urn = "urn:mtblob:"

    /// The link's text, key included: print it only where the user asked for the link.
    public var uri: String {
        "magnet:?xs=urn:mtblob:\(descriptor.hex)&mtk=\(key.withUnsafeBytes { Hex.encode($0) })"
    }

    /// `magnet:?xs=urn:mtblob:<descriptor id>`, without the key: safe in logs.
    public var description: String { "magnet:?xs=urn:mtblob:\(descriptor.hex)" }

    /// The link in `text`. Pure: the fuzz target's subject. Parameters are `&`-separated `key=value` pairs in any
    /// order; `xs` (a `urn:mtblob:` of 64 hex digits) and `mtk` (64 hex digits) must each appear exactly once; `dn`
    /// and `x.`-prefixed parameters are allowed and ignored; anything else is refused.
    public static func parse(_ text: String) throws(Problem) -> BlobLink {
        guard text.utf8.count <= maxBytes else { throw .tooLong(text.utf8.count) }
        guard text.lowercased().hasPrefix(prefix) else { throw .notMagnet }
        var id: BlobID?
        var key: SecureBytes?
        for parameter in text.dropFirst(prefix.count).split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = parameter.firstIndex(of: "=") else { throw .parameterWithoutValue }
            let name = parameter[..<equals], value = parameter[parameter.index(after: equals)...]
            switch name {
            case "xs":
                guard id == nil else { throw .duplicateParameter("xs") }
                guard value.lowercased().hasPrefix(urn), let parsed = BlobID(hex: value.dropFirst(urn.count)) else {
                    throw .invalidDescriptorID
                }
                id = parsed
            case "mtk":
                guard key == nil else { throw .duplicateParameter("mtk") }
                guard value.utf8.count == 64, var bytes = Hex.decode(value) else { throw .invalidKey }
                key = SecureBytes(copying: bytes)
                secureWipe(&bytes)
            case "dn":
                break
            default:
                guard name.hasPrefix("x.") else { throw .unknownParameter(String(name.prefix(32))) }
            }
        }
        guard let id else { throw .missingDescriptorID }
        guard let key else { throw .missingKey }
        return BlobLink(descriptor: id, key: key)
    }

    /// True when `text` sets out to be a blob link: it has an `mtk` parameter or an `xs` that starts with
    /// `urn:mtblob:` (any case). The manifest validator judges such an item without an exact topic as a blob link.
    static func claimsToBe(_ text: Substring) -> Bool {
        text.split(separator: "&").contains { parameter in
            parameter.hasPrefix("mtk=") || (parameter.hasPrefix("xs=") && parameter.dropFirst(3).lowercased().hasPrefix(urn))
        }
    }
}

extension BlobID {
    /// The id named by 64 hex digits (either case), nil otherwise.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes)
    }
}
