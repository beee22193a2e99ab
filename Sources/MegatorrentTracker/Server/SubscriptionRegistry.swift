import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Who subscribes to which channel key, shared by every event loop, and the newest manifest
/// message known for each subscribed key.
///
/// A broadcast encodes nothing: the one WebSocket frame made after the commit is written to every
/// subscriber (a copy per event loop), with one task per event loop rather than one per subscriber.
/// Entries exist only while a key has subscribers, so the held messages kept in memory are those of
/// subscribed keys.
final class SubscriptionRegistry: Sendable {
    /// A manifest message ready to write, with its sequence.
    struct Held: Sendable {
        /// The manifest's sequence.
        let sequence: UInt64
        /// The encoded `{"action":"manifest",…}` message as a whole WebSocket text frame, made
        /// once and written as it is to every socket (below the WebSocket frame encoder).
        let frame: ByteBuffer

        /// `message` (the encoded manifest message) framed once.
        init(sequence: UInt64, message: [UInt8]) {
            self.sequence = sequence
            self.frame = ServerTextFrame.encode(message)
        }

        private init(sequence: UInt64, frame: ByteBuffer) {
            self.sequence = sequence
            self.frame = frame
        }

        /// The same message in storage of its own. Each event loop writes its own copy: every
        /// write retains and releases the buffer, and one buffer shared by several loops would
        /// have its reference count bounce between cores at every subscriber.
        func copy() -> Held {
            Held(sequence: sequence, frame: ByteBuffer(bytes: frame.readableBytesView))
        }

        /// The encoded message alone (a view of `frame`'s payload, not a copy).
        var message: ByteBuffer {
            let header = ServerTextFrame.headerLength(of: frame)
            return frame.getSlice(at: frame.readerIndex + header, length: frame.readableBytes - header)!
        }
    }

    private struct Entry {
        var subscribers: [UInt64: Subscriber] = [:]
        var held: Held?
    }

    /// The subscribers of one key that share an event loop.
    private struct LoopGroup {
        let loop: any EventLoop
        var subscribers: [Subscriber] = []
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var subscriptions = 0
    }

    private let state = NIOLockedValueBox(State())
    private let ids = Atomic<UInt64>(0)
    private let metrics: TrackerMetrics

    /// An empty registry that counts the manifest messages it writes in `metrics`.
    init(metrics: TrackerMetrics) { self.metrics = metrics }

    /// A new subscriber id.
    func makeID() -> UInt64 { ids.wrappingAdd(1, ordering: .relaxed).newValue }

    /// Adds `subscriber` to `key`'s subscribers; returns the newest message known for the key, if
    /// any (nil means: read the database).
    func subscribe(_ key: String, _ subscriber: Subscriber) -> Held? {
        state.withLockedValue { state in
            if state.entries[key, default: Entry()].subscribers.updateValue(subscriber, forKey: subscriber.id) == nil {
                state.subscriptions += 1
            }
            return state.entries[key]?.held
        }
    }

    /// Removes a subscriber from `key`'s subscribers.
    func unsubscribe(_ key: String, id: UInt64) {
        state.withLockedValue { state in
            guard state.entries[key]?.subscribers.removeValue(forKey: id) != nil else { return }
            state.subscriptions -= 1
            if state.entries[key]?.subscribers.isEmpty == true { state.entries[key] = nil }
        }
    }

    /// Records `held` as the newest message of `key` and sends it to every subscriber of the key,
    /// unless a message with the same or a higher sequence was already recorded.
    func broadcast(_ key: String, _ held: Held) {
        let groups = state.withLockedValue { state -> [ObjectIdentifier: LoopGroup] in
            guard let entry = state.entries[key] else { return [:] }
            if let current = entry.held, current.sequence >= held.sequence { return [:] }
            state.entries[key]?.held = held
            var groups: [ObjectIdentifier: LoopGroup] = [:]
            for subscriber in entry.subscribers.values {
                let loop = ObjectIdentifier(subscriber.eventLoop)
                groups[loop, default: LoopGroup(loop: subscriber.eventLoop)].subscribers.append(subscriber)
            }
            return groups
        }
        let metrics = self.metrics
        for group in groups.values {
            let subscribers = group.subscribers
            group.loop.execute {
                // Copies of this loop's own (see Held.copy).
                let held = held.copy(), key = String(decoding: Array(key.utf8), as: UTF8.self)
                var sent = 0
                for subscriber in subscribers where subscriber.deliverOnLoop(key: key, held: held) { sent += 1 }
                metrics.manifestsSent.wrappingAdd(sent, ordering: .relaxed)
            }
        }
    }

    /// Records `held` (read from the database) as the newest message of `key` if it is newer than
    /// the one known; sends nothing.
    func offer(_ key: String, _ held: Held) {
        state.withLockedValue { state in
            guard state.entries[key] != nil else { return }
            if let current = state.entries[key]?.held, current.sequence >= held.sequence { return }
            state.entries[key]?.held = held
        }
    }

    /// Subscriptions over all sockets, and keys with at least one subscriber.
    var counts: (subscriptions: Int, channels: Int) {
        state.withLockedValue { ($0.subscriptions, $0.entries.count) }
    }
}
