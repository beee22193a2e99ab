import Synchronization

/// The responder's memory of the last initiation timestamp per initiator static key: an
/// initiation whose timestamp is not newer than the last accepted one from the same key is a
/// replay and is refused (as WireGuard does).
///
/// Bounded: at most `capacity` keys are remembered; when full, the key accepted longest ago is
/// forgotten. A forgotten key's old initiation could be replayed once, which gains an attacker
/// nothing: it cannot complete the handshake without the initiator's ephemeral private key, and
/// no handshake payload acts before the handshake completes. Safe to share between connections.
public final class ReplayGuard: Sendable {
    private struct Entry {
        var timestamp: TAI64NTimestamp
        var acceptedAt: UInt64
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        var clock: UInt64 = 0
        /// Keys in the order they were accepted (a key accepted again appears again; stale
        /// positions are skipped when evicting), consumed from `head`: eviction is amortised O(1).
        var order: [(key: [UInt8], acceptedAt: UInt64)] = []
        var head = 0

        mutating func evictOldest() {
            while head < order.count {
                let (key, acceptedAt) = order[head]
                head += 1
                if entries[key]?.acceptedAt == acceptedAt {
                    entries[key] = nil
                    break
                }
            }
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }

        /// Drops stale positions once they outnumber live entries (keys accepted many times).
        mutating func compactIfNeeded() {
            guard order.count - head > 2 * entries.count + 1024 else { return }
            order = entries.map { (key: $0.key, acceptedAt: $0.value.acceptedAt) }.sorted { $0.acceptedAt < $1.acceptedAt }
            head = 0
        }
    }

    /// The most keys remembered.
    public let capacity: Int
    private let state = Mutex(State())

    /// A guard remembering at most `capacity` initiator keys.
    public init(capacity: Int = 65_536) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Accepts `timestamp` from `initiatorStatic` when it is newer than the last one accepted from
    /// that key (and remembers it); otherwise throws `.replayedInitiation`.
    public func accept(_ timestamp: TAI64NTimestamp, from initiatorStatic: [UInt8]) throws(NoiseError) {
        let accepted = state.withLock { state -> Bool in
            if let last = state.entries[initiatorStatic], timestamp <= last.timestamp { return false }
            state.clock += 1
            if state.entries[initiatorStatic] == nil, state.entries.count >= capacity { state.evictOldest() }
            state.entries[initiatorStatic] = Entry(timestamp: timestamp, acceptedAt: state.clock)
            state.order.append((initiatorStatic, state.clock))
            state.compactIfNeeded()
            return true
        }
        guard accepted else { throw .replayedInitiation }
    }

    /// How many keys are remembered now.
    public var count: Int { state.withLock { $0.entries.count } }
}
