import MegatorrentProxy

/// Why an HTTP announce did not give a reply. Descriptions are one line and name the tracker.
public enum AnnounceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an `http://`, `https://`, `ws://` or `wss://` tracker URL.
    case invalidURL(String)
    /// The tracker (or the proxy) could not be reached: the URL and the reason.
    case unreachable(String, reason: String)
    /// No complete answer within the timeout.
    case timedOut(String)
    /// An HTTP status other than 200.
    case httpStatus(String, status: Int)
    /// A body over the size limit.
    case tooLarge(String, limit: Int)
    /// A body that is not a usable announce reply, or the tracker's `failure reason`.
    case badReply(String, AnnounceResponse.Problem)
    /// The SOCKS5 proxy refused or failed.
    case proxy(String, SOCKS5Error)
    /// TLS failed (`https://`): the reason in one line.
    case tls(String, reason: String)

    /// One line.
    public var description: String {
        switch self {
        case let .invalidURL(url): "not an http://, https://, ws:// or wss:// tracker URL: \(url.prefix(200))"
        case let .unreachable(url, reason): "tracker \(url) cannot be reached: \(reason)"
        case let .timedOut(url): "tracker \(url) did not answer the announce in time"
        case let .httpStatus(url, status): "tracker \(url) answered the announce with HTTP status \(status)"
        case let .tooLarge(url, limit): "tracker \(url) sent an announce reply over \(limit) bytes"
        case let .badReply(url, problem): "tracker \(url): \(problem)"
        case let .proxy(url, error): "tracker \(url) through the proxy: \(error)"
        case let .tls(url, reason): "tracker \(url): TLS: \(reason)"
        }
    }
}
