import CLibtorrentShim

/// A BEP 44 mutable item with its author's signature: what is put under a public key (and salt), and what a
/// lookup returns. The signature is Ed25519 by `publicKey` over the bencoded bytes
/// `4:salt<len>:<salt>3:seqi<seq>e1:v<value>` (the salt part left out when there is no salt).
public struct SignedMutableItem: Sendable, Hashable {
    /// Length of an Ed25519 public key in bytes.
    public static let publicKeySize = 32
    /// Length of an Ed25519 signature in bytes.
    public static let signatureSize = 64
    /// Largest bencoded value BEP 44 allows (other nodes refuse larger items); puts of larger ones are refused.
    public static let maximumValueSize = Int(MTLT_DHT_MAX_VALUE_SIZE)
    /// Largest salt BEP 44 allows.
    public static let maximumSaltSize = Int(MTLT_DHT_MAX_SALT_SIZE)

    /// The author's Ed25519 public key (32 bytes).
    public let publicKey: [UInt8]
    /// The salt (0 to 64 bytes), letting one key hold several items.
    public let salt: [UInt8]
    /// The item's sequence number: a put replaces only items with a lower one.
    public let sequence: Int64
    /// The value, canonical bencoding (at most ``maximumValueSize`` bytes for a put).
    public let value: [UInt8]
    /// The Ed25519 signature (64 bytes).
    public let signature: [UInt8]

    /// Makes an item from its parts. Checks only the lengths of the key and the signature; the put checks the rest
    /// (value size and encoding, salt size, the signature itself) before anything reaches the network.
    public init(publicKey: [UInt8], salt: [UInt8] = [], sequence: Int64, value: [UInt8], signature: [UInt8])
        throws(TorrentError)
    {
        guard publicKey.count == Self.publicKeySize else {
            throw TorrentError(
                code: .invalidArgument, message: "a public key is \(Self.publicKeySize) bytes, not \(publicKey.count)")
        }
        guard signature.count == Self.signatureSize else {
            throw TorrentError(
                code: .invalidArgument, message: "a signature is \(Self.signatureSize) bytes, not \(signature.count)")
        }
        self.init(unchecked: publicKey, salt: salt, sequence: sequence, value: value, signature: signature)
    }

    /// For items libtorrent returned (already verified, lengths fixed by the C struct).
    init(unchecked publicKey: [UInt8], salt: [UInt8], sequence: Int64, value: [UInt8], signature: [UInt8]) {
        self.publicKey = publicKey
        self.salt = salt
        self.sequence = sequence
        self.value = value
        self.signature = signature
    }
}

/// How a DHT put ended.
public enum PutResult: Sendable, Hashable {
    /// libtorrent finished the put; `successCount` nodes answered it. Not a proof of storage: a node that holds an
    /// equal sequence keeps its old value and still counts, and only a higher one makes nodes refuse (count 0).
    case completed(successCount: Int)
    /// No end was reported within the timeout (or the waiting task was cancelled).
    case timedOut
}

/// What a mutable item lookup found.
public enum MutableGetResult: Sendable, Hashable {
    /// The first valid answer, at once: `authoritative` is `false` when the lookup was still running (a node with a
    /// higher sequence may answer later), `true` when it had ended. libtorrent verified the signature.
    case found(SignedMutableItem, authoritative: Bool)
    /// The lookup ended and no node had the item.
    case notFound
    /// No answer within the timeout (or the waiting task was cancelled).
    case timedOut
}

/// What an immutable item lookup found.
public enum ImmutableGetResult: Sendable, Hashable {
    /// The bencoded value; libtorrent checked that its SHA-1 is the target.
    case found([UInt8])
    /// The lookup ended and no node had the item.
    case notFound
    /// No answer within the timeout (or the waiting task was cancelled).
    case timedOut
}

/// How an immutable put ended, and where the item lives.
public struct ImmutablePutResult: Sendable, Hashable {
    /// The item's target, the SHA-1 of its bencoded value (20 bytes): the key to look it up with.
    public let target: [UInt8]
    /// How the put ended.
    public let result: PutResult
}
