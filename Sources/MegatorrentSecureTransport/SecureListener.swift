import MegatorrentCrypto
import MegatorrentNoise
import NIOCore
import NIOPosix
import Synchronization

/// Accepts secure connections on a TCP address: each connection runs the handshake as responder
/// (with one shared `ReplayGuard`), and only connections whose handshake finished appear in
/// `connections`, with the peer's static key known.
public final class SecureListener: Sendable {
    /// The address bound (with the actual port when 0 was asked for).
    public let localAddress: SocketAddress
    /// Accepted, handshaken connections. One consumer.
    public let connections: AsyncStream<SecureSocket>
    /// The replay guard shared by every connection of this listener.
    public let replayGuard: ReplayGuard

    private let channel: any Channel
    private let continuation: AsyncStream<SecureSocket>.Continuation

    /// The port bound.
    public var port: Int { localAddress.port ?? 0 }

    private init(channel: any Channel, connections: AsyncStream<SecureSocket>, continuation: AsyncStream<SecureSocket>.Continuation, replayGuard: ReplayGuard) {
        self.channel = channel
        self.localAddress = channel.localAddress!
        self.connections = connections
        self.continuation = continuation
        self.replayGuard = replayGuard
    }

    /// Listens on `host:port` (port 0: any free port) as the holder of `localStatic`.
    /// `authorize`, when given, is asked about each initiator's static key after message 1
    /// authenticated; a refused peer is closed before any transport record. At most `backlog`
    /// handshaken connections wait for the consumer; more are closed.
    public static func bind(
        host: String, port: Int, localStatic: X25519.PrivateKey,
        configuration: SecureTransportConfiguration = SecureTransportConfiguration(),
        replayGuard: ReplayGuard = ReplayGuard(), backlog: Int = 256,
        authorize: (@Sendable ([UInt8]) -> Bool)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SecureListener {
        let handshakes = HandshakeCount()
        let (connections, continuation) = AsyncStream.makeStream(of: SecureSocket.self, bufferingPolicy: .bufferingOldest(backlog))
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: SecureSocket.receiveAllocator)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    // Each handshake costs the responder four X25519 operations: bound how many run
                    // at once, so that a flood of connections cannot take every core.
                    guard handshakes.running.add(1, ordering: .relaxed).newValue <= configuration.maxConcurrentHandshakes else {
                        handshakes.running.subtract(1, ordering: .relaxed)
                        child.close(promise: nil)
                        return
                    }
                    let inbox = Inbox(highWatermark: configuration.receiveBufferMessages)
                    inbox.attach(child)
                    let outcome = child.eventLoop.makePromise(of: HandshakeOutcome.self)
                    let handshake = try ResponderHandshake(localStatic: localStatic, replayGuard: replayGuard)
                    try SecureSocket.addHandlers(
                        to: child, side: .responder(handshake, authorize: authorize), configuration: configuration, inbox: inbox, outcome: outcome)
                    outcome.futureResult.whenComplete { _ in handshakes.running.subtract(1, ordering: .relaxed) }
                    outcome.futureResult.whenSuccess { result in
                        let socket = SecureSocket(channel: child, inbox: inbox, outcome: result, configuration: configuration)
                        if case .enqueued = continuation.yield(socket) {} else { child.close(promise: nil) }
                    }
                }
            }
            .bind(host: host, port: port).get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return SecureListener(channel: channel, connections: connections, continuation: continuation, replayGuard: replayGuard)
    }

    /// Stops accepting; connections already accepted stay open.
    public func close() async {
        try? await channel.close().get()
        continuation.finish()
    }
}

/// Handshakes in progress on one listener.
private final class HandshakeCount: Sendable {
    let running = Atomic<Int>(0)
}
