import MegatorrentCrypto
import MegatorrentI2P
import MegatorrentNoise
import NIOCore
import Synchronization

/// Accepts secure connections on an I2P destination: a loop of SAM `STREAM ACCEPT`s on `session`
/// (each accept connection takes one peer; the next accept starts as soon as a peer arrived), each
/// stream running the handshake as responder exactly as ``SecureListener`` does (one shared
/// `ReplayGuard`, `authorize`, the concurrent-handshake bound). Only handshaken connections appear
/// in `connections`, with ``SecureSocket/i2pPeer`` set.
public final class SecureI2PListener: Sendable {
    /// The session accepted on; its `b32Address` is this listener's address.
    public let session: SAMSession
    /// Accepted, handshaken connections. One consumer.
    public let connections: AsyncStream<SecureSocket>
    /// The replay guard shared by every connection of this listener.
    public let replayGuard: ReplayGuard

    private let continuation: AsyncStream<SecureSocket>.Continuation
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let pending = Mutex<(any Channel)?>(nil)
    private let running = Atomic<Int>(0)

    private init(session: SAMSession, replayGuard: ReplayGuard, backlog: Int) {
        self.session = session
        self.replayGuard = replayGuard
        let (stream, continuation) = AsyncStream.makeStream(of: SecureSocket.self, bufferingPolicy: .bufferingOldest(backlog))
        self.connections = stream
        self.continuation = continuation
    }

    /// Starts accepting on `session` as the holder of `localStatic`. Failed accepts (other than a closed
    /// session) are retried after `retryDelay`; the listener ends when the session does or on `close()`.
    public static func start(
        session: SAMSession, localStatic: X25519.PrivateKey,
        configuration: SecureTransportConfiguration = SecureTransportConfiguration(),
        replayGuard: ReplayGuard = ReplayGuard(), backlog: Int = 256,
        authorize: (@Sendable ([UInt8]) -> Bool)? = nil, retryDelay: Duration = .seconds(1)
    ) -> SecureI2PListener {
        let listener = SecureI2PListener(session: session, replayGuard: replayGuard, backlog: backlog)
        let task = Task { [listener] in
            while !Task.isCancelled, session.isOpen {
                do {
                    _ = try await session.accept(
                        install: { channel, peer in
                            try listener.respond(
                                on: channel, peer: peer, localStatic: localStatic, configuration: configuration, authorize: authorize)
                        }, connecting: { channel in listener.pending.withLock { $0 = channel } })
                } catch SAMError.sessionClosed {
                    break
                } catch {
                    guard (try? await Task.sleep(for: retryDelay)) != nil else { break }
                }
            }
            listener.continuation.finish()
        }
        listener.loop.withLock { $0 = task }
        return listener
    }

    /// Stops accepting (the session stays open; connections already accepted stay open).
    public func close() async {
        let task = loop.withLock { $0 }
        task?.cancel()
        pending.withLock { $0 }?.close(promise: nil)
        await task?.value
        continuation.finish()
    }

    /// Installs the responder on an accepted stream (on its event loop).
    private func respond(
        on channel: any Channel, peer: I2PDestination, localStatic: X25519.PrivateKey,
        configuration: SecureTransportConfiguration, authorize: (@Sendable ([UInt8]) -> Bool)?
    ) throws {
        guard running.add(1, ordering: .relaxed).newValue <= configuration.maxConcurrentHandshakes else {
            running.subtract(1, ordering: .relaxed)
            channel.close(promise: nil)
            return
        }
        let inbox = Inbox(highWatermark: configuration.receiveBufferMessages)
        inbox.attach(channel)
        let outcome = channel.eventLoop.makePromise(of: HandshakeOutcome.self)
        let handshake = try ResponderHandshake(localStatic: localStatic, replayGuard: replayGuard)
        try SecureSocket.addHandlers(
            to: channel, side: .responder(handshake, authorize: authorize), configuration: configuration, inbox: inbox, outcome: outcome)
        outcome.futureResult.whenComplete { _ in self.running.subtract(1, ordering: .relaxed) }
        outcome.futureResult.whenSuccess { result in
            let socket = SecureSocket(channel: channel, inbox: inbox, outcome: result, configuration: configuration, i2pPeer: peer)
            if case .enqueued = self.continuation.yield(socket) {} else { channel.close(promise: nil) }
        }
    }
}
