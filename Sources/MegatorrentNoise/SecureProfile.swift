import MegatorrentCrypto

/// Megatorrent's use of Noise (docs/transport.md): `Noise_IK_25519_ChaChaPoly_BLAKE2s` with a
/// versioned prologue, a timestamp in message 1 and an empty payload in message 2.
public enum SecureProfile {
    /// The protocol: IK, X25519, ChaCha20-Poly1305, BLAKE2s.
    public static let protocolName = NoiseProtocolName(pattern: .IK, hash: .BLAKE2s)

    /// The protocol version as text, mixed into the handshake hash as Noise's prologue.
    ///
    /// Version 2 has 16 KiB cells (version 1 had 4 KiB ones). A peer speaking another version
    /// (say `megatorrent/noise/1`) has another prologue, so its
    /// handshake hash differs from the first `MixHash` on: the responder cannot decrypt message 1
    /// (`.decryptionFailed`) and the handshake is refused before anything else is read. A new
    /// version changes this string; nothing negotiates down.
    public static let prologueText = "megatorrent/noise/2"

    /// `prologueText` as bytes.
    public static let prologue = Array(prologueText.utf8)

    /// Message 1 (initiator → responder): `e` (32) + encrypted `s` (32 + 16) + encrypted
    /// 12-byte timestamp (12 + 16).
    public static let initiationLength = 32 + 48 + TAI64NTimestamp.length + 16

    /// Message 2 (responder → initiator): `e` (32) + encrypted empty payload (16).
    public static let responseLength = 32 + 16
}

/// The initiator's side of Megatorrent's handshake: it knows the responder's static key.
///
/// ```
/// let handshake = try InitiatorHandshake(localStatic: me, remoteStatic: peerKey)
/// send(frame(handshake.initiation()))
/// let records = try handshake.consumeResponse(receiveFrame())
/// ```
public final class InitiatorHandshake {
    private let state: HandshakeState
    private let timestamp: TAI64NTimestamp

    /// A handshake to the holder of `remoteStatic`, stamped with `timestamp` (the current time,
    /// strictly increasing within this process, unless a test fixes it).
    public init(localStatic: X25519.PrivateKey, remoteStatic: [UInt8], timestamp: TAI64NTimestamp = .nextForInitiation()) throws(NoiseError) {
        state = try HandshakeState(
            protocolName: SecureProfile.protocolName, role: .initiator, prologue: SecureProfile.prologue,
            localStatic: localStatic, remoteStatic: remoteStatic, staticStaticCache: .shared)
        self.timestamp = timestamp
    }

    /// Message 1: `-> e, es, s, ss` with the timestamp as payload.
    public func initiation() throws(NoiseError) -> [UInt8] {
        try state.writeMessage(payload: timestamp.bytes)
    }

    /// Consumes message 2 (`<- e, ee, se`, empty payload) and returns the transport's record
    /// layer. Throws `.decryptionFailed` when the responder does not hold the expected static key.
    public func consumeResponse(_ message: [UInt8], maxMessageSize: Int = RecordLayer.defaultMaxMessageSize) throws(NoiseError) -> RecordLayer {
        guard message.count == SecureProfile.responseLength else {
            throw .malformedMessage("response must be \(SecureProfile.responseLength) bytes, got \(message.count)")
        }
        let payload = try state.readMessage(message)
        guard payload.isEmpty else { throw .invalidPayload("response payload must be empty") }
        let (send, receive) = try state.transportCiphers()
        return RecordLayer(send: send, receive: receive, handshakeHash: state.handshakeHash, maxMessageSize: maxMessageSize)
    }

    /// The handshake hash (final after `consumeResponse`).
    public var handshakeHash: [UInt8] { state.handshakeHash }
}

/// The responder's side of Megatorrent's handshake: it learns the initiator's static key from
/// message 1 and refuses a replayed timestamp.
public final class ResponderHandshake {
    private let state: HandshakeState
    private let replayGuard: ReplayGuard

    /// A responder holding `localStatic`, remembering timestamps in `replayGuard` (shared by all
    /// of a listener's connections).
    public init(localStatic: X25519.PrivateKey, replayGuard: ReplayGuard) throws(NoiseError) {
        state = try HandshakeState(
            protocolName: SecureProfile.protocolName, role: .responder, prologue: SecureProfile.prologue,
            localStatic: localStatic, remoteStatic: nil, staticStaticCache: .shared)
        self.replayGuard = replayGuard
    }

    /// Consumes message 1 and returns the initiator's static public key and timestamp. The
    /// timestamp is checked against and recorded in the replay guard only after message 1
    /// authenticated (its payload key depends on the `ss` DH, so only the initiator's key holder
    /// can make it).
    public func consumeInitiation(_ message: [UInt8]) throws(NoiseError) -> (initiatorStatic: [UInt8], timestamp: TAI64NTimestamp) {
        guard message.count == SecureProfile.initiationLength else {
            throw .malformedMessage("initiation must be \(SecureProfile.initiationLength) bytes, got \(message.count)")
        }
        let payload = try state.readMessage(message)
        guard let timestamp = TAI64NTimestamp(bytes: payload) else { throw .invalidPayload("initiation payload must be a TAI64N timestamp") }
        guard let initiatorStatic = state.remoteStatic else { throw .missingKey("remote static") }
        try replayGuard.accept(timestamp, from: initiatorStatic)
        return (initiatorStatic, timestamp)
    }

    /// Message 2 and the transport's record layer.
    public func response(maxMessageSize: Int = RecordLayer.defaultMaxMessageSize) throws(NoiseError) -> (message: [UInt8], records: RecordLayer) {
        let message = try state.writeMessage(payload: [])
        let (send, receive) = try state.transportCiphers()
        return (message, RecordLayer(send: send, receive: receive, handshakeHash: state.handshakeHash, maxMessageSize: maxMessageSize))
    }

    /// The initiator's static key, once message 1 was consumed.
    public var initiatorStatic: [UInt8]? { state.remoteStatic }
}
