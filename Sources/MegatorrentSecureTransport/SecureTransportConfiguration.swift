import MegatorrentNoise
import NIOCore

/// Limits and timeouts of secure connections.
public struct SecureTransportConfiguration: Sendable {
    /// How long a handshake may take from TCP connect (or accept) to its last message. A peer that
    /// connects and sends nothing is closed after this time.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Close when nothing arrives for this long after the handshake (nil: never). The peer wire
    /// protocol above is expected to send keep-alives within it.
    public var idleTimeout: TimeAmount? = nil
    /// The largest application message sent or accepted.
    public var maxMessageSize: Int = RecordLayer.defaultMaxMessageSize
    /// Received messages buffered before the socket stops reading from the network.
    public var receiveBufferMessages: Int = 64
    /// Handshakes a listener runs at once; connections beyond are closed at once (each handshake
    /// costs the responder four X25519 operations before it knows the peer).
    public var maxConcurrentHandshakes: Int = 256
    /// Bytes of sent messages that may wait to be written before `send` waits for the network
    /// (lets a sender keep the connection busy without buffering without bound).
    public var sendBufferBytes: Int = 2 << 20

    /// The defaults: 10 s handshake timeout, no idle timeout, 4 MiB messages, 64 received messages
    /// and 2 MiB of sent ones buffered.
    public init() {}
}
