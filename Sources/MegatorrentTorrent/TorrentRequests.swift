import Synchronization

/// The torrent calls of one session that wait for alerts, the progress streams, and the routing of torrent alerts
/// to them.
final class TorrentRequests: Sendable {
    /// ``Torrents/waitUntilFinished(_:timeout:)`` by info-hash.
    let finishes = PendingRequests<InfoHash, FinishResult>()
    /// Removals without deleting files, ended by the removed alert.
    let removals = PendingRequests<InfoHash, RemoveResult>()
    /// Removals with their files, ended by the files-deleted alert (which follows the removed one).
    let deletions = PendingRequests<InfoHash, RemoveResult>()
    /// The open progress streams.
    let progress = ProgressStreams()

    /// Ends the waiters an alert answers and feeds the progress streams.
    func deliver(_ alert: TorrentAlert) {
        switch alert {
        case .torrentFinished(let infoHash):
            finishes.resolve(infoHash, with: .finished)
        case .torrentStateChanged(let infoHash, let state) where state.isComplete:
            finishes.resolve(infoHash, with: .finished)
        case .torrentError(let infoHash, let message):
            finishes.resolve(infoHash, with: .failed(message))
        case .torrentRemoved(let infoHash):
            finishes.resolve(infoHash, with: .failed("the torrent \(infoHash) was removed"))
            removals.resolve(infoHash, with: .removed)
            progress.end(infoHash)
        case .torrentFilesDeleted(let infoHash, let error):
            deletions.resolve(infoHash, with: error.map(RemoveResult.deleteFailed) ?? .removed)
        case .torrentProgress(let update):
            progress.yield(update)
        default:
            break
        }
    }
}

/// The open ``Torrents/progressUpdates(of:interval:)`` streams of a session: each has a continuation and a timer
/// task that asks libtorrent for state updates while the stream is open.
final class ProgressStreams: Sendable {
    private struct Stream {
        let infoHash: InfoHash
        let continuation: AsyncStream<TorrentProgress>.Continuation
        let timer: Task<Void, Never>
    }

    private struct State {
        var lastID: UInt64 = 0
        var streams: [UInt64: Stream] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// A new stream's id, to be used with ``add(_:infoHash:continuation:timer:)``.
    func nextID() -> UInt64 {
        state.withLock { state in
            state.lastID &+= 1
            return state.lastID
        }
    }

    /// Registers an open stream; `false` (and nothing kept) once the session is closed.
    func add(_ id: UInt64, infoHash: InfoHash, continuation: AsyncStream<TorrentProgress>.Continuation,
             timer: Task<Void, Never>) -> Bool
    {
        state.withLock { state in
            guard !state.isClosed else { return false }
            state.streams[id] = Stream(infoHash: infoHash, continuation: continuation, timer: timer)
            return true
        }
    }

    /// Forgets a stream its consumer left, and stops its timer.
    func remove(_ id: UInt64) {
        let removed = state.withLock { $0.streams.removeValue(forKey: id) }
        removed?.timer.cancel()
    }

    /// Hands an update to every stream of its torrent.
    func yield(_ update: TorrentProgress) {
        let continuations = state.withLock { state in
            state.streams.values.filter { $0.infoHash == update.infoHash }.map(\.continuation)
        }
        for continuation in continuations {
            continuation.yield(update)
        }
    }

    /// Ends every stream of a removed torrent.
    func end(_ infoHash: InfoHash) {
        finish(state.withLock { state in
            let ids = state.streams.filter { $0.value.infoHash == infoHash }.map(\.key)
            return ids.compactMap { state.streams.removeValue(forKey: $0) }
        })
    }

    /// Ends every stream; later ones end at once. The session is closing.
    func closeAll() {
        finish(state.withLock { state in
            state.isClosed = true
            defer { state.streams.removeAll() }
            return Array(state.streams.values)
        })
    }

    /// Outside the lock: finishing runs the stream's termination handler, which calls ``remove(_:)``.
    private func finish(_ streams: [Stream]) {
        for stream in streams {
            stream.timer.cancel()
            stream.continuation.finish()
        }
    }
}
