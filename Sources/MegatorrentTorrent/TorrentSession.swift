import CLibtorrentShim

/// An owned libtorrent session: this process's BitTorrent node (listen sockets, optionally a DHT node), running on
/// libtorrent's own network thread until the object is released.
///
/// Sendable: the shim's session functions may be called from any thread at once (libtorrent runs each call on its
/// network thread and waits for the answer), and the handle never changes after `init`. Each call blocks the caller
/// briefly; `init` takes about 25 ms and releasing the last reference about 1 ms with no torrents.
public final class TorrentSession: Sendable {
    /// The shim's session. Never changes after `init`; freed in `deinit`. `nonisolated(unsafe)` only because
    /// `OpaquePointer` is not `Sendable`: the object behind it is thread-safe (see the type's documentation).
    private nonisolated(unsafe) let handle: OpaquePointer

    /// Starts a session; returns once its listen sockets are open.
    ///
    /// Throws ``TorrentError`` with ``TorrentError/Code/invalidArgument`` for settings libtorrent cannot use (for
    /// example a listen interface that names no address or device of this host) and
    /// ``TorrentError/Code/listenFailed`` when a requested port cannot be bound.
    public init(settings: TorrentSessionSettings = TorrentSessionSettings()) throws(TorrentError) {
        var created: OpaquePointer?
        try settings.withCSettings { (cSettings) throws(TorrentError) in
            try throwIfFailed(mtlt_session_new(&created, cSettings))
        }
        guard let created else {
            throw TorrentError(code: .internal, message: "mtlt_session_new succeeded without a session")
        }
        handle = created
    }

    deinit {
        mtlt_session_free(handle)
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
