import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentProxy
import MegatorrentSecureTransport
import MegatorrentWire
import NIOCore
import Synchronization

/// A node serving blobs: where it accepts the secure transport, and its static key.
public struct BlobPeer: Sendable, Hashable {
    public let host: String
    public let port: Int
    public let staticKey: [UInt8]

    /// The peer at `host:port` holding the Noise static `staticKey`.
    public init(host: String, port: Int, staticKey: [UInt8]) {
        self.host = host
        self.port = port
        self.staticKey = staticKey
    }

    /// `HOST:PORT:KEYPREFIX`, for messages.
    public var label: String { "\(host):\(port):\(Hex.encode(staticKey.prefix(4)))" }
}

/// Downloads a file from a link: the descriptor, then every chunk, from the local store first and then from several
/// peers at once (docs/blobs.md, "Download"). Every blob is checked against its id before use; a peer that sends a
/// bad blob is dropped; chunks are decrypted and written at their offset into a partial file whose progress survives
/// a crash; the file is checked against the descriptor's SHA-256 and moved into place only when whole. Every blob
/// fetched is kept in the store, so the node serves what it downloaded.
public final class BlobFetcher: Sendable {
    /// Where a download stands.
    public struct Progress: Sendable {
        /// Chunks done, out of `total`.
        public let done: Int
        public let total: Int
        /// Plaintext bytes done (approximately: whole chunks) and the file's size.
        public let bytes: UInt64
        public let size: UInt64
    }

    /// What a finished download did.
    public struct Result: Sendable {
        /// The finished file.
        public let path: String
        /// Its size.
        public let size: UInt64
        /// Chunks already done by an earlier run (resumed), read from the local store, and fetched from peers.
        public let resumed: Int
        public let fromStore: Int
        public let fromPeers: Int
        /// Peers dropped for sending a bad blob (labels).
        public let droppedPeers: [String]
    }

    private let store: BlobStore
    let dialer: BlobDialer
    private let peers: [BlobPeer]
    private let window: Int
    private let discovery: Bool
    let sources: [any BlobHolderSource]

    /// At most this many holders named by the `sources` are used.
    static let maxSourcedHolders = 64

    /// A fetcher keeping blobs in `store`, connecting as `localStatic` to `peers` (through `proxy` when given: the
    /// SOCKS5 server resolves their names), with up to `window` requests in flight per peer. When a blob is needed that
    /// the store lacks, the `sources` (trackers) are asked once, at once, which nodes hold the file, and those are used
    /// like `peers`. With `discovery`, when these cannot give the descriptor or some chunk, the nodes they know
    /// (GET_PEERS) are asked which hold them (BLOB_QUERY), and those that do are used too.
    public init(
        store: BlobStore, localStatic: X25519.PrivateKey, peers: [BlobPeer], window: Int = 4, discovery: Bool = true,
        proxy: ProxyConfiguration? = nil, holderSources: [any BlobHolderSource] = []
    ) {
        self.store = store
        self.dialer = BlobDialer(localStatic: localStatic, proxy: proxy)
        self.peers = peers
        self.window = max(1, window)
        self.discovery = discovery
        self.sources = holderSources
    }

    /// Fetches the file `link` names to `outputPath` (default: the descriptor's name in the current folder). An
    /// existing file there is replaced only when `overwrite` is true (else `.outputExists`).
    public func fetch(
        link: BlobLink, outputPath: String? = nil, overwrite: Bool = false, progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Result {
        try await fetch(link: link, overwrite: overwrite, progress: progress) { outputPath ?? $0 }
    }

    /// Fetches the file `link` names into `folder`, under the name its descriptor gives (one path component, checked
    /// by the descriptor parser). An existing file there is replaced only when `overwrite` is true.
    public func fetch(
        link: BlobLink, intoFolder folder: String, overwrite: Bool = false, progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Result {
        try await fetch(link: link, overwrite: overwrite, progress: progress) { folder + "/" + $0 }
    }

    /// The download, to the path `place` gives for the descriptor's name.
    private func fetch(
        link: BlobLink, overwrite: Bool, progress: (@Sendable (Progress) -> Void)?, place: (String) -> String
    ) async throws -> Result {
        // The holders the sources name, asked for at most once, when the store lacks a blob.
        var search = HolderSearch(given: peers)
        do {
            return try await fetch(link: link, overwrite: overwrite, progress: progress, place: place, search: &search)
        } catch let error as BlobError where !search.sourceFailures.isEmpty {
            throw BlobError.withSourceFailures(error, search.sourceFailures)
        }
    }

    private func fetch(
        link: BlobLink, overwrite: Bool, progress: (@Sendable (Progress) -> Void)?, place: (String) -> String,
        search: inout HolderSearch
    ) async throws -> Result {
        let descriptor: FileDescriptor
        do {
            descriptor = try await fetchDescriptor(link, from: peers)
        } catch BlobError.descriptorUnavailable where !sources.isEmpty || (!peers.isEmpty && discovery) {
            do {
                descriptor = try await fetchDescriptor(link, from: await askSources(link.descriptor, &search))
            } catch BlobError.descriptorUnavailable where !search.candidates.isEmpty && discovery {
                // Holders found through the candidates (one hop of peer exchange), asked for at most once.
                let holders = await HolderDiscovery.holders(of: [link.descriptor], through: search.candidates, dialer: dialer)
                search.discovered = holders
                descriptor = try await fetchDescriptor(link, from: holders)
            }
        }
        let path = place(descriptor.name)
        guard overwrite || !PosixFile.exists(path) else { throw BlobError.outputExists(path) }
        let partial = try PartialDownload(outputPath: path, descriptorID: link.descriptor, descriptor: descriptor)
        let total = descriptor.chunks.count
        let resumed = partial.doneCount
        let report: @Sendable () -> Void = {
            let done = partial.doneCount
            progress?(Progress(done: done, total: total, bytes: min(descriptor.size, UInt64(done) * UInt64(BlobFormat.chunkSize)), size: descriptor.size))
        }
        report()
        let fromStore = try assembleFromStore(partial, report: report)
        var missing = partial.missing
        var dropped: [String] = []
        if !missing.isEmpty { _ = await askSources(link.descriptor, &search) }
        let pool = search.candidates + (search.discovered ?? [])
        if !missing.isEmpty && !pool.isEmpty {
            dropped = try await fetchFromPeers(partial, indices: missing, from: pool, report: report)
            missing = partial.missing
        }
        if !missing.isEmpty && !search.candidates.isEmpty && discovery && search.discovered == nil {
            let ids = missing.map { descriptor.chunks[$0] }
            let holders = await HolderDiscovery.holders(of: ids, through: search.candidates, dialer: dialer)
            search.discovered = holders
            if !holders.isEmpty {
                dropped += try await fetchFromPeers(partial, indices: missing, from: holders, report: report)
                missing = partial.missing
            }
        }
        try partial.checkpoint()
        guard missing.isEmpty else { throw BlobError.unavailable(missing: missing.count, of: total) }
        try partial.finish()
        return Result(
            path: partial.outputPath, size: descriptor.size, resumed: resumed, fromStore: fromStore,
            fromPeers: total - resumed - fromStore, droppedPeers: dropped)
    }

    // MARK: - The descriptor

    private func fetchDescriptor(_ link: BlobLink, from peers: [BlobPeer]) async throws -> FileDescriptor {
        if let sealed = storedBlob(link.descriptor) {
            return try FileDescriptor.open(sealed, id: link.descriptor, linkKey: link.key)
        }
        for peer in peers {
            guard let connection = try? await dialer.open(peer) else { continue }
            defer { Task { await connection.close() } }
            guard (try? await connection.send(.blobGet(link.descriptor))) != nil else { continue }
            while let message = try? await connection.receive() {
                if case let .blobData(id, bytes) = message, id == link.descriptor {
                    guard bytes.withUnsafeBytes({ BlobFormat.blobID(of: $0) }) == id else { break }  // a liar: next peer
                    try store.put(sealed: bytes)
                    return try FileDescriptor.open(bytes, id: id, linkKey: link.key)
                }
                if case let .blobMissing(id) = message, id == link.descriptor { break }
                if case .goodbye = message { break }
            }
        }
        throw BlobError.descriptorUnavailable
    }

    /// A blob from the store, nil when missing or corrupt (a corrupt one is removed so it can be fetched again).
    private func storedBlob(_ id: BlobID) -> [UInt8]? {
        do { return try store.get(id) } catch {
            store.remove(id)
            return nil
        }
    }

    // MARK: - Chunks from the local store

    private func assembleFromStore(_ partial: PartialDownload, report: @Sendable () -> Void) throws -> Int {
        let descriptor = partial.descriptor
        let opener = try ChunkOpener(key: descriptor.key)
        let sealed = UnsafeMutableRawBufferPointer.allocate(byteCount: BlobFormat.sealedSize, alignment: 64)
        defer { sealed.deallocate() }
        var count = 0
        for index in partial.missing {
            let id = descriptor.chunks[index]
            let length: Int?
            do { length = try store.read(id, into: sealed) } catch {
                store.remove(id)
                continue
            }
            guard let length else { continue }
            try opener.open(index: index, sealed: UnsafeRawBufferPointer(rebasing: sealed[0..<length]), id: id)
            try partial.write(index: index, plaintext: UnsafeRawBufferPointer(opener.plaintext))
            count += 1
            report()
        }
        return count
    }

    // MARK: - Chunks from peers

    /// Runs one worker per peer until every chunk is done or no peer can give the rest; returns the dropped peers.
    private func fetchFromPeers(
        _ partial: PartialDownload, indices: [Int], from peers: [BlobPeer], report: @escaping @Sendable () -> Void
    ) async throws -> [String] {
        let scheduler = ChunkScheduler(pending: indices, peers: peers.count)
        let dropped = DroppedPeers()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, peer) in peers.enumerated() {
                group.addTask { [self] in
                    let verdict = try await worker(peer: peer, number: number, partial: partial, scheduler: scheduler, report: report)
                    if verdict == .droppedForBadBlob { dropped.add(peer.label) }
                    scheduler.leave(number)
                }
            }
            try await group.waitForAll()
        }
        return dropped.labels
    }

    private enum WorkerEnd { case finished, unreachable, disconnected, droppedForBadBlob }

    /// Fetches chunks from one peer with up to `window` requests in flight.
    private func worker(
        peer: BlobPeer, number: Int, partial: PartialDownload, scheduler: ChunkScheduler, report: @Sendable () -> Void
    ) async throws -> WorkerEnd {
        guard let connection = try? await dialer.open(peer) else { return .unreachable }
        let chunks = partial.descriptor.chunks
        let opener = try ChunkOpener(key: partial.descriptor.key)
        var inFlight: [BlobID: Int] = [:]
        func giveBack() { scheduler.putBack(Array(inFlight.values)) }
        while true {
            if Task.isCancelled {  // another worker failed (a disk error): stop asking
                giveBack()
                await connection.close()
                throw CancellationError()
            }
            while inFlight.count < window, let index = scheduler.take(for: number) {
                inFlight[chunks[index]] = index
                do { try await connection.send(.blobGet(chunks[index])) } catch {
                    giveBack()
                    await connection.close()
                    return .disconnected
                }
            }
            if inFlight.isEmpty {
                if !scheduler.mayGetMore(number) { break }
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            // A malformed message ends the connection, like the end of the stream.
            let bytes: [UInt8]?
            do { bytes = try await connection.receiveBytes() } catch { bytes = nil }
            guard let bytes, let message = Self.peek(bytes) else {
                giveBack()
                await connection.close()
                return .disconnected
            }
            switch message {
            case let .blob(id, blob):
                guard let index = inFlight.removeValue(forKey: id) else { continue }  // not asked for: ignored
                let valid = blob.count == BlobFormat.sealedSize && blob.withUnsafeBytes { BlobFormat.blobID(of: $0) } == id
                guard valid else {
                    inFlight[id] = index
                    giveBack()
                    await connection.close()
                    return .droppedForBadBlob
                }
                try blob.withUnsafeBytes { (sealed) throws in
                    try store.put(id, sealed: sealed)
                    try opener.open(index: index, sealed: sealed, id: id)  // the hash matched: a failure is the descriptor's
                    try partial.write(index: index, plaintext: UnsafeRawBufferPointer(opener.plaintext))
                }
                scheduler.finish(index)
                report()
            case let .other(.blobMissing(id)):
                guard let index = inFlight.removeValue(forKey: id) else { continue }
                scheduler.exclude(index, for: number)
            case .other(.goodbye):
                giveBack()
                await connection.close()
                return .disconnected
            case .other:
                continue  // HELLO, FOLLOW, MANIFEST... of a gossip node: not ours to handle here
            }
        }
        await connection.close()
        return .finished
    }

    /// A received message as a worker sees it: a BLOB_DATA's blob stays a slice of the received bytes (1 MiB not
    /// copied), anything else is decoded.
    private enum Received {
        case blob(BlobID, ArraySlice<UInt8>)
        case other(WireMessage)
    }

    /// `bytes` as a ``Received``; nil when malformed.
    private static func peek(_ bytes: [UInt8]) -> Received? {
        if let (id, blob) = WireCodec.blobDataParts(bytes) { return .blob(id, blob) }
        return (try? WireCodec.decode(bytes)).map(Received.other)
    }
}

/// Which chunks are left and who is fetching them. Peers are numbered; a peer that said it lacks a chunk is not asked
/// for it again.
final class ChunkScheduler: Sendable {
    private struct State {
        var pending: [Int]
        var inFlight = 0
        var lacking: [Int: Set<Int>] = [:]
        var active: Set<Int>
    }
    private let state: Mutex<State>

    init(pending: [Int], peers: Int) {
        state = Mutex(State(pending: pending, active: Set(0..<peers)))
    }

    /// The next chunk for peer `peer`, marked in flight.
    func take(for peer: Int) -> Int? {
        state.withLock { s in
            guard let position = s.pending.firstIndex(where: { s.lacking[$0]?.contains(peer) != true }) else { return nil }
            s.inFlight += 1
            return s.pending.remove(at: position)
        }
    }

    /// Chunks given back (their peer left or lied).
    func putBack(_ indices: [Int]) {
        state.withLock { s in
            s.inFlight -= indices.count
            s.pending = (s.pending + indices).sorted()
        }
    }

    /// A chunk done.
    func finish(_ index: Int) { state.withLock { $0.inFlight -= 1 } }

    /// Peer `peer` lacks chunk `index`: it goes back for the others; dropped when every active peer lacks it.
    func exclude(_ index: Int, for peer: Int) {
        state.withLock { s in
            s.inFlight -= 1
            s.lacking[index, default: []].insert(peer)
            if !s.active.isSubset(of: s.lacking[index]!) { s.pending = (s.pending + [index]).sorted() }
        }
    }

    /// Peer `peer` stopped.
    func leave(_ peer: Int) { _ = state.withLock { $0.active.remove(peer) } }

    /// Whether peer `peer` should wait for more: chunks it could fetch are still pending or in flight elsewhere.
    func mayGetMore(_ peer: Int) -> Bool {
        state.withLock { s in s.inFlight > 0 || s.pending.contains { s.lacking[$0]?.contains(peer) != true } }
    }
}

/// A client connection to a blob-serving node: HELLO exchanged, then wire messages.
final class PeerConnection: Sendable {
    let socket: SecureSocket

    private init(socket: SecureSocket) { self.socket = socket }

    /// How long a peer may send nothing while requests are outstanding before the connection is closed (its requests
    /// then go to the other peers).
    static let stallTimeout: TimeAmount = .seconds(30)

    static func open(_ peer: BlobPeer, localStatic: X25519.PrivateKey, proxy: ProxyConfiguration?) async throws -> PeerConnection {
        var configuration = SecureTransportConfiguration()
        configuration.idleTimeout = stallTimeout
        configuration.receiveBufferMessages = 16  // at most 16 MiB of blobs buffered per peer
        let socket = try await SecureSocket.connect(
            host: peer.host, port: peer.port, localStatic: localStatic, remoteStatic: peer.staticKey, configuration: configuration,
            proxy: proxy)
        let connection = PeerConnection(socket: socket)
        try await connection.send(.hello(.init()))
        return connection
    }

    func send(_ message: WireMessage) async throws { try await socket.send(WireCodec.encode(message)) }

    /// The next wire message; nil at the end. A malformed message ends the connection (thrown).
    func receive() async throws -> WireMessage? {
        guard let bytes = try await socket.receive() else { return nil }
        return try WireCodec.decode(bytes)
    }

    /// The next wire message's bytes, not decoded; nil at the end.
    func receiveBytes() async throws -> [UInt8]? { try await socket.receive() }

    func close() async {
        try? await send(.goodbye(code: GoodbyeCode.shutdown, reason: "done"))
        await socket.close()
    }
}

/// Labels of peers dropped for a bad blob, collected from the workers.
final class DroppedPeers: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ label: String) { list.withLock { $0.append(label) } }
    var labels: [String] { list.withLock { $0 } }
}
