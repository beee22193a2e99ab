/// The client side of a SOCKS5 CONNECT (RFC 1928) with optional username/password (RFC 1929), as a
/// pure state machine: call ``start()`` and send its bytes, then feed every byte received to
/// ``receive(_:)`` and do what the returned action says. No I/O, no DNS: a name target is sent as
/// DOMAINNAME and resolved by the proxy.
///
/// ```
/// var machine = try SOCKS5ClientStateMachine(target: SOCKS5Target(host: "example.org", port: 80), credentials: nil)
/// send(machine.start())
/// loop: switch machine.receive(bytes) { case .send(let b): send(b); case .established(...): done; … }
/// ```
public struct SOCKS5ClientStateMachine: Sendable {
    /// What the caller does next.
    public enum Action: Equatable, Sendable {
        /// Wait for more bytes.
        case needMoreData
        /// Send these bytes to the proxy, then wait for more.
        case send([UInt8])
        /// The tunnel is open: the proxy bound `bound:boundPort`; `leftover` are bytes of the target
        /// that came right after the reply and belong to the application.
        case established(bound: SOCKS5Address, boundPort: UInt16, leftover: [UInt8])
        /// The exchange failed; close the connection.
        case failed(SOCKS5Error)
    }

    private enum State: Sendable {
        case idle, awaitingMethod, awaitingAuthentication, awaitingReply, established, failed
    }

    /// Where the proxy is asked to connect.
    public let target: SOCKS5Target
    private let credentials: SOCKS5Credentials?
    private let offered: [SOCKS5Method]
    private var state: State = .idle
    private var buffer: [UInt8] = []

    /// A machine for one connection. Throws ``SOCKS5Error/invalidRequest(_:)`` for a name, username
    /// or password that is empty or over 255 bytes.
    public init(target: SOCKS5Target, credentials: SOCKS5Credentials?) throws(SOCKS5Error) {
        guard target.address.encoded != nil else {
            throw .invalidRequest("a host name must be 1 to 255 bytes: \(target.address.description.prefix(80))")
        }
        if let credentials {
            guard (1...255).contains(credentials.username.utf8.count), (1...255).contains(credentials.password.utf8.count) else {
                throw .invalidRequest("a SOCKS5 username and password must be 1 to 255 bytes each")
            }
        }
        self.target = target
        self.credentials = credentials
        // With credentials, only username/password is offered: a proxy must not be able to skip them
        // (Tor's stream isolation depends on them being sent).
        self.offered = credentials == nil ? [.noAuthentication] : [.usernamePassword]
    }

    /// The methods offered in the greeting.
    public var offeredMethods: [SOCKS5Method] { offered }

    /// What the exchange is waiting for, for error messages.
    public var stage: String {
        switch state {
        case .idle: "the start"
        case .awaitingMethod: "method selection"
        case .awaitingAuthentication: "username/password authentication"
        case .awaitingReply: "the CONNECT request to \(target)"
        case .established: "the tunnelled connection"
        case .failed: "a failed exchange"
        }
    }

    /// Whether the tunnel is open.
    public var isEstablished: Bool { if case .established = state { true } else { false } }

    /// The greeting (version 5 and the offered methods). Call once, first.
    public mutating func start() -> [UInt8] {
        precondition(state == .idle, "start() is called once")
        state = .awaitingMethod
        return [5, UInt8(offered.count)] + offered.map(\.rawValue)
    }

    /// Feeds bytes received from the proxy.
    public mutating func receive(_ bytes: some Sequence<UInt8>) -> Action {
        switch state {
        case .idle: return fail(.malformedReply("the proxy spoke before the greeting"))
        case .established, .failed: return .failed(.invalidRequest("the SOCKS5 exchange is already over"))
        default: break
        }
        buffer.append(contentsOf: bytes)
        switch state {
        case .awaitingMethod: return methodSelection()
        case .awaitingAuthentication: return authenticationReply()
        case .awaitingReply: return connectReply()
        default: return .needMoreData
        }
    }

    /// The error for a connection that ended now: RFC 1929 failure when it ended during
    /// authentication (pproxy closes without a status byte on bad credentials).
    public mutating func connectionClosed() -> SOCKS5Error {
        let error: SOCKS5Error =
            switch state {
            case .awaitingAuthentication: .authenticationFailed(status: nil)
            default: .closedByProxy(stage: stage)
            }
        state = .failed
        return error
    }

    // MARK: Steps

    private mutating func methodSelection() -> Action {
        guard buffer.count >= 2 else { return .needMoreData }
        guard buffer[0] == 5 else { return fail(.malformedReply("version \(buffer[0]) in the method selection, not 5")) }
        let method = buffer[1]
        guard buffer.count == 2 else { return fail(.malformedReply("bytes after the method selection")) }
        buffer.removeAll()
        if method == 0xFF { return fail(.noAcceptableMethod(offered: offered)) }
        guard let chosen = SOCKS5Method(rawValue: method), offered.contains(chosen) else {
            if method == SOCKS5Method.usernamePassword.rawValue { return fail(.credentialsRequired) }
            return fail(.unexpectedMethod(method))
        }
        switch chosen {
        case .noAuthentication:
            state = .awaitingReply
            return .send(connectRequest())
        case .usernamePassword:
            guard let credentials else { return fail(.credentialsRequired) }
            state = .awaitingAuthentication
            let user = Array(credentials.username.utf8), password = Array(credentials.password.utf8)
            return .send([1, UInt8(user.count)] + user + [UInt8(password.count)] + password)
        }
    }

    private mutating func authenticationReply() -> Action {
        guard buffer.count >= 2 else { return .needMoreData }
        // RFC 1929 says version 1; some servers answer 5. Both are read the same way.
        guard buffer[0] == 1 || buffer[0] == 5 else {
            return fail(.malformedReply("version \(buffer[0]) in the username/password reply, not 1"))
        }
        let status = buffer[1]
        guard status == 0 else { return fail(.authenticationFailed(status: status)) }
        guard buffer.count == 2 else { return fail(.malformedReply("bytes after the username/password reply")) }
        buffer.removeAll()
        state = .awaitingReply
        return .send(connectRequest())
    }

    private mutating func connectReply() -> Action {
        guard buffer.count >= 2 else { return .needMoreData }
        guard buffer[0] == 5 else { return fail(.malformedReply("version \(buffer[0]) in the CONNECT reply, not 5")) }
        // A refusal is final at its second byte: some proxies close without the rest.
        guard buffer[1] == 0 else {
            return fail(.connectFailed(target: target.description, reply: SOCKS5ReplyCode(byte: buffer[1])))
        }
        guard buffer.count >= 5 else { return .needMoreData }
        let addressLength: Int
        switch buffer[3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(buffer[4])
        default: return fail(.malformedReply("address type \(buffer[3]) in the CONNECT reply"))
        }
        let total = 4 + addressLength + 2
        guard buffer.count >= total else { return .needMoreData }
        let bound: SOCKS5Address =
            switch buffer[3] {
            case 1: .ipv4(Array(buffer[4..<8]))
            case 4: .ipv6(Array(buffer[4..<20]))
            default: .domain(String(decoding: buffer[5..<(4 + addressLength)], as: UTF8.self))
            }
        let port = UInt16(buffer[total - 2]) << 8 | UInt16(buffer[total - 1])
        let leftover = Array(buffer[total...])
        buffer = []
        state = .established
        return .established(bound: bound, boundPort: port, leftover: leftover)
    }

    /// VER 5, CMD CONNECT, RSV, the target address and port.
    private func connectRequest() -> [UInt8] {
        // `init` checked that the address encodes.
        [5, 1, 0] + (target.address.encoded ?? []) + [UInt8(target.port >> 8), UInt8(target.port & 0xFF)]
    }

    private mutating func fail(_ error: SOCKS5Error) -> Action {
        state = .failed
        buffer = []
        return .failed(error)
    }
}
