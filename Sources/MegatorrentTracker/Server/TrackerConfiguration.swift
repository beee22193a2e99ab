import NIOCore

/// The limits and settings of a ``TrackerServer``. The defaults are those of docs/tracker.md.
public struct TrackerConfiguration: Sendable {
    /// Largest WebSocket message (one frame, or the fragments of one message together); a larger
    /// one closes the socket with close code 1009.
    public var maxFrameSize = TrackerCodec.maxMessageBytes
    /// Most open connections (WebSocket and HTTP); past it a request is answered 503 with code 103.
    public var maxConnections = 20_000
    /// Most subscriptions on one WebSocket; past it a subscribe is refused with code 102.
    public var maxSubscriptionsPerSocket = 256
    /// Publishes stored per channel key.
    public var publishesPerKey = RateLimit(perMinute: 30, burst: 10)
    /// Publishes received per source address.
    public var publishesPerAddress = RateLimit(perMinute: 120, burst: 20)
    /// A WebSocket that sends no frame for this long is closed (clients send pings).
    public var idleTimeout: TimeAmount = .seconds(300)
    /// An HTTP connection that sends nothing for this long, before any upgrade, is closed.
    public var httpIdleTimeout: TimeAmount = .seconds(30)
    /// Unsent bytes queued for one socket; past it the socket is closed (a slow reader).
    public var maxPendingBytes = 4 << 20
    /// Publishes waiting on one socket (they are handled one at a time, in order); past it a
    /// publish is refused with code 101.
    public var maxQueuedPublishesPerSocket = 16
    /// Publishes being verified or stored over the whole server; past it a publish is refused
    /// with code 103.
    public var maxPublishesInFlight = 1024
    /// Database lookups of held manifests waiting for one socket (one per subscribe of a key
    /// without subscribers); past it a subscribe is refused with code 103.
    public var maxLookupsPerSocket = 32
    /// Threads that verify manifests and write the database.
    public var workerThreads = 2
    /// Event loop threads; 0 means one per core.
    public var eventLoopThreads = 0
    /// With files here, every connection is TLS: `wss://` for the WebSocket, `https://` for
    /// announce, scrape, health and metrics. Nil (the default) serves plain `ws://` and `http://`.
    public var tls: TrackerTLSFiles?

    /// The `interval` of announce replies, in seconds.
    public var announceInterval = 1800
    /// The `min interval` of announce replies, in seconds.
    public var minAnnounceInterval = 900
    /// Peers in an announce reply when the request names no `numwant`.
    public var defaultPeersPerReply = 50
    /// Most peers in an announce reply.
    public var maxPeersPerReply = 200
    /// Most swarms (info hashes) tracked; an announce for a new one past it is refused.
    public var maxSwarms = 100_000
    /// Most peers in one swarm; a new peer past it is refused.
    public var maxPeersPerSwarm = 10_000
    /// Most info hashes in one scrape.
    public var maxScrapeHashes = 128

    /// The defaults.
    public init() {}

    /// How long a peer stays in a swarm without announcing: two intervals.
    public var peerLifetime: TimeAmount { .seconds(Int64(announceInterval) * 2) }
}

/// A token bucket's rate: `perMinute` tokens a minute, at most `burst` saved up.
public struct RateLimit: Sendable, Equatable {
    /// Tokens added per minute.
    public var perMinute: Double
    /// The bucket's size.
    public var burst: Double

    /// A rate limit.
    public init(perMinute: Double, burst: Double) {
        self.perMinute = perMinute
        self.burst = burst
    }
}

/// The PEM files of a TLS tracker: its certificate chain (leaf first) and the leaf's private key.
public struct TrackerTLSFiles: Sendable, Equatable {
    /// The certificate chain, PEM, the tracker's own certificate first.
    public var certificateChainFile: String
    /// The private key of that certificate, PEM (unencrypted).
    public var privateKeyFile: String

    /// TLS files.
    public init(certificateChainFile: String, privateKeyFile: String) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}
