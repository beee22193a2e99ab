/// Why a SAM exchange failed: one clear line each.
public enum SAMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bridge's TCP port could not be reached.
    case bridgeUnreachable(bridge: String, reason: String)
    /// The bridge answered a step with a RESULT other than OK (`MESSAGE=`, when sent, in `message`).
    case failed(step: String, result: SAMResult, message: String?)
    /// A line that does not follow the SAM grammar, or the wrong reply for the step.
    case malformedReply(String)
    /// The bridge closed the connection during a step.
    case closedByBridge(step: String)
    /// A step did not finish in time.
    case timedOut(step: String)
    /// A request this client refuses to send (a value with a space or a newline, an empty id).
    case invalidRequest(String)
    /// The session's control connection is closed: the session and its destination are gone.
    case sessionClosed

    /// Whether a retry may succeed (the peer's LeaseSet may not have reached the floodfills yet).
    public var isTransient: Bool {
        switch self {
        case let .failed(_, result, _): ([.cantReachPeer, .peerNotFound, .timeout, .keyNotFound] as [SAMResult]).contains(result)
        case .timedOut: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .bridgeUnreachable(bridge, reason): "cannot reach the I2P SAM bridge at \(bridge): \(reason)"
        case let .failed(step, result, message):
            "I2P SAM \(step) failed: \(result.meaning) (RESULT=\(result.rawValue)\(message.map { ", \($0)" } ?? ""))"
        case let .malformedReply(why): "malformed I2P SAM reply: \(why)"
        case let .closedByBridge(step): "the I2P SAM bridge closed the connection during \(step)"
        case let .timedOut(step): "I2P SAM \(step) timed out"
        case let .invalidRequest(why): "invalid I2P SAM request: \(why)"
        case .sessionClosed: "the I2P SAM session is closed"
        }
    }
}
