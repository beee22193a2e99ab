import MegatorrentBlobs
import MegatorrentTracker
import MegatorrentWire
import Synchronization

/// Keeps a node listed as a holder of the files it holds (docs/blobs.md, "Finding holders through trackers"): for
/// every tracker, every held file is announced on its holders' info-hash as a seed (`left=0`) with the node's
/// peer-listen `port` and its static key as `mtkey` — `started` the first time, then again every interval the tracker
/// gives (clamped to ``Configuration``'s bounds), one request at a time per tracker. A file held later is announced at
/// once (``announce(_:)``). ``stop()`` sends `stopped` for what was announced, within a few seconds.
public final class HolderAnnouncer: Sendable {
    /// Bounds of the re-announce interval.
    public struct Configuration: Sendable, Equatable {
        /// The least time between two rounds, whatever the tracker says.
        public var minimumInterval: Duration = .seconds(60)
        /// The most time between two rounds (also used when no tracker answered).
        public var maximumInterval: Duration = .seconds(1800)
        /// How long ``stop()`` may spend on `stopped` announces.
        public var stopBudget: Duration = .seconds(3)

        /// The defaults: every 1 to 30 minutes, as the tracker says.
        public init() {}
    }

    /// What one round of announces to one tracker came to.
    public struct Round: Sendable, Equatable {
        /// The tracker.
        public let tracker: String
        /// Files announced, out of `held`.
        public let announced: Int
        public let held: Int
        /// Why the last failing announce failed, if one did.
        public let failure: String?
    }

    private let trackers: [AnnounceURL]
    private let client: AnnounceClient
    private let port: UInt16
    private let staticKey: [UInt8]
    private let peerID = HolderPeerID.make()
    private let held: @Sendable () -> [BlobID]
    private let onRound: @Sendable (Round) -> Void
    private let configuration: Configuration
    /// Per tracker, the files it has been told about (`started` sent).
    private let announced: Mutex<[Set<BlobID>]>
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// An announcer to `trackers` through `client` of the files `held` returns (asked at every round), for a node
    /// accepting the secure transport on `port` with the static public key `staticKey`; `onRound` hears each round.
    public init(
        trackers: [AnnounceURL], client: AnnounceClient, port: UInt16, staticKey: [UInt8],
        configuration: Configuration = Configuration(), held: @escaping @Sendable () -> [BlobID],
        onRound: @escaping @Sendable (Round) -> Void = { _ in }
    ) {
        self.trackers = trackers
        self.client = client
        self.port = port
        self.staticKey = staticKey
        self.configuration = configuration
        self.held = held
        self.onRound = onRound
        self.announced = Mutex(Array(repeating: [], count: trackers.count))
    }

    /// Starts the rounds: the first at once, on every tracker.
    public func start() {
        let loops = trackers.indices.map { number in Task { await self.run(tracker: number) } }
        tasks.withLock { $0 += loops }
    }

    /// Announces `descriptor` (a file just held) to every tracker now, without waiting for the next round.
    public func announce(_ descriptor: BlobID) {
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for number in trackers.indices {
                    group.addTask { _ = await self.announce(descriptor, tracker: number) }
                }
            }
        }
        tasks.withLock { $0.append(task) }
    }

    /// Stops the rounds and tells every tracker that this node leaves the swarms it joined (best effort, bounded).
    public func stop() async {
        for task in tasks.withLock({ $0 }) { task.cancel() }
        let joined = announced.withLock { $0 }
        let budget = configuration.stopBudget
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskGroup(of: Void.self) { leaving in
                    for (number, descriptors) in joined.enumerated() {
                        leaving.addTask {
                            for descriptor in descriptors {
                                _ = try? await self.client.announce(self.query(descriptor, event: .stopped), to: self.trackers[number])
                            }
                        }
                    }
                }
            }
            group.addTask { try? await Task.sleep(for: budget) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Rounds on tracker `number` until cancelled.
    private func run(tracker number: Int) async {
        while !Task.isCancelled {
            let descriptors = held()
            var done = 0
            var failure: String?
            var interval: Duration?
            for descriptor in descriptors {
                if Task.isCancelled { return }
                switch await announce(descriptor, tracker: number) {
                case let .success(seconds):
                    done += 1
                    interval = .seconds(seconds)
                case let .failure(error):
                    failure = error.description
                }
            }
            onRound(Round(tracker: trackers[number].description, announced: done, held: descriptors.count, failure: failure))
            let wait = min(max(interval ?? configuration.maximumInterval, configuration.minimumInterval), configuration.maximumInterval)
            guard (try? await Task.sleep(for: wait)) != nil else { return }
        }
    }

    /// One announce of `descriptor` to tracker `number`; its interval in seconds.
    private func announce(_ descriptor: BlobID, tracker number: Int) async -> Result<Int, AnnounceError> {
        let first = !announced.withLock { $0[number].contains(descriptor) }
        do {
            let reply = try await client.announce(query(descriptor, event: first ? .started : .none), to: trackers[number])
            _ = announced.withLock { $0[number].insert(descriptor) }
            return .success(reply.interval)
        } catch {
            return .failure(error)
        }
    }

    private func query(_ descriptor: BlobID, event: AnnounceQuery.Event) -> AnnounceQuery {
        // A seed wants no peers: numwant=0 keeps the reply small.
        AnnounceQuery(
            infoHash: BlobHolders.infoHash(of: descriptor), peerID: peerID, port: port, left: 0, event: event, numwant: 0,
            compact: true, staticKey: staticKey)
    }
}
