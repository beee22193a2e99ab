import NIOCore

/// A SAM `STYLE=STREAM` session: an I2P destination this process holds while the control
/// connection stays open. Streams to and from it each use a connection of their own.
public final class SAMSession: Sendable {
    /// The bridge it lives on.
    public let bridge: SAMBridge
    /// The session id (`ID=`).
    public let id: String
    /// The session's private destination (as the bridge gave it back).
    public let privateDestination: I2PPrivateDestination
    private let control: any Channel

    init(bridge: SAMBridge, id: String, privateDestination: I2PPrivateDestination, control: any Channel) {
        self.bridge = bridge
        self.id = id
        self.privateDestination = privateDestination
        self.control = control
    }

    /// The public destination peers connect to.
    public var destination: I2PDestination { privateDestination.destination }

    /// `NAME.b32.i2p` of ``destination``.
    public var b32Address: String { destination.b32Address }

    /// Whether the control connection is still open.
    public var isOpen: Bool { control.isActive }

    /// Completes when the session ends (closed here or by the bridge).
    public var closed: EventLoopFuture<Void> { control.closeFuture }

    /// Retries of `STREAM CONNECT` and of a `.b32.i2p` lookup on transient results
    /// (`CANT_REACH_PEER`, `PEER_NOT_FOUND`, `KEY_NOT_FOUND`, `TIMEOUT`): a new LeaseSet needs some
    /// seconds to reach the floodfills. Delays double from `initialDelay` up to `maxDelay`, at most
    /// `attempts` tries in all.
    public struct Retry: Sendable {
        public var attempts: Int
        public var initialDelay: Duration
        public var maxDelay: Duration
        public init(attempts: Int = 6, initialDelay: Duration = .seconds(2), maxDelay: Duration = .seconds(20)) {
            self.attempts = attempts
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
        }
        /// One try.
        public static let none = Retry(attempts: 1)
    }

    /// Opens a stream to `peer` (a `.b32.i2p` name is looked up first). `install` runs on the event
    /// loop once `STREAM STATUS RESULT=OK` arrived, to add the application's handlers to the channel
    /// (already active); then the channel carries the stream's bytes. Throws the last ``SAMError``.
    public func connect(
        to peer: I2PPeerAddress, retry: Retry = Retry(), install: @escaping @Sendable (any Channel) throws -> Void
    ) async throws(SAMError) -> any Channel {
        let destination: I2PDestination
        switch peer {
        case let .destination(known): destination = known
        case let .b32(name): destination = try await retrying(retry) { () async throws(SAMError) in try await bridge.lookup(name) }
        }
        return try await retrying(retry) { () async throws(SAMError) in
            guard isOpen else { throw .sessionClosed }
            return try await bridge.exchange(
                .connect(sessionID: id, destination: destination), install: { channel, _ in try install(channel) }
            ).channel
        }
    }

    /// Waits for one peer (`STREAM ACCEPT`) and returns its channel and destination once it
    /// connected; `install` adds the application's handlers first. Call again for the next peer.
    /// `connecting` gets the waiting connection at once (closing it abandons the accept).
    public func accept(
        install: @escaping @Sendable (any Channel, I2PDestination) throws -> Void,
        connecting: (@Sendable (any Channel) -> Void)? = nil
    ) async throws(SAMError) -> (channel: any Channel, peer: I2PDestination) {
        guard isOpen else { throw .sessionClosed }
        let (channel, outcome) = try await bridge.exchange(
            .accept(sessionID: id), connected: connecting,
            install: { channel, outcome in
                if case let .streamAccepted(peer) = outcome { try install(channel, peer) }
            })
        guard case let .streamAccepted(peer) = outcome else {
            channel.close(promise: nil)
            throw .malformedReply("STREAM ACCEPT gave another outcome")
        }
        return (channel, peer)
    }

    /// Ends the session (closes its control connection): its destination disappears from I2P.
    public func close() async {
        try? await control.close()
    }

    private func retrying<T>(_ retry: Retry, _ body: () async throws(SAMError) -> T) async throws(SAMError) -> T {
        var delay = retry.initialDelay
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch where error.isTransient && attempt < retry.attempts {
                attempt += 1
                do { try await Task.sleep(for: delay) } catch { throw SAMError.timedOut(step: "retry (cancelled)") }
                delay = min(delay * 2, retry.maxDelay)
            }
        }
    }
}
