import CLibtorrentShim

extension Torrents {
    /// Waits until every wanted piece of the torrent is here and verified, woken by libtorrent's alerts (no
    /// polling). Returns ``FinishResult/finished`` at once for a torrent already finished or seeding,
    /// ``FinishResult/failed(_:)`` when it stops on an error, is removed or is not in the session, and
    /// ``FinishResult/timedOut`` after `timeout` (the download goes on).
    public func waitUntilFinished(_ infoHash: InfoHash, timeout: Duration) async -> FinishResult {
        let handle = session.handle
        let finishes = session.alerts.torrents.finishes
        do {
            return try await finishes.wait(for: infoHash, timeout: timeout, fallback: .timedOut) {
                () throws(TorrentError) in
                // Registered: alerts from now on end the wait; what happened before shows in the status.
                let status = try Self.status(of: infoHash, in: handle)
                if status.state.isComplete {
                    finishes.resolve(infoHash, with: .finished)
                } else if status.state == .error {
                    finishes.resolve(infoHash, with: .failed(status.errorMessage ?? "the torrent stopped on an error"))
                }
            }
        } catch {
            return .failed(error.message)
        }
    }

    /// The torrent's progress: its status now, then an update each time it changes, asked from libtorrent every
    /// `interval` while the stream is open (one state-update request per interval, the updates come as alerts).
    /// The stream ends when the torrent is removed, when the session is released, or when the consumer stops; it
    /// is empty for a torrent the session does not have. Keeps the newest 16 updates when the consumer is slow.
    /// Intervals under 10 ms count as 10 ms.
    public func progressUpdates(of infoHash: InfoHash, interval: Duration = .milliseconds(500))
        -> AsyncStream<TorrentProgress>
    {
        let interval = max(interval, .milliseconds(10))
        let (stream, continuation) = AsyncStream.makeStream(
            of: TorrentProgress.self, bufferingPolicy: .bufferingNewest(16))
        guard let status = try? status(infoHash) else {
            continuation.finish()
            return stream
        }
        continuation.yield(status.snapshot)
        // The timer holds the alert pump, never the session: an open stream does not keep the session alive.
        let pump = session.alerts
        let streams = pump.torrents.progress
        let id = streams.nextID()
        let timer = Task.detached {
            while !Task.isCancelled {
                pump.postTorrentUpdates()
                guard (try? await Task.sleep(for: interval)) != nil else { return }
            }
        }
        continuation.onTermination = { _ in streams.remove(id) }
        if !streams.add(id, infoHash: infoHash, continuation: continuation, timer: timer) {
            timer.cancel()
            continuation.finish()
        }
        return stream
    }
}
