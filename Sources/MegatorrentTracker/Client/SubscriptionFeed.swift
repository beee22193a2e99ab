import Logging
import MegatorrentManifest
import NIOConcurrencyHelpers

/// The client's subscriptions: per channel key, the streams that want its manifests and the newest
/// verified one. Every manifest is verified here, whatever the tracker said, and a stream never
/// gets one older than or equal to one it already got. Shared by the connections to every tracker,
/// so the same manifest from two trackers is delivered once.
final class SubscriptionFeed: Sendable {
    /// What became of a received manifest.
    enum Outcome: Equatable {
        /// Newer than any before: delivered to `streams` streams.
        case delivered(streams: Int)
        /// Not newer than the newest held.
        case stale
        /// Same key and sequence as the newest held but different content: evidence of
        /// equivocation by the key's owner (kept out, reported).
        case equivocation
        /// Nobody subscribes to this key.
        case notSubscribed
        /// Did not verify, or was signed by another key than the one it came under.
        case invalid(ManifestError)
    }

    private struct Stream {
        let continuation: AsyncStream<SignedManifest>.Continuation
        var last: UInt64?
    }

    private struct Entry {
        var streams: [UInt64: Stream] = [:]
        var newest: SignedManifest?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    private let bufferSize: Int

    init(bufferSize: Int) { self.bufferSize = max(1, bufferSize) }

    /// A new stream for `key` (a normalized channel id) that gets manifests with a sequence above
    /// `after`, starting with the newest already held. `isNewKey` says the key had no stream yet
    /// (a subscribe must go to the trackers). `onEnd` runs when the stream's reader stops.
    func add(
        key: String, after: UInt64?, onEnd: @escaping @Sendable (_ key: String, _ id: UInt64) -> Void
    ) -> (stream: AsyncStream<SignedManifest>, id: UInt64, isNewKey: Bool) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: SignedManifest.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let (id, isNewKey) = state.withLockedValue { state -> (UInt64, Bool) in
            state.nextID += 1
            let id = state.nextID
            let isNewKey = state.entries[key] == nil
            var entry = state.entries[key] ?? Entry()
            var record = Stream(continuation: continuation, last: after)
            if let newest = entry.newest, after.map({ newest.sequence > $0 }) ?? true {
                continuation.yield(newest)
                record.last = newest.sequence
            }
            entry.streams[id] = record
            state.entries[key] = entry
            return (id, isNewKey)
        }
        continuation.onTermination = { _ in onEnd(key, id) }
        return (stream, id, isNewKey)
    }

    /// Removes a stream; true when `key` has no stream left (an unsubscribe may go out).
    func remove(key: String, id: UInt64) -> Bool {
        state.withLockedValue { state in
            guard state.entries[key]?.streams.removeValue(forKey: id) != nil else { return false }
            guard state.entries[key]?.streams.isEmpty == true else { return false }
            state.entries[key] = nil
            return true
        }
    }

    /// The keys with at least one stream.
    var keys: [String] { state.withLockedValue { Array($0.entries.keys) } }

    /// Verifies a manifest received under `key` and hands it to the key's streams if it is newer
    /// than the newest held.
    func receive(key: String, manifest bytes: [UInt8]) -> Outcome {
        guard state.withLockedValue({ $0.entries[key] != nil }) else { return .notSubscribed }
        let manifest: SignedManifest
        do {
            manifest = try ManifestVerifier.verify(bytes, expectedKey: try ChannelAddress.parse(key))
        } catch {
            return .invalid(error)
        }
        return state.withLockedValue { state -> Outcome in
            guard var entry = state.entries[key] else { return .notSubscribed }
            if let newest = entry.newest, newest.sequence >= manifest.sequence {
                return newest.sequence == manifest.sequence && newest != manifest ? .equivocation : .stale
            }
            entry.newest = manifest
            var delivered = 0
            for (id, stream) in entry.streams where stream.last.map({ manifest.sequence > $0 }) ?? true {
                stream.continuation.yield(manifest)
                entry.streams[id]?.last = manifest.sequence
                delivered += 1
            }
            state.entries[key] = entry
            return .delivered(streams: delivered)
        }
    }

    /// Ends every stream (the client closes).
    func finishAll() {
        let continuations = state.withLockedValue { state in
            defer { state.entries = [:] }
            return state.entries.values.flatMap { $0.streams.values.map(\.continuation) }
        }
        for continuation in continuations { continuation.finish() }
    }
}
