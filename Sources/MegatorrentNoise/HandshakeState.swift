import MegatorrentCrypto

/// Which side of a handshake this is.
public enum NoiseRole: Sendable, Equatable {
    /// Sends the first message.
    case initiator
    /// Receives the first message.
    case responder
}

/// Noise's HandshakeState (specification section 5.3) for the patterns of `HandshakePattern`, with
/// X25519 and ChaCha20-Poly1305.
///
/// Each `writeMessage`/`readMessage` checks that it is its turn; any error ends the handshake
/// (every later call throws `.failedEarlier`). After the last message, `transportCiphers()` gives
/// the two transport CipherStates. Not `Sendable`: one handshake belongs to one connection.
public final class HandshakeState {
    /// Noise's maximum message length (section 3).
    public static let maxMessageLength = 65_535
    /// `DHLEN` for X25519.
    static let dhLength = 32
    /// The AEAD tag length.
    static let tagLength = 16

    private enum Phase { case inProgress, complete, failed }

    /// The protocol.
    public let protocolName: NoiseProtocolName
    /// This side's role.
    public let role: NoiseRole

    private let symmetric: SymmetricState
    private let localStatic: X25519.PrivateKey?
    private var localEphemeral: X25519.PrivateKey?
    /// The peer's static public key: given (IK initiator) or learnt from the handshake.
    public private(set) var remoteStatic: [UInt8]?
    private var remoteEphemeral: [UInt8]?
    private var messageIndex = 0
    private var phase = Phase.inProgress
    private var transport: (first: CipherState, second: CipherState)?
    /// Where the `ss` result comes from when set (a peer's repeated handshakes skip that DH).
    private let staticStaticCache: StaticStaticCache?

    /// Starts a handshake: `Initialize(handshake_pattern, initiator, prologue, s, e, rs, re)`.
    ///
    /// `localStatic` is required when the pattern sends or uses this side's static key;
    /// `remoteStatic` is required for an IK initiator (it is the responder's pre-message key).
    public convenience init(
        protocolName: NoiseProtocolName, role: NoiseRole, prologue: [UInt8],
        localStatic: X25519.PrivateKey?, remoteStatic: [UInt8]?, staticStaticCache: StaticStaticCache? = nil
    ) throws(NoiseError) {
        try self.init(
            protocolName: protocolName, role: role, prologue: prologue, localStatic: localStatic, remoteStatic: remoteStatic,
            localEphemeral: nil, staticStaticCache: staticStaticCache)
    }

    /// As the public initialiser, with a fixed ephemeral key: for test vectors only. A fixed
    /// ephemeral key in production destroys forward secrecy and the session keys' uniqueness.
    @_spi(NoiseTesting)
    public init(
        protocolName: NoiseProtocolName, role: NoiseRole, prologue: [UInt8],
        localStatic: X25519.PrivateKey?, remoteStatic: [UInt8]?, localEphemeral: X25519.PrivateKey?,
        staticStaticCache: StaticStaticCache? = nil
    ) throws(NoiseError) {
        let pattern = protocolName.pattern
        let needsLocalStatic = role == .initiator ? pattern.initiatorHasStatic : pattern.responderHasStatic
        if needsLocalStatic, localStatic == nil { throw .missingKey("local static") }
        if role == .initiator, pattern.responderStaticIsPremessage {
            guard let remoteStatic else { throw .missingKey("remote static") }
            guard remoteStatic.count == Self.dhLength else { throw .invalidKeyLength(remoteStatic.count) }
        }
        self.protocolName = protocolName
        self.role = role
        self.symmetric = try SymmetricState(protocolName: protocolName)
        self.localStatic = needsLocalStatic ? localStatic : nil
        self.localEphemeral = localEphemeral
        self.staticStaticCache = staticStaticCache
        // Only a pre-message key is known in advance; other static keys are learnt.
        self.remoteStatic = role == .initiator && pattern.responderStaticIsPremessage ? remoteStatic : nil

        // MixHash(prologue), then the pre-messages: `<- s` for IK.
        symmetric.mixHash(prologue)
        if pattern.responderStaticIsPremessage {
            let responderStatic = role == .initiator ? self.remoteStatic! : self.localStatic!.publicKey
            symmetric.mixHash(responderStatic)
        }
    }

    /// Whether every handshake message has been sent or received.
    public var isComplete: Bool { phase == .complete }

    /// Whether the next step is `writeMessage` (else `readMessage`).
    public var isMyTurn: Bool { (messageIndex % 2 == 0) == (role == .initiator) }

    /// The handshake hash `h`, for channel binding; final once `isComplete`.
    public var handshakeHash: [UInt8] { symmetric.handshakeHash }

    /// `WriteMessage(payload, message_buffer)`: the next handshake message, carrying `payload`.
    public func writeMessage(payload: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        try step { () throws(NoiseError) -> [UInt8] in
            guard isMyTurn else { throw .wrongTurn }
            var message: [UInt8] = []
            for token in protocolName.pattern.messages[messageIndex] {
                switch token {
                case .e:
                    // e = GENERATE_KEYPAIR() (unless fixed for a test); buffer.append(e.public_key);
                    // MixHash(e.public_key)
                    let ephemeral: X25519.PrivateKey
                    if let fixed = localEphemeral { ephemeral = fixed } else {
                        do throws(CryptoError) { ephemeral = try X25519.PrivateKey.generate() } catch { throw NoiseError(error) }
                    }
                    localEphemeral = ephemeral
                    message += ephemeral.publicKey
                    symmetric.mixHash(ephemeral.publicKey)
                case .s:
                    // buffer.append(EncryptAndHash(s.public_key))
                    guard let localStatic else { throw .missingKey("local static") }
                    message += try symmetric.encryptAndHash(localStatic.publicKey)
                default:
                    try mixDH(token)
                }
            }
            // buffer.append(EncryptAndHash(payload))
            message += try symmetric.encryptAndHash(payload)
            guard message.count <= Self.maxMessageLength else { throw .messageTooLarge(message.count) }
            return message
        }
    }

    /// `ReadMessage(message, payload_buffer)`: consumes the peer's next handshake message and
    /// returns its payload.
    public func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        try step { () throws(NoiseError) -> [UInt8] in
            guard !isMyTurn else { throw .wrongTurn }
            guard message.count <= Self.maxMessageLength else { throw .messageTooLarge(message.count) }
            var rest = message[...]
            func take(_ count: Int, _ what: String) throws(NoiseError) -> [UInt8] {
                guard rest.count >= count else { throw .malformedMessage("too short for \(what)") }
                defer { rest = rest.dropFirst(count) }
                return Array(rest.prefix(count))
            }
            for token in protocolName.pattern.messages[messageIndex] {
                switch token {
                case .e:
                    // re = buffer[:DHLEN]; MixHash(re.public_key)
                    let ephemeral = try take(Self.dhLength, "ephemeral key")
                    remoteEphemeral = ephemeral
                    symmetric.mixHash(ephemeral)
                case .s:
                    // temp = DHLEN + 16 bytes if HasKey() else DHLEN; rs = DecryptAndHash(temp)
                    let length = Self.dhLength + (symmetric.cipher.hasKey ? Self.tagLength : 0)
                    remoteStatic = try symmetric.decryptAndHash(take(length, "static key"))
                default:
                    try mixDH(token)
                }
            }
            // payload = DecryptAndHash(rest)
            let tagLength = symmetric.cipher.hasKey ? Self.tagLength : 0
            guard rest.count >= tagLength else { throw .malformedMessage("too short for payload tag") }
            return try symmetric.decryptAndHash(Array(rest))
        }
    }

    /// The transport CipherStates after `Split()`: `send` encrypts this side's records.
    public func transportCiphers() throws(NoiseError) -> (send: CipherState, receive: CipherState) {
        guard phase == .complete, let transport else { throw phase == .failed ? .failedEarlier : .handshakeIncomplete }
        return role == .initiator ? (transport.first, transport.second) : (transport.second, transport.first)
    }

    /// Runs one message step: refuses after failure or completion, marks failure on any error,
    /// and splits after the last message.
    private func step(_ body: () throws(NoiseError) -> [UInt8]) throws(NoiseError) -> [UInt8] {
        switch phase {
        case .failed: throw .failedEarlier
        case .complete: throw .handshakeNotInProgress
        case .inProgress: break
        }
        do {
            let result = try body()
            messageIndex += 1
            if messageIndex == protocolName.pattern.messages.count {
                transport = try symmetric.split()
                localEphemeral = nil  // the ephemeral private key is no longer needed: drop (and wipe) it
                phase = .complete
            }
            return result
        } catch {
            phase = .failed
            localEphemeral = nil
            throw error
        }
    }

    /// `MixKey(DH(…))` for a DH token; which keys meet depends on the role (section 7.1: `es` is
    /// the initiator's ephemeral with the responder's static, whichever side computes it).
    private func mixDH(_ token: HandshakePattern.Token) throws(NoiseError) {
        let initiator = role == .initiator
        let local: X25519.PrivateKey?, remote: [UInt8]?
        switch token {
        case .ee: (local, remote) = (localEphemeral, remoteEphemeral)
        case .ss: (local, remote) = (localStatic, remoteStatic)
        case .es: (local, remote) = initiator ? (localEphemeral, remoteStatic) : (localStatic, remoteEphemeral)
        case .se: (local, remote) = initiator ? (localStatic, remoteEphemeral) : (localEphemeral, remoteStatic)
        case .e, .s: preconditionFailure("not a DH token")
        }
        guard let local else { throw .missingKey("local key for \(token)") }
        guard let remote else { throw .missingKey("remote key for \(token)") }
        let shared: SecureBytes
        do {
            if token == .ss, let staticStaticCache {
                shared = try staticStaticCache.sharedSecret(local: local, remote: remote)
            } else {
                shared = try local.sharedSecret(with: remote)
            }
        } catch { throw NoiseError(error) }
        try symmetric.mixKey(shared)
    }
}
