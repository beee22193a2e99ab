import Logging
import MegatorrentManifest
import NIOCore
import NIOPosix

/// A client of the tracker's WebSocket endpoint: publishes manifests and subscribes to channels.
///
///     let client = TrackerClient(endpoint: TrackerEndpoint(host: "127.0.0.1", port: 8080))
///     let receipt = try await client.publish(manifest)
///     for await manifest in try client.subscribe(to: key) { … }
///     await client.close()
///
/// It connects at once and keeps reconnecting (bounded, jittered exponential backoff),
/// subscribing again after each reconnect. Every manifest received is verified here, and a
/// stream never yields one older than or equal to one it already yielded. Built for several
/// trackers at once: the subscription feed is shared by one connection per tracker (one for now).
public final class TrackerClient: Sendable {
    private let feed: SubscriptionFeed
    private let connections: [TrackerConnection]

    /// A client of the tracker at `endpoint`; it starts connecting at once.
    public init(
        endpoint: TrackerEndpoint, configuration: TrackerClientConfiguration = TrackerClientConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "megatorrent.tracker-client")
    ) {
        feed = SubscriptionFeed(bufferSize: configuration.streamBufferSize)
        connections = [
            TrackerConnection(
                endpoint: endpoint, configuration: configuration, group: eventLoopGroup, feed: feed, logger: logger)
        ]
        for connection in connections { connection.start() }
    }

    /// Sends `manifest` and returns once the tracker has stored it, or throws its refusal
    /// (``TrackerClientError/refused(_:)`` with the code of docs/tracker.md), a timeout, or a lost
    /// connection (the manifest may or may not be stored then: publishing again is safe and answers
    /// code 17 if it was).
    public func publish(_ manifest: SignedManifest) async throws(TrackerClientError) -> PublishReceipt {
        try await connections[0].publish(manifest).get()
    }

    /// The manifests of channel `key` (a channel id or `magnet:?xs=urn:btpk:` link), verified,
    /// each newer than the one before, starting with the one the tracker holds. With `after`, only
    /// manifests with a higher sequence (pass the last one accepted before). Ending the iteration
    /// ends the subscription.
    public func subscribe(to key: String, after: UInt64? = nil) throws(TrackerClientError) -> AsyncStream<
        SignedManifest
    > {
        guard let key = ChannelID.normalize(key) else { throw .invalidKey(key) }
        let feed = self.feed
        let connections = self.connections
        let (stream, _, isNewKey) = feed.add(key: key, after: after) { key, id in
            if feed.remove(key: key, id: id) {
                for connection in connections { connection.send(.unsubscribe(key: key)) }
            }
        }
        if isNewKey {
            for connection in connections { connection.send(.subscribe(key: key)) }
        }
        return stream
    }

    /// Returns once a WebSocket to the tracker is open, or throws after `timeout`.
    public func waitUntilConnected(timeout: TimeAmount) async throws(TrackerClientError) {
        _ = try await connections[0].waitForChannel(until: .now() + timeout).get()
    }

    /// Whether a WebSocket to the tracker is open now.
    public var isConnected: Bool { connections.contains { $0.isConnected } }

    /// Why the last attempt to connect failed (a SOCKS5 refusal with its reply code, a refused TCP
    /// connect, …); nil while connected or before the first failure.
    public var lastConnectionError: String? { connections.lazy.compactMap(\.lastConnectionError).first }

    /// How many times a WebSocket to the tracker was opened (1 until a reconnect).
    public var connectionCount: Int { connections.reduce(0) { $0 + $1.connectionCount } }

    /// Closes the connections and ends every subscription stream.
    public func close() async {
        for connection in connections { await connection.close() }
        feed.finishAll()
    }
}
