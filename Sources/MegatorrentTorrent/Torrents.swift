import CLibtorrentShim

#if canImport(Glibc)
    import Glibc
#endif

/// The torrents of a ``TorrentSession``: add (from a .torrent file, a magnet link or a bare info-hash), status,
/// peers, removal; waiting and progress are in `Torrents+Waiting.swift`, making .torrent files in
/// `Torrents+Create.swift`. A view: it holds the session, and any number of them may be used at once from any task.
/// Each call blocks briefly (libtorrent runs it on its network thread); downloads, checks and metadata go on in the
/// background.
public struct Torrents: Sendable {
    /// The session whose torrents these are.
    public let session: TorrentSession

    /// The torrents of `session`.
    public init(session: TorrentSession) {
        self.session = session
    }

    /// Adds a torrent from a .torrent file's bytes and starts it. `seedMode` says the data is known complete in
    /// `savePath` (the author seeding what it just created): no check at start, pieces are verified when first sent.
    /// `peers` are `"IPv4:PORT"` or `"[IPv6]:PORT"` to connect to at once (never host names). Throws
    /// ``TorrentError/Code/badTorrent`` for bytes that are not a torrent, ``TorrentError/Code/duplicateTorrent`` when
    /// the session has this info-hash already, ``TorrentError/Code/invalidArgument`` for a bad peer or path.
    public func add(
        torrentFile: [UInt8], savePath: String, seedMode: Bool = false, peers: [String] = [],
        options: TorrentOptions = []
    ) async throws(TorrentError) -> InfoHash {
        guard !torrentFile.isEmpty else {
            throw TorrentError(code: .badTorrent, message: "an empty .torrent file is not a torrent")
        }
        var flags = options.rawValue
        if seedMode { flags |= MTLT_TORRENT_SEED_MODE }
        return try add(savePath: savePath, peers: peers, flags: flags) { (params) throws(TorrentError) in
            try torrentFile.withUnsafeBufferPointer { (buffer) throws(TorrentError) in
                params.torrent_file = buffer.baseAddress
                params.torrent_file_len = buffer.count
                return try addNow(&params)
            }
        }
    }

    /// Adds a torrent from a magnet link (`magnet:?xt=urn:btih:…`): the metadata comes from peers (`peers`, the
    /// link's `x.pe`, the DHT). Its `tr` trackers are contacted (their host names resolved over DNS). Throws
    /// ``TorrentError/Code/badTorrent`` for a link that is not a valid magnet, and what ``add(torrentFile:savePath:seedMode:peers:options:)``
    /// throws.
    public func add(magnet: String, savePath: String, peers: [String] = [], options: TorrentOptions = [])
        async throws(TorrentError) -> InfoHash
    {
        let uri = try Self.cString(magnet, "magnet")
        return try add(savePath: savePath, peers: peers, flags: options.rawValue) { (params) throws(TorrentError) in
            try uri.withUnsafeBufferPointer { (buffer) throws(TorrentError) in
                params.magnet_uri = buffer.baseAddress
                return try addNow(&params)
            }
        }
    }

    /// Adds a torrent by its bare v1 info-hash: metadata and peers come from `peers` or the DHT (announced by a
    /// seeder). Throws as ``add(torrentFile:savePath:seedMode:peers:options:)``.
    public func add(infoHash: InfoHash, savePath: String, peers: [String] = [], options: TorrentOptions = [])
        async throws(TorrentError) -> InfoHash
    {
        try add(savePath: savePath, peers: peers, flags: options.rawValue) { (params) throws(TorrentError) in
            withUnsafeMutableBytes(of: &params.info_hash) { $0.copyBytes(from: infoHash.bytes) }
            params.has_info_hash = 1
            return try addNow(&params)
        }
    }

    /// The torrent's status now. Throws ``TorrentError/Code/noSuchTorrent`` when the session does not have it.
    public func status(_ infoHash: InfoHash) throws(TorrentError) -> TorrentStatus {
        try Self.status(of: infoHash, in: session.handle)
    }

    /// Every torrent of the session (host mode: those added through this session object that are still there).
    public func list() throws(TorrentError) -> [InfoHash] {
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        try throwIfFailed(mtlt_torrent_list(session.handle, &buffer, &count))
        defer { mtlt_buffer_free(buffer) }
        guard let buffer else { return [] }
        return (0..<count).map { index in
            InfoHash(unchecked: Array(UnsafeBufferPointer(start: buffer + index * InfoHash.size, count: InfoHash.size)))
        }
    }

    /// Connects the torrent to a peer now (and keeps it in libtorrent's peer list). `host` is an IP address literal,
    /// never a host name. A failed connection shows only in the status's peer count.
    public func connectPeer(_ infoHash: InfoHash, host: String, port: Int) throws(TorrentError) {
        let host = try Self.cString(host, "host")
        guard let port = Int32(exactly: port) else {
            throw TorrentError(code: .invalidArgument, message: "port \(port) is not in 1...65535")
        }
        let rc = host.withUnsafeBufferPointer { host in
            infoHash.bytes.withUnsafeBufferPointer {
                mtlt_torrent_connect_peer(session.handle, $0.baseAddress, host.baseAddress, port)
            }
        }
        try throwIfFailed(rc)
    }

    /// Removes the torrent (peers disconnected, trackers told) and waits until libtorrent reports it gone; with
    /// `deleteFiles`, until its files are deleted too (or could not be: ``RemoveResult/deleteFailed(_:)``). Throws
    /// ``TorrentError/Code/noSuchTorrent`` when the session does not have it.
    public func remove(_ infoHash: InfoHash, deleteFiles: Bool = false, timeout: Duration = .seconds(30))
        async throws(TorrentError) -> RemoveResult
    {
        let handle = session.handle
        let requests = deleteFiles ? session.alerts.torrents.deletions : session.alerts.torrents.removals
        return try await requests.wait(for: infoHash, timeout: timeout, fallback: .timedOut) {
            () throws(TorrentError) in
            let rc = infoHash.bytes.withUnsafeBufferPointer {
                mtlt_torrent_remove(handle, $0.baseAddress, deleteFiles ? 1 : 0)
            }
            try throwIfFailed(rc)
        }
    }

    // MARK: - Internals

    /// The status of `infoHash` read through the shim's handle (also used inside waits, which hold no session).
    static func status(of infoHash: InfoHash, in handle: OpaquePointer) throws(TorrentError) -> TorrentStatus {
        var status = mtlt_torrent_status()
        status.version = MTLT_TORRENT_STATUS_VERSION
        let rc = infoHash.bytes.withUnsafeBufferPointer { mtlt_torrent_get_status(handle, $0.baseAddress, &status) }
        try throwIfFailed(rc)
        // The strings stay valid until this thread's next status call: copied right here.
        return TorrentStatus(status)
    }

    /// Fills the params common to every source (save path, peers, flags) and lets `source` set the source and add.
    private func add(
        savePath: String, peers: [String], flags: UInt32,
        source: (inout mtlt_add_torrent_params) throws(TorrentError) -> InfoHash
    ) throws(TorrentError) -> InfoHash {
        var params = mtlt_add_torrent_params()
        try throwIfFailed(mtlt_add_torrent_params_init(&params, MTLT_ADD_TORRENT_PARAMS_VERSION))
        params.flags = flags
        let path = try Self.cString(savePath, "savePath")
        for peer in peers {
            _ = try Self.cString(peer, "a peer")
        }
        let copies = peers.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        guard !copies.contains(nil) else {
            throw TorrentError(code: .outOfMemory, message: "copying the peer list")
        }
        let pointers = copies.map { UnsafePointer($0) }
        return try path.withUnsafeBufferPointer { (path) throws(TorrentError) in
            try pointers.withUnsafeBufferPointer { (peerList) throws(TorrentError) in
                params.save_path = path.baseAddress
                params.peers = peerList.baseAddress
                params.peer_count = peerList.count
                return try source(&params)
            }
        }
    }

    /// The shim call itself, once the params are complete.
    private func addNow(_ params: inout mtlt_add_torrent_params) throws(TorrentError) -> InfoHash {
        var infoHash = [UInt8](repeating: 0, count: InfoHash.size)
        try throwIfFailed(mtlt_torrent_add(session.handle, &params, &infoHash))
        return InfoHash(unchecked: infoHash)
    }

    /// NUL-terminated UTF-8; refuses an embedded NUL, which C would silently cut the string at.
    static func cString(_ value: String, _ name: String) throws(TorrentError) -> [CChar] {
        let utf8 = Array(value.utf8)
        guard !utf8.contains(0) else {
            throw TorrentError(code: .invalidArgument, message: "\(name) contains a NUL character")
        }
        return utf8.map { CChar(bitPattern: $0) } + [0]
    }
}

extension TorrentSession {
    /// This session's torrents: add, status, wait, progress, remove.
    public var torrents: Torrents {
        Torrents(session: self)
    }
}
