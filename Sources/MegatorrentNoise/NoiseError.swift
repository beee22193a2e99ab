import MegatorrentCrypto

/// Why a Noise handshake, a record or a frame was refused. Every error ends the session: a
/// handshake or record layer that threw once refuses everything after.
public enum NoiseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The protocol name is not one this implementation speaks (pattern, DH, cipher or hash).
    case unsupportedProtocol(String)
    /// A key the pattern needs was not given (which one: "local static", "remote static").
    case missingKey(String)
    /// A key had the wrong length.
    case invalidKeyLength(Int)
    /// `writeMessage` was called when a message was expected, or `readMessage` when it was our turn.
    case wrongTurn
    /// The handshake is over (or has not finished yet, for `split`).
    case handshakeNotInProgress
    /// The handshake has not finished, so there are no transport keys yet.
    case handshakeIncomplete
    /// A previous error ended this handshake or record layer.
    case failedEarlier
    /// A handshake message shorter than its pattern needs, or of the wrong length for our profile.
    case malformedMessage(String)
    /// A message over Noise's 65,535-byte limit (or our own smaller limit).
    case messageTooLarge(Int)
    /// Authenticated decryption failed: a byte was changed, or the keys do not match (for a
    /// handshake: the initiator does not hold the static key the responder has, or the prologue
    /// or protocol version differs).
    case decryptionFailed
    /// The peer's public key is of small order (the X25519 result would be zero).
    case lowOrderKey
    /// The nonce counter reached 2^64-1: the cipher must not be used again.
    case nonceExhausted
    /// Message 1's timestamp is not newer than the last accepted from that initiator key.
    case replayedInitiation
    /// A handshake payload that our profile does not allow.
    case invalidPayload(String)
    /// A decrypted transport cell that breaks the cell format (type, length or padding).
    case invalidCell(String)
    /// An application message larger than the configured maximum.
    case applicationMessageTooLarge(Int)
    /// A record arrived after the peer's close record.
    case recordAfterClose
    /// A lower-level cryptographic failure.
    case crypto(CryptoError)

    /// One clear line.
    public var description: String {
        switch self {
        case let .unsupportedProtocol(name): "unsupported Noise protocol \(name)"
        case let .missingKey(which): "Noise handshake needs a \(which) key"
        case let .invalidKeyLength(length): "Noise key must be 32 bytes, got \(length)"
        case .wrongTurn: "Noise handshake message out of turn"
        case .handshakeNotInProgress: "Noise handshake is not in progress"
        case .handshakeIncomplete: "Noise handshake has not finished"
        case .failedEarlier: "Noise session already failed"
        case let .malformedMessage(why): "malformed Noise handshake message: \(why)"
        case let .messageTooLarge(length): "Noise message of \(length) bytes is over the limit"
        case .decryptionFailed: "Noise decryption failed: data altered, or wrong key, prologue or version"
        case .lowOrderKey: "peer sent a low-order X25519 public key"
        case .nonceExhausted: "Noise nonce counter exhausted"
        case .replayedInitiation: "replayed handshake initiation (timestamp not newer than the last one)"
        case let .invalidPayload(why): "invalid handshake payload: \(why)"
        case let .invalidCell(why): "invalid transport cell: \(why)"
        case let .applicationMessageTooLarge(length): "application message of \(length) bytes is over the limit"
        case .recordAfterClose: "record after the peer's close record"
        case let .crypto(error): error.description
        }
    }

    init(_ error: CryptoError) {
        switch error {
        case .authenticationFailed: self = .decryptionFailed
        case .lowOrderSharedSecret: self = .lowOrderKey
        default: self = .crypto(error)
        }
    }
}
