import MegatorrentCrypto
import MegatorrentJSON

/// One titled list of items (magnet URIs) in a manifest.
public struct ManifestCollection: Sendable, Equatable {
    /// The collection's title.
    public var title: String
    /// Its items, each a validated magnet URI.
    public var items: [String]
    /// Fields this version does not know, kept in input order and covered by the signature.
    public var extraFields: [JSONMember]

    /// A collection.
    public init(title: String, items: [String], extraFields: [JSONMember] = []) {
        self.title = title
        self.items = items
        self.extraFields = extraFields
    }

    var json: JSONValue {
        .object([JSONMember(key: "title", value: .string(title)), JSONMember(key: "items", value: .array(items.map { .string($0) }))] + extraFields)
    }
}

/// The content of a manifest: everything the signature covers.
public struct ManifestBody: Sendable, Equatable {
    /// The channel's Ed25519 public key.
    public var publicKey: Ed25519.PublicKey
    /// Version number; each new version of a channel has a higher one.
    public var sequence: UInt64
    /// When it was signed, in milliseconds since the Unix epoch.
    public var timestamp: UInt64
    /// The collections of items.
    public var collections: [ManifestCollection]
    /// Top-level fields this version does not know, kept and covered by the signature.
    public var extraFields: [JSONMember]

    /// A manifest body.
    public init(publicKey: Ed25519.PublicKey, sequence: UInt64, timestamp: UInt64, collections: [ManifestCollection], extraFields: [JSONMember] = []) {
        self.publicKey = publicKey
        self.sequence = sequence
        self.timestamp = timestamp
        self.collections = collections
        self.extraFields = extraFields
    }

    /// The channel id: lowercase hex of the public key.
    public var channelID: String { publicKey.hex }

    /// The JSON object without `signature`.
    public var json: JSONValue {
        .object([
            JSONMember(key: "publicKey", value: .string(publicKey.hex)),
            JSONMember(key: "sequence", value: .number(Double(sequence))),
            JSONMember(key: "timestamp", value: .number(Double(timestamp))),
            JSONMember(key: "collections", value: .array(collections.map(\.json))),
        ] + extraFields)
    }

    /// The signature input: RFC 8785 canonical JSON of the object without `signature`.
    public var canonicalBytes: [UInt8] { CanonicalJSON.serialize(json) }
}

/// A manifest with a signature that has been verified (or just made) over its canonical form.
public struct SignedManifest: Sendable, Equatable {
    /// What the signature covers.
    public let body: ManifestBody
    /// The 64-byte Ed25519 signature.
    public let signature: [UInt8]

    init(body: ManifestBody, signature: [UInt8]) {
        self.body = body
        self.signature = signature
    }

    /// The channel id.
    public var channelID: String { body.channelID }
    /// The sequence number.
    public var sequence: UInt64 { body.sequence }

    /// The manifest as JSON: RFC 8785 canonical form of the whole object, signature included.
    /// Deterministic, so equal manifests have equal bytes.
    public var jsonBytes: [UInt8] {
        guard case var .object(members) = body.json else { preconditionFailure("a manifest body is an object") }
        members.append(JSONMember(key: "signature", value: .string(Hex.encode(signature))))
        return CanonicalJSON.serialize(.object(members))
    }

    /// `jsonBytes` as a String.
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }
}
