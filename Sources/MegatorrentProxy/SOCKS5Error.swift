/// The reply codes of RFC 1928 section 6 (REP), with the RFC's words.
public enum SOCKS5ReplyCode: Equatable, Sendable, CustomStringConvertible {
    /// X'01' general SOCKS server failure.
    case generalFailure
    /// X'02' connection not allowed by ruleset.
    case notAllowedByRuleset
    /// X'03' network unreachable.
    case networkUnreachable
    /// X'04' host unreachable.
    case hostUnreachable
    /// X'05' connection refused.
    case connectionRefused
    /// X'06' TTL expired.
    case ttlExpired
    /// X'07' command not supported.
    case commandNotSupported
    /// X'08' address type not supported.
    case addressTypeNotSupported
    /// X'09' to X'FF', unassigned.
    case unassigned(UInt8)

    /// The code for a non-zero REP byte.
    public init(byte: UInt8) {
        switch byte {
        case 1: self = .generalFailure
        case 2: self = .notAllowedByRuleset
        case 3: self = .networkUnreachable
        case 4: self = .hostUnreachable
        case 5: self = .connectionRefused
        case 6: self = .ttlExpired
        case 7: self = .commandNotSupported
        case 8: self = .addressTypeNotSupported
        default: self = .unassigned(byte)
        }
    }

    /// The REP byte.
    public var byte: UInt8 {
        switch self {
        case .generalFailure: 1
        case .notAllowedByRuleset: 2
        case .networkUnreachable: 3
        case .hostUnreachable: 4
        case .connectionRefused: 5
        case .ttlExpired: 6
        case .commandNotSupported: 7
        case .addressTypeNotSupported: 8
        case .unassigned(let byte): byte
        }
    }

    /// The RFC's words and the code: "connection refused (reply 5)".
    public var description: String {
        let words: String =
            switch self {
            case .generalFailure: "general SOCKS server failure"
            case .notAllowedByRuleset: "connection not allowed by ruleset"
            case .networkUnreachable: "network unreachable"
            case .hostUnreachable: "host unreachable"
            case .connectionRefused: "connection refused"
            case .ttlExpired: "TTL expired (Tor: the name did not resolve or the circuit timed out)"
            case .commandNotSupported: "command not supported"
            case .addressTypeNotSupported: "address type not supported"
            case .unassigned: "unassigned reply code"
            }
        return "\(words) (reply \(byte))"
    }
}

/// Why a connection through a SOCKS5 proxy failed. Every case names the step that failed.
public enum SOCKS5Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The proxy itself could not be reached (`proxy` is `HOST:PORT`, `reason` the system's words).
    case proxyUnreachable(proxy: String, reason: String)
    /// The proxy accepts none of the offered methods (X'FF'); `offered` lists them.
    case noAcceptableMethod(offered: [SOCKS5Method])
    /// The proxy wants username/password (RFC 1929) but none was configured.
    case credentialsRequired
    /// The proxy chose a method that was not offered.
    case unexpectedMethod(UInt8)
    /// RFC 1929 username/password refused: `status` is the proxy's non-zero status byte, nil when it
    /// closed the connection without one (pproxy does).
    case authenticationFailed(status: UInt8?)
    /// The proxy refused or could not make the connection to `target` (`HOST:PORT`).
    case connectFailed(target: String, reply: SOCKS5ReplyCode)
    /// The proxy answered bytes that are not SOCKS5.
    case malformedReply(String)
    /// The proxy closed the connection during `stage`.
    case closedByProxy(stage: String)
    /// The proxy did not finish the exchange in time.
    case timedOut(stage: String)
    /// A target, username or password that SOCKS5 cannot carry (empty, or over 255 bytes).
    case invalidRequest(String)

    /// One clear line.
    public var description: String {
        switch self {
        case let .proxyUnreachable(proxy, reason): "cannot reach the SOCKS5 proxy \(proxy): \(reason)"
        case let .noAcceptableMethod(offered):
            "the SOCKS5 proxy accepts none of the offered methods (\(offered.map(\.description).joined(separator: ", ")))"
                + (offered.contains(.usernamePassword) ? "" : "; it may want a username and password: socks5://USER:PASS@HOST:PORT")
        case .credentialsRequired:
            "the SOCKS5 proxy requires a username and password: socks5://USER:PASS@HOST:PORT"
        case let .unexpectedMethod(method): "the SOCKS5 proxy chose method \(method), which was not offered"
        case let .authenticationFailed(status?):
            "the SOCKS5 proxy refused the username and password (RFC 1929 status \(status))"
        case .authenticationFailed(nil):
            "the SOCKS5 proxy refused the username and password (it closed the connection)"
        case let .connectFailed(target, reply): "the SOCKS5 proxy could not connect to \(target): \(reply)"
        case let .malformedReply(why): "the SOCKS5 proxy answered something that is not SOCKS5: \(why)"
        case let .closedByProxy(stage) where stage == "method selection":
            "the SOCKS5 proxy closed the connection during method selection (it may want a username and password: socks5://USER:PASS@HOST:PORT)"
        case let .closedByProxy(stage): "the SOCKS5 proxy closed the connection during \(stage)"
        case let .timedOut(stage): "the SOCKS5 proxy did not answer in time (\(stage))"
        case let .invalidRequest(why): "cannot ask a SOCKS5 proxy for this: \(why)"
        }
    }
}

/// The authentication methods this client offers (RFC 1928 section 3).
public enum SOCKS5Method: UInt8, Equatable, Sendable, CustomStringConvertible {
    /// X'00' no authentication required.
    case noAuthentication = 0
    /// X'02' username/password (RFC 1929).
    case usernamePassword = 2

    /// "no authentication" or "username/password".
    public var description: String {
        switch self {
        case .noAuthentication: "no authentication"
        case .usernamePassword: "username/password"
        }
    }
}
