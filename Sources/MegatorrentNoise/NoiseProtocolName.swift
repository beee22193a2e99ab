import MegatorrentCrypto

/// The handshake patterns implemented (Noise specification section 7). IK is the one Megatorrent
/// uses; XX and NN exist so that every published test vector can be checked.
public enum HandshakePattern: String, Sendable, CaseIterable {
    /// Initiator knows the responder's static key; both are authenticated after two messages.
    case IK
    /// Both static keys are transmitted; three messages.
    case XX
    /// No static keys; anonymous.
    case NN

    /// A token of a message pattern.
    enum Token { case e, s, ee, es, se, ss }

    /// Whether the responder's static key is a pre-message (`<- s`).
    var responderStaticIsPremessage: Bool { self == .IK }

    /// The message patterns, alternating initiator then responder.
    var messages: [[Token]] {
        switch self {
        case .NN: [[.e], [.e, .ee]]
        case .XX: [[.e], [.e, .ee, .s, .es], [.s, .se]]
        case .IK: [[.e, .es, .s, .ss], [.e, .ee, .se]]
        }
    }

    /// Whether the initiator has and uses a static key.
    var initiatorHasStatic: Bool { self != .NN }
    /// Whether the responder has and uses a static key.
    var responderHasStatic: Bool { self != .NN }
}

/// The hash functions implemented (Noise specification section 12).
public enum NoiseHash: String, Sendable, CaseIterable {
    /// BLAKE2s-256, Megatorrent's choice.
    case BLAKE2s
    /// SHA-256.
    case SHA256

    var digest: DigestAlgorithm {
        switch self {
        case .BLAKE2s: .blake2s256
        case .SHA256: .sha256
        }
    }

    /// `HASHLEN`: 32 for both.
    var length: Int { 32 }
}

/// A Noise protocol name `Noise_<pattern>_25519_ChaChaPoly_<hash>`: only X25519 and
/// ChaCha20-Poly1305 are implemented.
public struct NoiseProtocolName: Sendable, Equatable, CustomStringConvertible {
    /// The handshake pattern.
    public let pattern: HandshakePattern
    /// The hash function.
    public let hash: NoiseHash

    /// A protocol from its parts.
    public init(pattern: HandshakePattern, hash: NoiseHash) {
        self.pattern = pattern
        self.hash = hash
    }

    /// Parses a full name such as `Noise_IK_25519_ChaChaPoly_BLAKE2s`.
    public init(parsing name: String) throws(NoiseError) {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "Noise", parts[2] == "25519", parts[3] == "ChaChaPoly",
            let pattern = HandshakePattern(rawValue: String(parts[1])), let hash = NoiseHash(rawValue: String(parts[4]))
        else { throw .unsupportedProtocol(name) }
        self.init(pattern: pattern, hash: hash)
    }

    /// The full name, e.g. `Noise_IK_25519_ChaChaPoly_BLAKE2s`.
    public var description: String { "Noise_\(pattern.rawValue)_25519_ChaChaPoly_\(hash.rawValue)" }
}
