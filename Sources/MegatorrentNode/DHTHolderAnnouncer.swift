import MegatorrentBlobs
import MegatorrentTorrent
import MegatorrentWire
import Synchronization

/// Keeps a node listed as a holder on the DHT (docs/blobs.md, "Finding holders through the DHT"): every held file is
/// announced (``DHTHolders/announce(_:port:staticKey:)``: the BEP 5 announce and the holders' item) at once and then
/// every ``interval`` (under the 30 minutes a DHT node keeps an announce), one file at a time; a file held later is
/// announced at once (``announce(_:)``).
public final class DHTHolderAnnouncer: Sendable {
    /// What one round came to.
    public struct Round: Sendable, Equatable {
        /// Files whose item put was answered by at least one node, out of `held`.
        public let announced: Int
        public let held: Int
        /// Why the last failing announce failed, if one did.
        public let failure: String?
    }

    /// The time between two rounds.
    public let interval: Duration
    private let holders: DHTHolders
    private let port: Int
    private let staticKey: [UInt8]
    private let held: @Sendable () -> [BlobID]
    private let onRound: @Sendable (Round) -> Void
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// An announcer of the files `held` returns (asked every round) through `holders`, for a node accepting the secure
    /// transport on `port` with the static public key `staticKey`; `onRound` hears each round.
    public init(
        holders: DHTHolders, port: Int, staticKey: [UInt8], interval: Duration = .seconds(15 * 60),
        held: @escaping @Sendable () -> [BlobID], onRound: @escaping @Sendable (Round) -> Void = { _ in }
    ) {
        self.holders = holders
        self.port = port
        self.staticKey = staticKey
        self.interval = interval
        self.held = held
        self.onRound = onRound
    }

    /// Starts the rounds, the first at once.
    public func start() {
        let loop = Task {
            while !Task.isCancelled {
                let descriptors = held()
                var done = 0
                var failure: String?
                for descriptor in descriptors {
                    if Task.isCancelled { return }
                    switch await announceOnce(descriptor) {
                    case .success(true): done += 1
                    case .success(false): failure = "no DHT node took the holders' item"
                    case let .failure(error): failure = "\(error)"
                    }
                }
                onRound(Round(announced: done, held: descriptors.count, failure: failure))
                guard (try? await Task.sleep(for: interval)) != nil else { return }
            }
        }
        tasks.withLock { $0.append(loop) }
    }

    /// Announces `descriptor` (a file just held) now.
    public func announce(_ descriptor: BlobID) {
        let task = Task { _ = await announceOnce(descriptor) }
        tasks.withLock { $0.append(task) }
    }

    /// Stops the rounds (the DHT forgets the announces by itself).
    public func stop() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// One announce; whether a node answered the item's put.
    private func announceOnce(_ descriptor: BlobID) async -> Result<Bool, any Error> {
        do {
            let put = try await holders.announce(descriptor, port: port, staticKey: staticKey)
            if case let .completed(count) = put { return .success(count > 0) }
            return .success(false)
        } catch {
            return .failure(error)
        }
    }
}
