import MegatorrentJSON

/// Why a manifest was refused. Each case has a stable numeric `code`, shared with the C ABI
/// (`mt_manifest_status` in include/megatorrent.h) and listed in docs/manifest.md.
public enum ManifestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Larger than `ManifestLimits.maxBytes`.
    case tooLarge(bytes: Int)
    /// Not strict JSON (grammar, UTF-8, lone surrogate, duplicate key, depth, number range).
    case malformedJSON(JSONError)
    /// The top-level value is not an object.
    case notAnObject
    /// A required field is absent.
    case missingField(String)
    /// A field has the wrong JSON type or shape (its path, what it must be).
    case invalidField(path: String, expected: String)
    /// `publicKey` is not 64 lowercase hex digits.
    case invalidPublicKey
    /// `publicKey` is a low-order or non-canonical Ed25519 point.
    case weakPublicKey
    /// `sequence` is not an integer in 0...2^53-1.
    case sequenceOutOfRange
    /// `timestamp` is not an integer in 0...2^53-1.
    case timestampOutOfRange
    /// More collections than `ManifestLimits.maxCollections`.
    case tooManyCollections(Int)
    /// More items than `ManifestLimits.maxItems`.
    case tooManyItems(Int)
    /// A collection title longer than `ManifestLimits.maxTitleBytes`.
    case titleTooLong(collection: Int)
    /// An item that is not a valid magnet URI.
    case invalidItem(collection: Int, item: Int, problem: MagnetLink.Problem)
    /// An item without an exact topic that sets out to be a blob link (`mtk`, or `xs=urn:mtblob:`) and is not a valid one.
    case invalidBlobLink(collection: Int, item: Int, problem: BlobLink.Problem)
    /// `signature` is not 128 lowercase hex digits.
    case invalidSignatureEncoding
    /// The signature does not verify (strict Ed25519) over the canonical form.
    case badSignature
    /// Signed by another key than the one asked for.
    case keyMismatch(expected: String, got: String)
    /// A sequence not above the last one accepted for this key (a replay or a rollback).
    case staleSequence(last: UInt64, got: UInt64)

    /// The stable number of this kind of refusal (1 and up; 0 means valid).
    public var code: Int32 {
        switch self {
        case .tooLarge: 1
        case .malformedJSON: 2
        case .notAnObject: 3
        case .missingField: 4
        case .invalidField: 5
        case .invalidPublicKey: 6
        case .weakPublicKey: 7
        case .sequenceOutOfRange: 8
        case .timestampOutOfRange: 9
        case .tooManyCollections: 10
        case .tooManyItems: 11
        case .titleTooLong: 12
        case .invalidItem: 13
        case .invalidSignatureEncoding: 14
        case .badSignature: 15
        case .keyMismatch: 16
        case .staleSequence: 17
        case .invalidBlobLink: 18
        }
    }

    /// One clear line.
    public var description: String {
        switch self {
        case let .tooLarge(bytes): "manifest is \(bytes) bytes, over the limit of \(ManifestLimits.maxBytes)"
        case let .malformedJSON(error): "malformed JSON: \(error)"
        case .notAnObject: "manifest must be a JSON object"
        case let .missingField(name): "missing field \"\(name)\""
        case let .invalidField(path, expected): "field \(path) must be \(expected)"
        case .invalidPublicKey: "publicKey must be 64 lowercase hex digits"
        case .weakPublicKey: "publicKey is a low-order or non-canonical Ed25519 key"
        case .sequenceOutOfRange: "sequence must be an integer from 0 to 2^53-1"
        case .timestampOutOfRange: "timestamp must be an integer from 0 to 2^53-1 (milliseconds since the epoch)"
        case let .tooManyCollections(n): "\(n) collections, over the limit of \(ManifestLimits.maxCollections)"
        case let .tooManyItems(n): "\(n) items, over the limit of \(ManifestLimits.maxItems)"
        case let .titleTooLong(c): "collections[\(c)].title is over \(ManifestLimits.maxTitleBytes) bytes"
        case let .invalidItem(c, i, problem): "collections[\(c)].items[\(i)]: \(problem)"
        case let .invalidBlobLink(c, i, problem): "collections[\(c)].items[\(i)]: \(problem)"
        case .invalidSignatureEncoding: "signature must be 128 lowercase hex digits"
        case .badSignature: "signature does not verify: the manifest was altered or signed by another key"
        case let .keyMismatch(expected, got): "manifest is signed by \(got), not by \(expected)"
        case let .staleSequence(last, got): "sequence \(got) is not above \(last), the last accepted for this key (replay or rollback)"
        }
    }
}
