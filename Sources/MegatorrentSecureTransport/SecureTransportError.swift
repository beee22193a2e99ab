import MegatorrentI2P
import MegatorrentNoise
import MegatorrentProxy

/// Why a secure connection failed or closed. Every error closes the connection.
public enum SecureTransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The handshake did not finish within the configured time (includes a peer that connects and
    /// sends nothing: a half-open connection).
    case handshakeTimeout
    /// The handshake was refused: wrong static key, other protocol version, replayed initiation,
    /// malformed message.
    case handshakeFailed(NoiseError)
    /// The responder's policy refused the initiator's static key.
    case peerRefused
    /// The connection closed before the handshake finished.
    case closedDuringHandshake
    /// A frame longer than allowed (the 2-byte length said `length`).
    case frameTooLarge(Int)
    /// A frame of length zero.
    case emptyFrame
    /// A record failed: altered, out of order, wrong length, bad cell format, message too large.
    case recordFailed(NoiseError)
    /// The peer's TCP stream ended without its close record (possibly truncated by an attacker).
    case truncated
    /// Nothing was received for the configured idle time.
    case idleTimeout
    /// The connection is closed (by this side, or by the peer's close record).
    case closed
    /// `receive()` was called while another `receive()` was waiting.
    case concurrentReceive
    /// A message larger than the configured maximum was given to `send`.
    case messageTooLarge(Int)
    /// The socket itself failed (connection reset, refused, …), as the system said.
    case connectionFailed(String)
    /// The SOCKS5 proxy could not be reached or did not open the tunnel (the reply code is in it).
    case proxyFailed(SOCKS5Error)
    /// The I2P SAM bridge could not open the stream (the SAM RESULT is in it).
    case i2pFailed(SAMError)

    /// One clear line.
    public var description: String {
        switch self {
        case .handshakeTimeout: "secure handshake timed out"
        case let .handshakeFailed(error): "secure handshake failed: \(error)"
        case .peerRefused: "secure handshake refused: peer key not allowed"
        case .closedDuringHandshake: "connection closed during the secure handshake"
        case let .frameTooLarge(length): "frame of \(length) bytes is over the limit: garbage or another protocol"
        case .emptyFrame: "empty frame: garbage or another protocol"
        case let .recordFailed(error): "secure record refused: \(error)"
        case .truncated: "connection ended without a close record (truncated)"
        case .idleTimeout: "secure connection idle for too long"
        case .closed: "secure connection is closed"
        case .concurrentReceive: "receive() called while another receive() is waiting"
        case let .messageTooLarge(length): "message of \(length) bytes is over the limit"
        case let .connectionFailed(why): "connection failed: \(why)"
        case let .proxyFailed(error): "\(error)"
        case let .i2pFailed(error): "\(error)"
        }
    }
}

extension SecureTransportError {
    /// `error` as a transport error: ours unchanged, anything else (NIO, system) as `.connectionFailed`.
    static func from(_ error: any Error) -> SecureTransportError {
        if let error = error as? SecureTransportError { return error }
        if let error = error as? NoiseError { return .recordFailed(error) }
        if let error = error as? SOCKS5Error { return .proxyFailed(error) }
        if let error = error as? SAMError { return .i2pFailed(error) }
        return .connectionFailed("\(error)")
    }
}
