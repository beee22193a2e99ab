/// Why a client request did not succeed.
public enum TrackerClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tracker refused, with its code and reason.
    case refused(TrackerFailure)
    /// No connection, or no reply, within the request timeout.
    case timedOut
    /// The connection closed before the reply came (the request may or may not have been done).
    case connectionLost
    /// The client was closed.
    case closed
    /// The calling task was cancelled.
    case cancelled
    /// Not a channel id (64 hex digits or a `magnet:?xs=urn:btpk:` link).
    case invalidKey(String)
    /// A tracker URL this client cannot use.
    case invalidURL(String)
    /// The tracker answered something that does not fit the request.
    case unexpectedReply(String)
    /// A `wss://` connection failed in TLS: the certificate did not verify, the handshake failed,
    /// or the trust roots file could not be read. The reason is one line.
    case tls(String)

    /// One line.
    public var description: String {
        switch self {
        case .refused(let failure): "tracker refused (code \(failure.code)): \(failure.reason)"
        case .timedOut: "no answer from the tracker in time"
        case .connectionLost: "the connection to the tracker was lost before it answered"
        case .closed: "the tracker client was closed"
        case .cancelled: "cancelled"
        case .invalidKey(let key): "not a channel id: \(key.prefix(80))"
        case .invalidURL(let url): "not a ws:// or wss:// tracker URL: \(url.prefix(200))"
        case .unexpectedReply(let what): "unexpected reply from the tracker: \(what)"
        case .tls(let reason): "TLS: \(reason)"
        }
    }
}

/// What a tracker said when it stored a publish.
public struct PublishReceipt: Sendable, Equatable {
    /// The channel id.
    public let key: String
    /// The stored manifest's sequence.
    public let sequence: UInt64

    /// A receipt.
    public init(key: String, sequence: UInt64) {
        self.key = key
        self.sequence = sequence
    }
}
