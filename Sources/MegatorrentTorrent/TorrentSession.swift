import CLibtorrentShim

/// A libtorrent session: this process's BitTorrent node (listen sockets, optionally a DHT node), running on
/// libtorrent's own network thread until the object is released. Owned (made here, the usual case) or attached (the
/// host application's own session, see ``init(attachingTo:)``). Its DHT calls are on ``dht``, its torrents on
/// ``torrents`` (`Torrents.swift`).
///
/// Sendable: the shim's session functions may be called from any thread at once (libtorrent runs each call on its
/// network thread and waits for the answer), and the handle never changes after `init`. Each call blocks the caller
/// briefly; `init` takes about 25 ms and releasing the last reference about 1 ms with no torrents. Alerts reach
/// Swift through a notify hook that wakes one task (no polling), which pops them and ends the calls waiting for them.
public final class TorrentSession: Sendable {
    /// The shim's session. Never changes after `init`; freed in `deinit`. `nonisolated(unsafe)` only because
    /// `OpaquePointer` is not `Sendable`: the object behind it is thread-safe (see the type's documentation).
    nonisolated(unsafe) let handle: OpaquePointer
    /// Pops the session's alerts and hands them to the calls waiting for them.
    let alerts: AlertPump

    /// Starts a session; returns once its listen sockets are open.
    ///
    /// Throws ``TorrentError`` with ``TorrentError/Code/invalidArgument`` for settings libtorrent cannot use (for
    /// example a listen interface that names no address or device of this host) and
    /// ``TorrentError/Code/listenFailed`` when a requested port cannot be bound.
    public convenience init(settings: TorrentSessionSettings = TorrentSessionSettings()) throws(TorrentError) {
        try self.init(settings: settings, dhtState: nil)
    }

    /// Starts a session whose DHT resumes from a state saved by ``DHTNode/saveState()``: the same node id, and the
    /// saved nodes are pinged at start, so the node rejoins without bootstrap routers. `nil` starts afresh. The
    /// settings still decide every setting. Throws ``TorrentError/Code/invalidArgument`` for a state that is not one,
    /// and what ``init(settings:)`` throws.
    public convenience init(settings: TorrentSessionSettings, dhtState: [UInt8]?) throws(TorrentError) {
        var created: OpaquePointer?
        try settings.withCSettings { (cSettings) throws(TorrentError) in
            if let dhtState {
                let rc = dhtState.withUnsafeBufferPointer {
                    mtlt_session_new_with_state(&created, cSettings, $0.baseAddress, $0.count)
                }
                try throwIfFailed(rc)
            } else {
                try throwIfFailed(mtlt_session_new(&created, cSettings))
            }
        }
        guard let created else {
            throw TorrentError(code: .internal, message: "mtlt_session_new succeeded without a session")
        }
        try self.init(adopting: created)
    }

    /// Host mode: wraps the host application's own libtorrent session, an `lt::session *` from a host built against
    /// the same libtorrent (qBittorrent), so one process runs one DHT node. The session is borrowed: it must outlive
    /// this object and is never shut down by it. The host keeps popping its alerts and passes each one to
    /// ``forwardAlert(_:)``. Attaching adds the alert categories the shim needs and the host's mask lacks (status,
    /// error, DHT, storage). Torrents added through this object live in the host's session; this object sees only
    /// those (not the host's own).
    public convenience init(attachingTo hostSession: UnsafeMutableRawPointer) throws(TorrentError) {
        var created: OpaquePointer?
        try throwIfFailed(mtlt_session_attach(&created, hostSession))
        guard let created else {
            throw TorrentError(code: .internal, message: "mtlt_session_attach succeeded without a session")
        }
        try self.init(adopting: created)
    }

    /// Takes ownership of a session the shim just made (or attached) and starts its alert pump; frees it if that
    /// fails.
    private init(adopting created: OpaquePointer) throws(TorrentError) {
        handle = created
        do {
            alerts = try AlertPump(handle: created)
        } catch {
            mtlt_session_free(created)
            throw error
        }
    }

    deinit {
        alerts.close()
        mtlt_session_free(handle)  // removes the notify hook before `alerts` is released
    }

    /// Host mode: one alert the host popped (an `lt::alert const *`, copied during the call). Cheap, never blocks;
    /// alerts the shim does not use are ignored, so a host may pass all of them. Throws
    /// ``TorrentError/Code/invalidArgument`` on an owned session.
    public func forwardAlert(_ alert: UnsafeRawPointer) throws(TorrentError) {
        try throwIfFailed(mtlt_session_handle_alert(handle, alert))
    }

    /// This session's DHT node: BEP 44 items, routing table, state.
    public var dht: DHTNode {
        DHTNode(session: self)
    }

    /// Whether the session's DHT node is running. The DHT starts asynchronously after `init`.
    public var isDHTRunning: Bool {
        get throws(TorrentError) {
            var running: Int32 = 0
            try throwIfFailed(mtlt_session_is_dht_running(handle, &running))
            return running != 0
        }
    }

    /// The port of the first non-SSL listen socket (the one the OS chose when the settings said port 0); 0 when the
    /// session listens nowhere.
    public var listenPort: Int {
        get throws(TorrentError) {
            var port: Int32 = 0
            try throwIfFailed(mtlt_session_listen_port(handle, &port))
            return Int(port)
        }
    }

    /// The session's current value of an integer or boolean (0 or 1) libtorrent setting, by its `settings_pack` name
    /// (for example `"dht_block_ratelimit"`). For diagnostics and tests; throws ``TorrentError/Code/invalidArgument``
    /// for an unknown name or a string setting.
    public func integerSetting(named name: String) throws(TorrentError) -> Int {
        guard !name.utf8.contains(0) else {
            throw TorrentError(code: .invalidArgument, message: "setting name contains a NUL character")
        }
        var value: Int32 = 0
        let rc = name.withCString { mtlt_session_get_int_setting(handle, $0, &value) }
        try throwIfFailed(rc)
        return Int(value)
    }
}
