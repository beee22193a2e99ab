import MegatorrentCrypto
import MegatorrentTorrent
import Synchronization

/// Re-puts the channel pointers a node holds (their sidecars) on a jittered timer: libtorrent never republishes an item,
/// and DHT nodes drop items after a while or leave, so a node that holds a channel re-puts its pointer about hourly
/// (docs/dht.md, "The sidecar"). No key is involved: the items are put as their authors signed them.
///
/// Holds its session weakly: a republisher never keeps its node alive, and stops by itself once the session is gone.
/// Bounded: at most ``capacity`` items, at most ``concurrency`` puts at once, each waiting at most ``putTimeout``; one
/// round at a time. Call ``stop()`` (and await it) before releasing the session where that must be immediate (a put in
/// flight holds the session until it ends).
public final class Republisher: Sendable {
    /// One put of a round.
    public struct Put: Sendable, Equatable {
        /// The item put.
        public let item: MutableItem
        /// How the put ended.
        public let outcome: Outcome
    }

    /// How one re-put ended.
    public enum Outcome: Sendable, Equatable {
        /// libtorrent finished the put; `successCount` nodes answered it (no proof of storage).
        case completed(successCount: Int)
        /// No end within ``putTimeout`` (or the republisher stopped).
        case timedOut
        /// The put could not start (the DHT not running, for example).
        case failed(String)
    }

    /// One round: every item held when it began, put once.
    public struct Round: Sendable, Equatable {
        /// 1 for the first round, and up.
        public let number: Int
        /// The puts, in no particular order.
        public let puts: [Put]
    }

    /// The mean time between rounds.
    public let interval: Duration
    /// Each wait is `interval` times a uniform factor in `1 - jitter ... 1 + jitter` (jitter in 0...0.5).
    public let jitter: Double
    /// How long a put may take.
    public let putTimeout: Duration
    /// Most items held at once.
    public let capacity: Int
    /// Most puts in flight at once.
    public let concurrency: Int

    private struct ItemKey: Hashable {
        let publicKey: [UInt8]
        let salt: [UInt8]
    }

    private struct State {
        weak var session: TorrentSession?
        var items: [ItemKey: MutableItem] = [:]
        var task: Task<Void, Never>?
        var rounds = 0
    }

    private let state: Mutex<State>
    private let onRound: (@Sendable (Round) -> Void)?

    /// A republisher putting through `session`'s DHT, not started. `interval` is at least 10 ms; `onRound` is called
    /// after each round (on the republisher's task: keep it short).
    public init(
        session: TorrentSession, interval: Duration = .seconds(3600), jitter: Double = 0.1,
        putTimeout: Duration = .seconds(60), capacity: Int = 4096, concurrency: Int = 8,
        onRound: (@Sendable (Round) -> Void)? = nil
    ) {
        self.interval = max(interval, .milliseconds(10))
        self.jitter = min(max(jitter, 0), 0.5)
        self.putTimeout = putTimeout
        self.capacity = max(capacity, 0)
        self.concurrency = max(concurrency, 1)
        self.onRound = onRound
        var initial = State()
        initial.session = session
        state = Mutex(initial)
    }

    deinit {
        state.withLock { $0.task?.cancel() }
    }

    /// Holds `item` for the next rounds. An item for the same key and salt is replaced only by a higher sequence (an
    /// equal one is kept as it was). Returns whether `item` is now held: `false` for a lower sequence, an equal one
    /// with another value, or a new key when ``capacity`` items are held.
    @discardableResult
    public func hold(_ item: MutableItem) -> Bool {
        let key = ItemKey(publicKey: item.publicKey.bytes, salt: item.salt)
        return state.withLock { state in
            if let held = state.items[key] {
                guard item.sequence >= held.sequence else { return false }
                if item.sequence == held.sequence { return held == item }
            } else if state.items.count >= capacity {
                return false
            }
            state.items[key] = item
            return true
        }
    }

    /// Stops re-putting the item of `publicKey` (and `salt`); returns whether one was held.
    @discardableResult
    public func release(_ publicKey: Ed25519.PublicKey, salt: [UInt8] = []) -> Bool {
        state.withLock { $0.items.removeValue(forKey: ItemKey(publicKey: publicKey.bytes, salt: salt)) != nil }
    }

    /// The items held.
    public var held: [MutableItem] {
        state.withLock { Array($0.items.values) }
    }

    /// Whether the timer was started and not stopped since (it also ends by itself once the session is gone).
    public var isRunning: Bool {
        state.withLock { $0.task != nil }
    }

    /// Starts the timer: the first round comes after one jittered interval. Does nothing when it runs already.
    public func start() {
        state.withLock { state in
            guard state.task == nil else { return }
            state.task = Task.detached { [weak self] in
                while !Task.isCancelled {
                    guard let delay = self?.nextDelay() else { return }
                    guard (try? await Task.sleep(for: delay)) != nil else { return }
                    guard let self, await self.runRound() != nil else { return }
                }
            }
        }
    }

    /// Stops the timer and waits until a round in progress has ended (its puts end at once as timed out).
    public func stop() async {
        let task = state.withLock { state in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
    }

    /// Runs one round now (beside the timer, which goes on); `nil` when the session is gone.
    @discardableResult
    public func republishNow() async -> Round? {
        await runRound()
    }

    /// The wait before the next round, for `unit` in 0..<1: `interval * (1 - jitter + 2 * jitter * unit)`.
    public static func delay(interval: Duration, jitter: Double, unit: Double) -> Duration {
        interval * (1 - jitter + 2 * jitter * min(max(unit, 0), 1))
    }

    private func nextDelay() -> Duration {
        Self.delay(interval: interval, jitter: jitter, unit: Double.random(in: 0..<1))
    }

    private func runRound() async -> Round? {
        let (session, items) = state.withLock { ($0.session, Array($0.items.values)) }
        guard let session else { return nil }
        let channel = DHTChannel(dht: session.dht)
        let timeout = putTimeout
        var puts: [Put] = []
        await withTaskGroup(of: Put.self) { group in
            var pending = items[...]
            func launch() {
                guard let item = pending.popFirst() else { return }
                group.addTask {
                    do {
                        switch try await channel.put(item, timeout: timeout) {
                        case let .completed(count): return Put(item: item, outcome: .completed(successCount: count))
                        case .timedOut: return Put(item: item, outcome: .timedOut)
                        }
                    } catch {
                        return Put(item: item, outcome: .failed("\(error)"))
                    }
                }
            }
            for _ in 0..<concurrency { launch() }
            for await put in group {
                puts.append(put)
                launch()
            }
        }
        let number = state.withLock { state in
            state.rounds += 1
            return state.rounds
        }
        let round = Round(number: number, puts: puts)
        onRound?(round)
        return round
    }
}
