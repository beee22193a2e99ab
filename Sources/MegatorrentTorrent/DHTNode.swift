import CLibtorrentShim

/// The DHT node of a ``TorrentSession``: BEP 44 items (put and get, answered asynchronously through libtorrent's
/// alerts), the routing table, and its state across restarts. A view: it holds the session, and any number of them
/// may be used at once from any task.
public struct DHTNode: Sendable {
    /// The session whose DHT this is.
    public let session: TorrentSession

    /// The DHT of `session`.
    public init(session: TorrentSession) {
        self.session = session
    }

    /// Whether the node runs. It starts asynchronously after the session; calls below throw
    /// ``TorrentError/Code/dhtNotRunning`` until it does.
    public var isRunning: Bool {
        get throws(TorrentError) { try session.isDHTRunning }
    }

    /// The number of live nodes in the routing tables (what ``saveState()`` would save). Blocks briefly.
    public var nodeCount: Int {
        get throws(TorrentError) {
            var count: Int32 = 0
            try throwIfFailed(mtlt_session_dht_node_count(session.handle, &count))
            return Int(count)
        }
    }

    /// Pings `host:port` and adds it to the routing table when it answers (returns at once). A host name is resolved
    /// by libtorrent over DNS: pass an IP address where that would leak (safe mode).
    public func addNode(host: String, port: Int) throws(TorrentError) {
        guard !host.utf8.contains(0) else {
            throw TorrentError(code: .invalidArgument, message: "host contains a NUL character")
        }
        guard let port = Int32(exactly: port) else {
            throw TorrentError(code: .invalidArgument, message: "port \(port) is not in 1...65535")
        }
        let rc = host.withCString { mtlt_session_add_dht_node(session.handle, $0, port) }
        try throwIfFailed(rc)
    }

    /// The node's state (node ids and the routing table's live nodes, bencoded) for
    /// ``TorrentSession/init(settings:dhtState:)``.
    public func saveState() throws(TorrentError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        try throwIfFailed(mtlt_session_dht_state_save(session.handle, &buffer, &count))
        defer { mtlt_buffer_free(buffer) }
        guard let buffer else { return [] }
        return Array(UnsafeBufferPointer(start: buffer, count: count))
    }

    /// Puts a mutable item signed by its author (no secret key is involved here) and waits until libtorrent reports
    /// the put done. Throws ``TorrentError/Code/invalidArgument`` before any network traffic for a value over
    /// ``SignedMutableItem/maximumValueSize`` bencoded bytes, a value that is not canonical bencoding, a salt over 64
    /// bytes, a negative sequence or a signature that does not verify. See ``PutResult`` for what the count means.
    ///
    /// `signatureVerified`: the caller has verified the signature itself (a strictly verified `MutableItem`), so the
    /// shim skips its own check (libtorrent's ed25519, about 0.1 ms of every put).
    public func putMutable(item: SignedMutableItem, signatureVerified: Bool = false, timeout: Duration = .seconds(60))
        async throws(TorrentError) -> PutResult
    {
        let put = signatureVerified ? mtlt_dht_put_mutable_verified : mtlt_dht_put_mutable
        let key = DHTRequests.MutablePutKey(publicKey: item.publicKey, salt: item.salt, sequence: item.sequence)
        let handle = session.handle
        return try await session.alerts.dht.mutablePuts.wait(for: key, timeout: timeout, fallback: .timedOut) {
            () throws(TorrentError) in
            let rc = item.publicKey.withUnsafeBufferPointer { publicKey in
                item.salt.withUnsafeBufferPointer { salt in
                    item.value.withUnsafeBufferPointer { value in
                        item.signature.withUnsafeBufferPointer { signature in
                            put(
                                handle, publicKey.baseAddress, salt.baseAddress, salt.count, item.sequence,
                                value.baseAddress, value.count, signature.baseAddress)
                        }
                    }
                }
            }
            try throwIfFailed(rc)
        }
    }

    /// Looks up a mutable item and returns the first valid answer at once (``MutableGetResult/found(_:authoritative:)``
    /// with `authoritative` false while the lookup runs on): when a node on the path has left, the authoritative end
    /// comes only after about 15 s. ``MutableGetResult/notFound`` when the lookup ends without the item. Answers of
    /// another lookup of the same item, still running, count too.
    public func getMutable(publicKey: [UInt8], salt: [UInt8] = [], timeout: Duration = .seconds(30))
        async throws(TorrentError) -> MutableGetResult
    {
        guard publicKey.count == SignedMutableItem.publicKeySize else {
            throw TorrentError(
                code: .invalidArgument,
                message: "a public key is \(SignedMutableItem.publicKeySize) bytes, not \(publicKey.count)")
        }
        let key = DHTRequests.MutableKey(publicKey: publicKey, salt: salt)
        let handle = session.handle
        return try await session.alerts.dht.mutableGets.wait(for: key, timeout: timeout, fallback: .timedOut) {
            () throws(TorrentError) in
            let rc = publicKey.withUnsafeBufferPointer { publicKey in
                salt.withUnsafeBufferPointer { salt in
                    mtlt_dht_get_mutable(handle, publicKey.baseAddress, salt.baseAddress, salt.count)
                }
            }
            try throwIfFailed(rc)
        }
    }

    /// Puts an immutable item (`value` is canonical bencoding, at most 1000 bytes, checked before the network) and
    /// waits until the put is done. Its target, the key to get it with, is SHA-1 of `value`.
    public func putImmutable(value: [UInt8], timeout: Duration = .seconds(60)) async throws(TorrentError)
        -> ImmutablePutResult
    {
        var target = [UInt8](repeating: 0, count: 20)
        let rc = value.withUnsafeBufferPointer { mtlt_dht_immutable_target($0.baseAddress, $0.count, &target) }
        try throwIfFailed(rc)
        let handle = session.handle
        let result = try await session.alerts.dht.immutablePuts.wait(
            for: target, timeout: timeout, fallback: .timedOut
        ) { () throws(TorrentError) in
            var stored = [UInt8](repeating: 0, count: 20)
            let rc = value.withUnsafeBufferPointer { mtlt_dht_put_immutable(handle, $0.baseAddress, $0.count, &stored) }
            try throwIfFailed(rc)
        }
        return ImmutablePutResult(target: target, result: result)
    }

    /// Looks up an immutable item by its 20-byte target; libtorrent stops at the first node that has it.
    public func getImmutable(target: [UInt8], timeout: Duration = .seconds(30)) async throws(TorrentError)
        -> ImmutableGetResult
    {
        guard target.count == 20 else {
            throw TorrentError(code: .invalidArgument, message: "a target is 20 bytes, not \(target.count)")
        }
        let handle = session.handle
        return try await session.alerts.dht.immutableGets.wait(for: target, timeout: timeout, fallback: .timedOut) {
            () throws(TorrentError) in
            try throwIfFailed(target.withUnsafeBufferPointer { mtlt_dht_get_immutable(handle, $0.baseAddress) })
        }
    }
}
