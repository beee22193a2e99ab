import NIOCore
import NIOPosix

/// A SAM v3.1 bridge (i2pd, Java I2P) at `host:port`; every call opens its own TCP connection to it.
public struct SAMBridge: Sendable, CustomStringConvertible {
    /// The bridge's address (normally 127.0.0.1:7656).
    public let host: String
    public let port: Int
    /// Bounds each connect and each exchange but `STREAM ACCEPT` (which waits for a peer) and
    /// `SESSION CREATE` (see ``sessionTimeout``).
    public var timeout: TimeAmount = .seconds(60)
    /// Bounds `SESSION CREATE`: building the first tunnels takes 20–40 s on a small network.
    public var sessionTimeout: TimeAmount = .seconds(180)
    public var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }

    /// `DEST GENERATE SIGNATURE_TYPE=7`: a new Ed25519 destination.
    public func generateDestination() async throws(SAMError) -> I2PPrivateDestination {
        guard case let .destinationGenerated(key) = try await exchange(.generateDestination).outcome else {
            throw .malformedReply("DEST GENERATE gave another outcome")
        }
        return key
    }

    /// `NAMING LOOKUP NAME=name` (`ME` on a session's connection only; `X.b32.i2p`; address-book names).
    public func lookup(_ name: String) async throws(SAMError) -> I2PDestination {
        guard case let .lookedUp(destination) = try await exchange(.lookup(name: name)).outcome else {
            throw .malformedReply("NAMING LOOKUP gave another outcome")
        }
        return destination
    }

    /// `SESSION CREATE STYLE=STREAM`: a session (`id` unique on the bridge; nil: a random one), alive
    /// until ``SAMSession/close()`` or until the bridge closes its control connection.
    public func createSession(
        id: String? = nil, destination: SAMSessionDestination = .transient, options: [SAMOption] = []
    ) async throws(SAMError) -> SAMSession {
        let id = id ?? Self.randomID()
        let (channel, outcome) = try await exchange(
            .createSession(id: id, destination: destination, options: options), timeout: sessionTimeout)
        guard case let .sessionCreated(key) = outcome else {
            channel.close(promise: nil)
            throw .malformedReply("SESSION CREATE gave another outcome")
        }
        return SAMSession(bridge: self, id: id, privateDestination: key, control: channel)
    }

    /// A session id no earlier session used (an abandoned id can stay taken on i2pd).
    static func randomID() -> String {
        "megatorrent-" + String((0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    /// Connects, runs `request` to its outcome and returns the channel with it. `install` runs on the
    /// event loop as the outcome arrives (before any stream byte is passed on).
    func exchange(
        _ request: SAMRequest, timeout: TimeAmount? = nil, connected: (@Sendable (any Channel) -> Void)? = nil,
        install: @escaping @Sendable (any Channel, SAMOutcome) throws -> Void = { _, _ in }
    ) async throws(SAMError) -> (channel: any Channel, outcome: SAMOutcome) {
        let exchangeTimeout: TimeAmount?
        if case .accept = request { exchangeTimeout = timeout } else { exchangeTimeout = timeout ?? self.timeout }
        let eventLoop = group.next()
        let finished = eventLoop.makePromise(of: SAMOutcome.self)
        let machine = SAMClientStateMachine(request: request)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(self.timeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = SAMClientHandler(machine: machine, timeout: exchangeTimeout, finished: finished) {
                            context, outcome in try install(context.channel, outcome)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            let error = SAMError.bridgeUnreachable(bridge: description, reason: "\(error)")
            finished.fail(error)
            throw error
        }
        connected?(channel)
        do {
            return (channel, try await finished.futureResult.get())
        } catch {
            channel.close(promise: nil)
            throw (error as? SAMError) ?? .closedByBridge(step: "\(request.step): \(error)")
        }
    }
}
