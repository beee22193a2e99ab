import MegatorrentBencode
import MegatorrentCrypto

/// A signed BEP 44 mutable item: what a DHT node stores under SHA-1(public key + salt).
///
/// The signature is Ed25519 over `4:salt<len>:<salt>3:seqi<seq>e1:v<bencoded value>` (the salt part
/// only when the salt is not empty). The author signs once with the channel key; the item, signature
/// included, can then be re-put by any node (the "sidecar" of docs/dht.md).
public struct MutableItem: Sendable, Equatable {
    /// Largest bencoded value BEP 44 allows.
    public static let maxValueBytes = 1000
    /// Longest salt BEP 44 allows.
    public static let maxSaltBytes = 64

    /// The author's public key.
    public let publicKey: Ed25519.PublicKey
    /// The salt (empty for none).
    public let salt: [UInt8]
    /// The sequence number.
    public let sequence: Int64
    /// The bencoded value.
    public let value: [UInt8]
    /// The author's signature.
    public let signature: [UInt8]

    /// Why an item cannot be made or is not valid.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The bencoded value is over 1000 bytes.
        case valueTooLarge(Int)
        /// The salt is over 64 bytes.
        case saltTooLong(Int)
        /// The value is not strict bencoding.
        case invalidValue
        /// A negative sequence.
        case negativeSequence
        /// The signature does not verify.
        case badSignature

        /// One clear phrase.
        public var description: String {
            switch self {
            case let .valueTooLarge(n): "DHT item value is \(n) bytes, over BEP 44's limit of 1000"
            case let .saltTooLong(n): "DHT item salt is \(n) bytes, over BEP 44's limit of 64"
            case .invalidValue: "DHT item value is not valid bencoding"
            case .negativeSequence: "DHT item sequence is negative"
            case .badSignature: "DHT item signature does not verify"
            }
        }
    }

    /// The bytes BEP 44 signs.
    public static func signedPayload(salt: [UInt8], sequence: Int64, value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        if !salt.isEmpty {
            out += Array("4:salt\(salt.count):".utf8) + salt
        }
        out += Array("3:seqi\(sequence)e1:v".utf8) + value
        return out
    }

    /// Signs `value` with `key`.
    public init(signing value: [UInt8], salt: [UInt8] = [], sequence: Int64, with key: Ed25519.PrivateKey) throws {
        try Self.check(value: value, salt: salt, sequence: sequence)
        self.publicKey = key.publicKey
        self.salt = salt
        self.sequence = sequence
        self.value = value
        self.signature = try key.sign(Self.signedPayload(salt: salt, sequence: sequence, value: value))
    }

    /// An item received or stored, checked: sizes, bencoding and the (strict) signature.
    public init(publicKey: Ed25519.PublicKey, salt: [UInt8], sequence: Int64, value: [UInt8], signature: [UInt8]) throws(Problem) {
        try Self.check(value: value, salt: salt, sequence: sequence)
        guard publicKey.isValidSignature(signature, for: Self.signedPayload(salt: salt, sequence: sequence, value: value)) else {
            throw .badSignature
        }
        self.publicKey = publicKey
        self.salt = salt
        self.sequence = sequence
        self.value = value
        self.signature = signature
    }

    private static func check(value: [UInt8], salt: [UInt8], sequence: Int64) throws(Problem) {
        guard value.count <= maxValueBytes else { throw .valueTooLarge(value.count) }
        guard salt.count <= maxSaltBytes else { throw .saltTooLong(salt.count) }
        guard sequence >= 0 else { throw .negativeSequence }
        guard (try? Bencode.decode(value)) != nil else { throw .invalidValue }
    }

    /// The DHT target: SHA-1(public key + salt).
    public var target: [UInt8] { Digest.hash(.sha1, publicKey.bytes + salt) }
}
