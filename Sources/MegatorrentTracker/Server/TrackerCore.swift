import Logging
import MegatorrentManifest
import MegatorrentState
import NIOCore
import NIOPosix
import Synchronization

/// What every connection of one server shares: configuration, the subscription registry, the
/// publisher and its worker threads, the swarms, the limits and the metrics.
final class TrackerCore: Sendable {
    let configuration: TrackerConfiguration
    let logger: Logger
    let registry: SubscriptionRegistry
    let metrics = TrackerMetrics()
    let connections: ConnectionTable
    let swarms: SwarmTable
    let addressLimiter: RateLimiter
    let publisher: ManifestPublisher
    let clock: @Sendable () -> NIODeadline
    private let workers: NIOThreadPool
    private let inFlight = Atomic<Int>(0)
    private let accepting = Atomic<Bool>(true)

    init(
        configuration: TrackerConfiguration, store: ManifestStore, workers: NIOThreadPool, logger: Logger,
        clock: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() },
        onStored: @escaping @Sendable (SignedManifest) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.workers = workers
        self.clock = clock
        registry = SubscriptionRegistry(metrics: metrics)
        connections = ConnectionTable(limit: configuration.maxConnections)
        swarms = SwarmTable(configuration: configuration)
        addressLimiter = RateLimiter(limit: configuration.publishesPerAddress)
        publisher = ManifestPublisher(
            store: store, keyLimit: configuration.publishesPerKey, clock: clock, logger: logger, onStored: onStored)
    }

    /// False once shutdown began: `/health` answers 503 and no WebSocket upgrade is taken.
    var isAccepting: Bool { accepting.load(ordering: .relaxed) }

    /// Starts refusing new work.
    func stopAccepting() { accepting.store(false, ordering: .relaxed) }

    /// Verifies and commits a manifest on a worker thread; the future completes on `loop`.
    func publish(_ bytes: [UInt8], on loop: any EventLoop) -> EventLoopFuture<PublishOutcome> {
        let busy = PublishOutcome.refused(
            TrackerFailure(
                code: TrackerFailureCode.serverBusy, reason: "server busy: too many publishes in progress",
                action: "publish"))
        guard inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= configuration.maxPublishesInFlight else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            return loop.makeSucceededFuture(busy)
        }
        let publisher = self.publisher
        return workers.runIfActive(eventLoop: loop) { publisher.publish(bytes) }
            .recover { _ in busy }
            .always { [self] _ in inFlight.wrappingSubtract(1, ordering: .relaxed) }
    }

    /// Reads the held manifest of `key` on a worker thread; the future completes on `loop`.
    func loadHeld(_ key: String, on loop: any EventLoop) -> EventLoopFuture<SubscriptionRegistry.Held?> {
        let publisher = self.publisher
        let registry = self.registry
        return workers.runIfActive(eventLoop: loop) { () -> SubscriptionRegistry.Held? in
            guard let held = publisher.held(key) else { return nil }
            registry.offer(key, held)
            return held
        }.recover { _ in nil }
    }

    /// Reads the newest manifest of `key` on a worker thread; the future completes on `loop`.
    func loadManifest(_ key: String, on loop: any EventLoop) -> EventLoopFuture<SignedManifest?> {
        let publisher = self.publisher
        return workers.runIfActive(eventLoop: loop) { publisher.latestManifest(key) }.recover { _ in nil }
    }

    /// The gauges `/metrics` shows.
    var gauges: TrackerMetrics.Gauges {
        let (subscriptions, channels) = registry.counts
        let (swarmCount, peerCount) = swarms.counts
        return TrackerMetrics.Gauges(
            connections: connections.count, subscriptions: subscriptions, subscribedChannels: channels,
            swarms: swarmCount, peers: peerCount)
    }
}

/// Sent through every pipeline when the server shuts down: sockets close (WebSocket close 1001).
struct TrackerShutdownEvent: Sendable {}
