import MegatorrentCrypto
import NIOCore
import MegatorrentI2P
import MegatorrentManifest
import MegatorrentSecureTransport
import MegatorrentWire
import Synchronization

/// Manifest gossip and peer exchange over the secure transport (docs/wire.md): a node connects to peers and accepts
/// them, says which channels it follows, pushes every newer manifest it accepts to the peers that follow its channel,
/// hands what peers push to its ``GossipBackend``, and penalises peers that push forgeries or replays.
public final class GossipNode: Sendable {
    /// Something that happened to a peer, for logs and tests.
    public enum Event: Sendable, Equatable {
        /// A peer finished HELLO (its static key in hex).
        case connected(String)
        /// A peer left (or was closed), and why.
        case disconnected(String, reason: String)
        /// A peer fell to the ban threshold and is refused for a while.
        case banned(String)
    }

    /// A connected peer, as ``peers`` lists it.
    public struct PeerInfo: Sendable, Equatable {
        /// The peer's static key in hex.
        public let id: String
        /// The channels it follows.
        public let followed: Set<ChannelKey>
        /// Its current score (0 to start; penalties lower it).
        public let score: Int
    }

    private let staticKey: X25519.PrivateKey
    private let backend: any GossipBackend
    private let configuration: GossipConfiguration
    private let onEvent: (@Sendable (Event) -> Void)?
    private let blobResponder: (any BlobResponder)?

    private struct State {
        var links: [ObjectIdentifier: PeerLink] = [:]
        var banned: [String: ContinuousClock.Instant] = [:]
        var known: [PeerRecord] = []
        var listener: SecureListener?
        var i2pListener: SecureI2PListener?
        var listenPort: UInt16 = 0
        /// Running tasks (the accept loop, one per connection), each removing itself when it ends.
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextTaskID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    /// A node holding the Noise static `staticKey`, asking `backend` about manifests; `onEvent` hears of peers coming
    /// and going (on the node's tasks: keep it short). `blobs`, when given, answers blob queries and requests on the
    /// same connections (a node serving its blob store).
    public init(
        staticKey: X25519.PrivateKey, backend: any GossipBackend, configuration: GossipConfiguration = GossipConfiguration(),
        blobs: (any BlobResponder)? = nil, onEvent: (@Sendable (Event) -> Void)? = nil
    ) {
        self.blobResponder = blobs
        self.staticKey = staticKey
        self.backend = backend
        self.configuration = configuration
        self.onEvent = onEvent
        state.withLock { $0.listenPort = configuration.listenPort }
    }

    /// This node's static public key: what peers need to connect (`HOST:PORT:KEY`).
    public var staticPublicKey: [UInt8] { staticKey.publicKey }

    /// Accepts peers on `host:port` (0: any free port); returns the port. The port is announced in HELLO.
    @discardableResult
    public func listen(host: String, port: Int) async throws -> Int {
        let listener = try await SecureListener.bind(
            host: host, port: port, localStatic: staticKey,
            authorize: { [weak self] key in self?.isBanned(Hex.encode(key)) == false })
        let bound = listener.port
        let task = Task { [weak self] in
            for await socket in listener.connections {
                guard let self else { await socket.close(); continue }
                self.spawn { await self.run(socket) }
            }
        }
        state.withLock { state in
            state.listener = listener
            state.listenPort = UInt16(clamping: bound)
            state.nextTaskID += 1
            state.tasks[state.nextTaskID] = task
        }
        return bound
    }

    /// Accepts peers on the I2P destination of `session` (SAM `STREAM ACCEPT` loop); returns its `.b32.i2p` address.
    /// The session stays the caller's: close it after the node.
    @discardableResult
    public func listen(over session: SAMSession) -> String {
        let listener = SecureI2PListener.start(
            session: session, localStatic: staticKey,
            authorize: { [weak self] key in self?.isBanned(Hex.encode(key)) == false })
        let task = Task { [weak self] in
            for await socket in listener.connections {
                guard let self else { await socket.close(); continue }
                self.spawn { await self.run(socket) }
            }
        }
        state.withLock { state in
            state.i2pListener = listener
            state.nextTaskID += 1
            state.tasks[state.nextTaskID] = task
        }
        return session.b32Address
    }

    /// Connects over I2P through `session` to the node at `peer` (a destination or `.b32.i2p` name) holding
    /// `remoteStatic`, and runs the connection in the background. Throws `SecureTransportError` (`.i2pFailed` when
    /// the stream could not be opened, after SAM's retries on `CANT_REACH_PEER`).
    public func connect(over session: SAMSession, to peer: I2PPeerAddress, remoteStatic: [UInt8]) async throws {
        var transport = SecureTransportConfiguration()
        transport.handshakeTimeout = .seconds(60)  // three hops each way, and a first contact's LeaseSet lookup
        let socket = try await SecureSocket.connect(
            over: session, to: peer, localStatic: staticKey, remoteStatic: remoteStatic, configuration: transport)
        spawn { [self] in await run(socket) }
    }

    /// Connects to the node at `host:port` holding `remoteStatic`, completes the handshake and runs the connection in
    /// the background. Throws `SecureTransportError` when the handshake fails (a wrong key among others).
    public func connect(host: String, port: Int, remoteStatic: [UInt8]) async throws {
        let socket = try await SecureSocket.connect(
            host: host, port: port, localStatic: staticKey, remoteStatic: remoteStatic, proxy: configuration.proxy)
        spawn { [self] in await run(socket) }
    }

    /// Pushes `manifest` to every peer that follows its channel (or relays) and does not hold it yet.
    public func announce(_ manifest: SignedManifest) async {
        guard let channel = ChannelKey(manifest.body.publicKey.bytes) else { return }
        let wanting = links.filter { $0.wants(channel, sequence: manifest.sequence) }
        for link in wanting { await link.send(.manifest(manifest.jsonBytes)) }
    }

    /// Sends the followed channels again to every peer (after a subscription changed).
    public func followedChanged() async {
        let followed = await backend.followed()
        for link in links { await link.send(.follow(Array(followed.prefix(WireLimits.maxFollowed)))) }
    }

    /// Asks every peer for peer records.
    public func requestPeers() async {
        for link in links { await link.send(.getPeers) }
    }

    /// The connected peers that finished HELLO.
    public var peers: [PeerInfo] {
        links.compactMap { link in
            link.state.withLock { state in
                state.hello == nil ? nil : PeerInfo(id: link.id, followed: state.followed, score: state.score.score)
            }
        }
    }

    /// Peer records learnt from peer exchange and from peers' HELLO (bounded, newest kept).
    public var knownPeers: [PeerRecord] { state.withLock { $0.known } }

    /// Says GOODBYE to every peer, closes them and the listener, and waits for the connections' tasks.
    public func close() async {
        let (listener, i2pListener, tasks, all) = state.withLock { state in
            state.closed = true
            defer { state.tasks = [:] }
            return (state.listener, state.i2pListener, Array(state.tasks.values), Array(state.links.values))
        }
        await listener?.close()
        await i2pListener?.close()
        for link in all {
            await link.send(.goodbye(code: GoodbyeCode.shutdown, reason: "node shutting down"))
            await link.socket.close()
        }
        for task in tasks {
            task.cancel()
            await task.value
        }
    }

    // MARK: - Connections

    private var links: [PeerLink] { state.withLock { Array($0.links.values) } }

    private func spawn(_ body: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard !state.closed else { return }
            state.nextTaskID += 1
            let id = state.nextTaskID
            state.tasks[id] = Task { [weak self] in
                await body()
                _ = self?.state.withLock { $0.tasks.removeValue(forKey: id) }
            }
        }
    }

    private func isBanned(_ id: String) -> Bool {
        state.withLock { state in
            guard let until = state.banned[id] else { return false }
            if until > .now { return true }
            state.banned[id] = nil
            return false
        }
    }

    /// Runs one connection until it ends: HELLO and FOLLOW out, then every message in.
    private func run(_ socket: SecureSocket) async {
        let link = PeerLink(socket: socket)
        let admitted: String? = state.withLock { state in
            if state.closed { return "node shutting down" }
            if state.links.count >= configuration.maxPeers { return "too many peers" }
            state.links[ObjectIdentifier(link)] = link
            return nil
        }
        if let refusal = admitted {
            await link.send(.goodbye(code: GoodbyeCode.busy, reason: refusal))
            await socket.close()
            return
        }
        let port = state.withLock { $0.listenPort }
        await link.send(.hello(.init(listenPort: port, flags: configuration.isRelay ? WireMessage.Hello.relayFlag : 0)))
        await link.send(.follow(Array(await backend.followed().prefix(WireLimits.maxFollowed))))
        let reason = await readLoop(link)
        state.withLock { _ = $0.links.removeValue(forKey: ObjectIdentifier(link)) }
        await socket.close()
        onEvent?(.disconnected(link.id, reason: reason))
    }

    /// Reads and handles messages until the connection ends; returns why it ended.
    private func readLoop(_ link: PeerLink) async -> String {
        while true {
            let bytes: [UInt8]?
            do {
                bytes = try await link.socket.receive()
            } catch {
                return "\(error)"
            }
            guard let bytes else { return "closed by the peer" }
            let message: WireMessage
            do {
                message = try WireCodec.decode(bytes)
            } catch {
                await link.send(.goodbye(code: GoodbyeCode.malformed, reason: error.description))
                return "malformed message: \(error)"
            }
            if let end = await handle(message, from: link) { return end }
        }
    }

    /// Handles one message; returns a reason when the connection must end.
    private func handle(_ message: WireMessage, from link: PeerLink) async -> String? {
        let helloDone = link.state.withLock { $0.hello != nil }
        if !helloDone {
            guard case let .hello(hello) = message else {
                await link.send(.goodbye(code: GoodbyeCode.malformed, reason: "HELLO must come first"))
                return "no HELLO first"
            }
            guard hello.agreedVersion(with: WireMessage.Hello()) != nil else {
                await link.send(.goodbye(code: GoodbyeCode.unsupportedVersion, reason: "this node speaks version \(WireLimits.version)"))
                return "no common version (\(hello.minVersion)...\(hello.maxVersion))"
            }
            link.state.withLock { $0.hello = hello }
            if let record = link.record { remember([record]) }
            onEvent?(.connected(link.id))
            return nil
        }
        switch message {
        case .hello:
            await link.send(.goodbye(code: GoodbyeCode.malformed, reason: "a second HELLO"))
            return "a second HELLO"
        case let .follow(keys):
            link.state.withLock { $0.followed = Set(keys) }
            for key in keys {
                guard let bytes = await backend.latest(key), let manifest = try? ManifestVerifier.verify(bytes),
                    link.wants(key, sequence: manifest.sequence)
                else { continue }
                await link.send(.manifest(bytes))
            }
        case let .manifest(bytes):
            return await receivePush(bytes, from: link)
        case .getPeers:
            let records = knownPeers.filter { $0.staticKey != link.socket.remoteStatic }.suffix(WireLimits.maxPeerRecords)
            await link.send(.peers(Array(records)))
        case let .peers(records):
            remember(records.filter { $0.staticKey != staticKey.publicKey })
        case let .goodbye(code, reason):
            return "goodbye \(code): \(reason)"
        case .blobQuery, .blobGet:
            if let blobResponder {
                if let answer = await blobResponder.encodedAnswer(message, peer: link.id) { await link.send(encoded: answer) }
            } else {
                await link.send(Self.holdsNothing(message))
            }
        case .blobHave, .blobData, .blobMissing:
            break  // answers to requests this node does not make on gossip connections
        case .unknown:
            break  // a later extension: skipped
        }
        return nil
    }

    /// The answer of a node that serves no blobs: "missing" (BLOB_HAVE without ids, BLOB_MISSING), so that a node
    /// looking for holders need not wait.
    private static func holdsNothing(_ request: WireMessage) -> WireMessage {
        if case let .blobGet(id) = request { return .blobMissing(id) }
        return .blobHave([])
    }

    /// A pushed manifest: rate-limited, judged by the backend, the sender scored.
    private func receivePush(_ bytes: [UInt8], from link: PeerLink) async -> String? {
        let admitted = link.state.withLock { $0.score.admitPush(now: .now, perMinute: configuration.manifestsPerMinute) }
        let verdict: GossipVerdict
        if admitted {
            // Marked as held by the sender before the backend sees it, so the announcement that follows an accepted
            // manifest is not echoed back.
            if let manifest = try? ManifestVerifier.verify(bytes), let channel = ChannelKey(manifest.body.publicKey.bytes) {
                link.noteHolds(channel, sequence: manifest.sequence)
            }
            verdict = await backend.offer(bytes, from: String(link.id.prefix(16)))
        } else {
            verdict = .ignored
        }
        let banned = link.state.withLock { $0.score.record(verdict, configuration) }
        guard banned else { return nil }
        state.withLock { $0.banned[link.id] = .now + configuration.banDuration }
        onEvent?(.banned(link.id))
        await link.send(.goodbye(code: GoodbyeCode.penalised, reason: "too many bad manifests"))
        return "penalised"
    }

    /// Keeps peer records (one per static key, newest last, at most `maxKnownPeers`).
    private func remember(_ records: [PeerRecord]) {
        state.withLock { state in
            for record in records {
                state.known.removeAll { $0.staticKey == record.staticKey }
                state.known.append(record)
            }
            if state.known.count > configuration.maxKnownPeers {
                state.known.removeFirst(state.known.count - configuration.maxKnownPeers)
            }
        }
    }
}
