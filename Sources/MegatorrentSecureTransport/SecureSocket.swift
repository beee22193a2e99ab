import MegatorrentCrypto
import MegatorrentI2P
import MegatorrentNoise
import MegatorrentProxy
import NIOCore
import NIOPosix
import Synchronization

/// A connection secured by Megatorrent's Noise IK handshake (docs/transport.md): messages are
/// opaque byte strings, delivered whole and in order, in fixed-size encrypted records.
///
/// ```
/// let socket = try await SecureSocket.connect(host: "127.0.0.1", port: 6881, localStatic: me, remoteStatic: peer)
/// try await socket.send(Array("hello".utf8))
/// while let message = try await socket.receive() { … }
/// ```
/// `send` may be called from several tasks; `receive` (or iterating `messages`) from one at a time.
public final class SecureSocket: Sendable {
    /// The peer's static X25519 public key, authenticated by the handshake.
    public let remoteStatic: [UInt8]
    /// The handshake hash (the same on both sides): binds signatures to this session.
    public let handshakeHash: [UInt8]
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// This side's address.
    public let localAddress: SocketAddress?
    /// The limits in force.
    public let configuration: SecureTransportConfiguration
    /// The peer's I2P destination when the connection is an I2P stream (then ``remoteAddress`` is
    /// the SAM bridge's); nil over TCP.
    public let i2pPeer: I2PDestination?

    private let channel: any Channel
    private let inbox: Inbox
    /// Bytes given to `send` and not yet written to the network.
    private let unsent = Atomic<Int>(0)

    init(
        channel: any Channel, inbox: Inbox, outcome: HandshakeOutcome, configuration: SecureTransportConfiguration,
        i2pPeer: I2PDestination? = nil
    ) {
        self.i2pPeer = i2pPeer
        self.channel = channel
        self.inbox = inbox
        self.remoteStatic = outcome.remoteStatic
        self.handshakeHash = outcome.handshakeHash
        self.remoteAddress = channel.remoteAddress
        self.localAddress = channel.localAddress
        self.configuration = configuration
    }

    /// Connects to `host:port`, runs the handshake as initiator expecting the responder to hold
    /// `remoteStatic`, and returns the socket once the handshake finished. Throws
    /// `SecureTransportError` (`.handshakeFailed(.decryptionFailed)` when the peer holds another
    /// key or speaks another version; `.handshakeTimeout`; `.connectionFailed`; `.proxyFailed`).
    ///
    /// With `proxy`, the TCP connection goes through that SOCKS5 proxy: `host` is sent to it as is
    /// (a name is resolved by the proxy, never here), and the handshake starts once the tunnel is open.
    /// `configuration.handshakeTimeout` then bounds the proxy connect, the SOCKS5 exchange and the
    /// handshake, each on its own.
    public static func connect(
        host: String, port: Int, localStatic: X25519.PrivateKey, remoteStatic: [UInt8],
        configuration: SecureTransportConfiguration = SecureTransportConfiguration(),
        proxy: ProxyConfiguration? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> SecureSocket {
        let handshake: InitiatorHandshake
        do { handshake = try InitiatorHandshake(localStatic: localStatic, remoteStatic: remoteStatic) } catch {
            throw SecureTransportError.handshakeFailed(error)
        }
        let sendableHandshake = UnsafeTransfer(handshake)
        let eventLoop = group.next()
        let outcome = eventLoop.makePromise(of: HandshakeOutcome.self)
        let inbox = Inbox(highWatermark: configuration.receiveBufferMessages)
        let install: @Sendable (any Channel) throws -> Void = { channel in
            try addHandlers(
                to: channel, side: .initiator(sendableHandshake.value, remoteStatic: remoteStatic), configuration: configuration,
                inbox: inbox, outcome: outcome)
        }
        let channel: any Channel
        do {
            if let proxy {
                channel = try await SOCKS5Connector.connect(
                    through: proxy, to: host, port: port, timeout: configuration.handshakeTimeout, group: eventLoop,
                    install: install)
            } else {
                channel = try await ClientBootstrap(group: eventLoop)
                    .connectTimeout(configuration.handshakeTimeout)
                    .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                    .channelOption(ChannelOptions.recvAllocator, value: receiveAllocator)
                    .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try install(channel) } }
                    .connect(host: host, port: port).get()
            }
        } catch {
            outcome.fail(SecureTransportError.from(error))
            throw SecureTransportError.from(error)
        }
        inbox.attach(channel)
        do {
            let result = try await outcome.futureResult.get()
            return SecureSocket(channel: channel, inbox: inbox, outcome: result, configuration: configuration)
        } catch {
            channel.close(promise: nil)
            throw SecureTransportError.from(error)
        }
    }

    /// Reads of up to 256 KiB (NIO's default stops at 64 KiB): fewer system calls and event-loop
    /// turns per megabyte of records.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 65_536, maximum: 262_144)

    /// The frame decoder and handshake handler; after the handshake, the record handler and the
    /// inbox (and an idle-timeout handler when configured).
    static func addHandlers(
        to channel: any Channel, side: HandshakeHandler.Side, configuration: SecureTransportConfiguration, inbox: Inbox,
        outcome: EventLoopPromise<HandshakeOutcome>
    ) throws {
        let handshake = HandshakeHandler(side: side, configuration: configuration, outcome: outcome) { context, records in
            var handlers: [any ChannelHandler] = []
            if let idle = configuration.idleTimeout { handlers.append(IdleStateHandler(readTimeout: idle)) }
            handlers += [RecordHandler(records: records), InboxHandler(inbox: inbox)]
            try context.pipeline.syncOperations.addHandlers(handlers, position: .after(context.handler))
        }
        try channel.pipeline.syncOperations.addHandlers([NoiseFrameDecoder(), handshake])
    }

    /// Sends one message (at most `configuration.maxMessageSize` bytes). Returns once it is
    /// queued, while less than `configuration.sendBufferBytes` wait to be written; otherwise once
    /// it is written to the network. Messages from one task go out in order, each whole. A write
    /// that fails closes the connection, and the next `send` or `receive` throws why.
    public func send(_ bytes: [UInt8]) async throws {
        guard bytes.count <= configuration.maxMessageSize else { throw SecureTransportError.messageTooLarge(bytes.count) }
        if let error = inbox.terminalError { throw error }
        let before = unsent.add(bytes.count, ordering: .relaxed).oldValue
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(SecureOutbound.message(bytes), promise: promise)
        let written = promise.futureResult
        written.whenComplete { _ in self.unsent.subtract(bytes.count, ordering: .relaxed) }
        guard before + bytes.count > configuration.sendBufferBytes else { return }
        do {
            try await written.get()
        } catch {
            throw inbox.terminalError ?? SecureTransportError.from(error)
        }
    }

    /// The next message; nil once the peer closed cleanly (its close record). Throws the error
    /// that ended the connection (`.truncated` when TCP ended without a close record).
    public func receive() async throws -> [UInt8]? {
        try await inbox.receive()
    }

    /// Asks both sides to change their keys for this direction now (a rekey record); records also
    /// rekey by themselves every 2^20.
    public func rekey() async throws {
        try await channel.writeAndFlush(SecureOutbound.rekey).get()
    }

    /// Sends the close record and closes the connection. Later `send`/`receive` throw `.closed`.
    public func close() async {
        inbox.finish(.closed)
        try? await channel.writeAndFlush(SecureOutbound.close).get()
        try? await channel.closeFuture.get()
    }

    /// The received messages, until the peer closes.
    public var messages: Messages { Messages(socket: self) }

    /// Received messages as an `AsyncSequence` (one iterator at a time).
    public struct Messages: AsyncSequence, Sendable {
        let socket: SecureSocket

        /// An iterator calling `receive()`.
        public func makeAsyncIterator() -> Iterator { Iterator(socket: socket) }

        /// Calls `receive()`.
        public struct Iterator: AsyncIteratorProtocol {
            let socket: SecureSocket
            /// The next message, nil at the end.
            public mutating func next() async throws -> [UInt8]? { try await socket.receive() }
        }
    }
}

/// Moves a value that is only used on one event loop into a `@Sendable` closure that runs there.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
