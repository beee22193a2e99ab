import CLibtorrentShim
import Synchronization

/// Carries a session's alerts to Swift without polling: the shim's notify hook (called on libtorrent's thread when
/// alerts arrive) only yields to an `AsyncStream`; one task waits on the stream, pops the alerts and dispatches them.
final class AlertPump: Sendable {
    /// The shim's session; thread-safe, used only while `isOpen` (see ``TorrentSession/handle``).
    private nonisolated(unsafe) let handle: OpaquePointer
    /// `false` after ``close()``. Pops run under this lock, so `close()` waits for a pop in progress and none starts
    /// after it: the session can then be freed.
    private let isOpen = Mutex(true)
    /// Wakes the popping task. Keeps one pending wake-up: any number of notifications before a pop need one pop.
    private let wakeups: AsyncStream<Void>.Continuation
    /// The DHT calls waiting for alerts.
    let dht = DHTRequests()
    /// The torrent calls and progress streams waiting for alerts.
    let torrents = TorrentRequests()

    /// Installs the notify hook on `handle` and starts the popping task. The session must call ``close()`` before it
    /// frees `handle`, and keep this object alive until the hook is gone (`mtlt_session_free` removes it).
    init(handle: OpaquePointer) throws(TorrentError) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.handle = handle
        wakeups = continuation
        Task.detached { [self] in
            for await _ in stream {
                drain()
            }
        }
        // The hook must only wake someone: it runs on libtorrent's thread with libtorrent's alert lock held.
        let rc = mtlt_session_set_alert_notify(
            handle,
            { payload in
                guard let payload else { return }
                Unmanaged<AlertPump>.fromOpaque(payload).takeUnretainedValue().wakeups.yield()
            },
            Unmanaged.passUnretained(self).toOpaque())
        if rc < 0 {
            let error = TorrentError.last(rc)
            continuation.finish()
            throw error
        }
    }

    /// Stops popping (waiting for a pop in progress), ends the popping task and every progress stream. Call before
    /// freeing the session.
    func close() {
        isOpen.withLock { $0 = false }
        wakeups.finish()
        torrents.progress.closeAll()
    }

    /// Asks libtorrent for the status of every torrent that changed (one progress alert each follows); does nothing
    /// once closed. For the progress streams' timers, which must not keep the session alive.
    func postTorrentUpdates() {
        isOpen.withLock { isOpen in
            guard isOpen else { return }
            _ = mtlt_session_post_torrent_updates(handle)
        }
    }

    /// Pops everything queued and dispatches it outside the lock.
    private func drain() {
        let popped: [TorrentAlert]? = isOpen.withLock { isOpen in
            guard isOpen else { return [] }
            var alerts: UnsafePointer<mtlt_alert>? = nil
            var count = 0
            guard mtlt_session_pop_alerts(handle, &alerts, &count) == MTLT_OK else { return nil }
            guard let alerts else { return [] }
            // The shim's storage lives until the next pop: copy now.
            return UnsafeBufferPointer(start: alerts, count: count).compactMap(TorrentAlert.init)
        }
        guard let popped else {
            // Only an allocation failure gets here, maybe before libtorrent's queue was emptied (then libtorrent would
            // not notify again): try again.
            wakeups.yield()
            return
        }
        for alert in popped {
            dht.deliver(alert)
            torrents.deliver(alert)
        }
    }
}
