import Foundation
import MegatorrentCrypto
import MegatorrentDHT
import MegatorrentEngine
import MegatorrentManifest
import MegatorrentTorrent
import Synchronization

/// The DHT as a source of the subscription engine, and as the place a node keeps its channels reachable
/// (docs/dht.md, "A node's duties"):
///
/// - every followed channel is resolved on start, then every ``Configuration/resolveInterval`` (jittered), and on
///   demand with ``resolve(_:)``; what resolves is offered to the engine as coming from ``ManifestSource/dht``;
/// - an accepted manifest's sidecar (the author's signature of its pointer) is kept in the state database, its torrent
///   seeded, and its pointer re-put by a ``Republisher``;
/// - on start, every manifest held with a sidecar is seeded and re-put again, so a restarted node serves what it
///   served before;
/// - ``publish(_:with:)`` publishes the author's own manifest the same way.
public final class DHTService: Sendable {
    /// Timing of the service's duties.
    public struct Configuration: Sendable, Equatable {
        /// The mean time between two resolutions of every followed channel.
        public var resolveInterval: Duration = .seconds(600)
        /// Each wait is the interval times a uniform factor in `1 - jitter ... 1 + jitter` (0...0.5).
        public var jitter: Double = 0.2
        /// How long one resolution may take (lookup, fetch, checks).
        public var resolveTimeout: Duration = .seconds(60)
        /// The mean time between two re-puts of every held pointer (libtorrent never republishes; items expire).
        public var republishInterval: Duration = .seconds(3600)

        /// The defaults: resolve every 10 minutes, re-put hourly, 20 % jitter.
        public init() {}
    }

    /// What one resolution of a channel came to, for the caller's log (the engine reports accepted manifests itself).
    public struct Resolution: Sendable, Equatable {
        /// The channel.
        public let channel: Ed25519.PublicKey
        /// How the resolver ended.
        public let outcome: ChannelResolver.Outcome
        /// What the engine made of a resolved manifest; `nil` unless one was resolved.
        public let offer: OfferOutcome?
    }

    /// The session that looks up, fetches, seeds and puts.
    public let session: TorrentSession
    /// The engine every resolved manifest goes to.
    public let engine: SubscriptionEngine
    /// Where manifest torrents are kept (a ``ChannelStore``).
    public let storeFolder: String
    /// Timing.
    public let configuration: Configuration

    private let republisher: Republisher
    private let onResolution: (@Sendable (Resolution) -> Void)?
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// A service over `session` (its DHT must run) and `engine`, keeping manifest torrents in `storeFolder`; not
    /// started. `onResolution` hears of every resolution (on the service's tasks: keep it short).
    public init(
        session: TorrentSession, engine: SubscriptionEngine, storeFolder: String, configuration: Configuration = Configuration(),
        onResolution: (@Sendable (Resolution) -> Void)? = nil
    ) {
        self.session = session
        self.engine = engine
        self.storeFolder = storeFolder
        self.configuration = configuration
        self.onResolution = onResolution
        republisher = Republisher(session: session, interval: configuration.republishInterval, jitter: configuration.jitter)
    }

    deinit {
        loop.withLock { $0?.cancel() }
    }

    /// Seeds and re-puts every manifest held with a sidecar, starts the republisher, and starts the resolve loop
    /// (its first round at once). Does nothing when started already.
    public func start() async {
        let started = loop.withLock { task -> Bool in
            guard task == nil else { return false }
            task = Task.detached { [weak self] in await self?.resolveLoop() }
            return true
        }
        guard started else { return }
        await restoreHeldChannels()
        republisher.start()
    }

    /// Stops the loop and the republisher, waiting for a round in progress to end.
    public func stop() async {
        let task = loop.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await republisher.stop()
    }

    /// Resolves `channel` now (within `timeout`, else the configured one) and offers what it finds to the engine
    /// (skipping pointers not above the sequence held). Throws ``TorrentError`` when the DHT does not run, and state
    /// errors.
    @discardableResult
    public func resolve(_ channel: Ed25519.PublicKey, timeout: Duration? = nil) async throws -> Resolution {
        let held = try await engine.latest(channel)?.sequence
        let outcome = try await ChannelResolver(session: session).resolve(
            channel, storeFolder: storeFolder, timeout: timeout ?? configuration.resolveTimeout, newerThan: held)
        var offer: OfferOutcome?
        if case let .resolved(manifest, sidecar) = outcome {
            offer = try await engine.offer(manifest, from: .dht)
            if offer == .updated || offer == .duplicate { try await keep(manifest, sidecar: sidecar) }
        }
        let resolution = Resolution(channel: channel, outcome: outcome, offer: offer)
        onResolution?(resolution)
        return resolution
    }

    /// Publishes the author's `manifest` with its channel `key`: seeds its torrent, puts the pointer, keeps the sidecar
    /// in the state database and re-puts it on the timer while the service runs. Throws
    /// ``ChannelPublisher/Failure``, ``TorrentError`` and state errors.
    @discardableResult
    public func publish(_ manifest: SignedManifest, with key: Ed25519.PrivateKey) async throws -> ChannelPublisher.Publication {
        let publication = try await ChannelPublisher(session: session).publish(manifest, with: key, storeFolder: storeFolder)
        try await keep(manifest, sidecar: publication.sidecar)
        return publication
    }

    /// The pointers re-put on the timer.
    public var heldPointers: [MutableItem] { republisher.held }

    private func keep(_ manifest: SignedManifest, sidecar: MutableItem) async throws {
        try await engine.keepSidecar(sidecar.signature, for: manifest)
        republisher.hold(sidecar)
    }

    /// Every manifest held with a sidecar: seeded again and its pointer held for re-putting (errors skip one channel).
    private func restoreHeldChannels() async {
        guard let records = try? await engine.heldRecords() else { return }
        for record in records {
            guard let signature = record.itemSignature,
                let sidecar = try? MutableItem(pointerTo: record.manifest, signature: signature)
            else { continue }
            _ = try? await ChannelPublisher(session: session).seed(record.manifest, storeFolder: storeFolder)
            republisher.hold(sidecar)
        }
    }

    private func resolveLoop() async {
        while !Task.isCancelled {
            let channels = ((try? await engine.followed()) ?? []).compactMap { try? ChannelAddress.parse($0) }
            for channel in channels {
                guard !Task.isCancelled else { return }
                _ = try? await resolve(channel)
            }
            let delay = Republisher.delay(
                interval: configuration.resolveInterval, jitter: configuration.jitter, unit: Double.random(in: 0..<1))
            guard (try? await Task.sleep(for: delay)) != nil else { return }
        }
    }
}
