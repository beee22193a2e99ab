import ArgumentParser
import Foundation
import MegatorrentBlobs
import MegatorrentCrypto
import MegatorrentEngine
import MegatorrentDHT
import MegatorrentGossip
import MegatorrentI2P
import MegatorrentManifest
import MegatorrentNode
import MegatorrentState
import MegatorrentTorrent
import MegatorrentTracker
import Synchronization

/// `megatorrent subscribe KEY (--tracker URL… | --dht | --peer HOST:PORT:KEY…) [--once] [--timeout SECONDS] [--json] [--download DIR]`.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Follow a channel: print each new valid version as it arrives.",
        discussion: """
            Every manifest, from every tracker, the DHT and peers, goes through the subscription engine: strict \
            verification, the last sequence kept in the state folder (replays and rollbacks are refused, also \
            after a restart), equivocation reported. With --dht the channel is resolved on the BitTorrent DHT \
            (BEP 46 pointer, manifest torrent fetched and checked) at once and every --dht-interval seconds; \
            while it runs, the node seeds the manifest torrents it holds and re-puts their pointers. With \
            --once, print the newest valid manifest and exit 0, or exit 1 when none arrived within --timeout. \
            With --peer (repeatable) the channel is followed through peers over the Noise-IK secure \
            transport; --peer-listen accepts peers too, and every accepted manifest is pushed on. With --download, \
            blob links are fetched from the --peer nodes and from the holders each --tracker names; with --blobs \
            and --peer-listen HOST:PORT as well, the node announces every file it holds (fetched or ingested) to \
            each --tracker as a holder. Without \
            --once, run until SIGINT/SIGTERM or until --timeout seconds have passed.
            """)

    @Argument(help: "The channel: 64 hex digits or magnet:?xs=urn:btpk:...")
    var key: String

    @Option(name: .customLong("tracker"), help: "A tracker's WebSocket URL, ws:// or wss:// (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("tracker-ca"), help: "A PEM file of CA certificates trusted for wss:// trackers besides the system's.")
    var trackerCA: String?

    @Flag(help: "Follow the channel on the BitTorrent DHT too.")
    var dht = false

    @Flag(help: "Print the newest valid manifest and exit.")
    var once = false

    @Option(help: "Seconds to wait (with --once, default 30; otherwise run until stopped).")
    var timeout: Double?

    @Option(help: "Download every item of each new version into this folder: magnets through libtorrent, blob links from the --peer nodes and the holders the --tracker trackers name (with --once: wait until done).")
    var download: String?

    @OptionGroup var network: TorrentNetworkOptions

    @OptionGroup var dhtNetwork: DHTNetworkOptions

    @OptionGroup var peerNetwork: PeerNetworkOptions
    @OptionGroup var anonymity: AnonymityOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !trackers.isEmpty || dht || !peerNetwork.peers.isEmpty else {
            throw ValidationError("give at least one source: --tracker URL, --dht or --peer HOST:PORT:KEY")
        }
        try anonymity.refuseDHT(dht)
    }

    private enum Signal: Sendable {
        case event(EngineEvent)
        case received
        case stop
    }

    func run() async throws {
        let channel = try ChannelAddress.parse(key)
        let engine = SubscriptionEngine(database: try StateDatabase(directory: global.stateDirectory))
        try await engine.follow(channel)
        let endpoints = try trackers.map { url throws -> (String, TrackerEndpoint) in (url, try TrackerEndpoint(url: url)) }
        var trackerConfiguration = try anonymity.trackerConfiguration()
        trackerConfiguration.trustRootsFile = trackerCA
        let clients = endpoints.map { ($0.0, TrackerClient(endpoint: $0.1, configuration: trackerConfiguration)) }
        // With --dht one session is the DHT node, the manifest seeder and the downloader.
        let node = dht ? try await dhtNetwork.start(stateDirectory: global.stateDirectory) : nil
        let service = node.map { node in
            var configuration = DHTService.Configuration()
            configuration.resolveInterval = .milliseconds(Int64(dhtNetwork.dhtInterval * 1000))
            return DHTService(
                session: node.session, engine: engine, storeFolder: DHTNodeSession.storeFolder(global.stateDirectory),
                configuration: configuration, onResolution: Self.reportRefusal)
        }
        // Blob holders: the trackers' HTTP announce endpoints name them, and this node announces what it holds there.
        let announceURLs = try BlobHolding.announceURLs(trackers)
        let announceClient = AnnounceClient(configuration: trackerConfiguration)
        let announcerBox = AnnouncerBox()
        let downloads = try download.map { folder -> Downloads in
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // Blob links come from the --peer nodes and the holders the trackers name (through --proxy when set), over
            // connections of their own under a one-off static key; the node's own record is not a holder to ask.
            let nodeKey = try PeerNetworkOptions.nodeKey(global.stateDirectory).publicKey
            let sources = BlobHolding.sources(announceURLs, client: announceClient, localStaticKey: nodeKey)
                + (node.map { [DHTHolderSource(holders: DHTHolders(dht: $0.session.dht), localStaticKey: nodeKey)] } ?? [])
            let blobs = BlobFetcher(
                store: try BlobStores.open(global.stateDirectory), localStatic: try X25519.PrivateKey.generate(),
                peers: try peerNetwork.blobPeers(), proxy: try anonymity.proxy, holderSources: sources)
            // Through a proxy, torrent data goes through a session of its own (the DHT node's is not proxied).
            let shared = anonymity.proxyURL == nil ? node?.session : nil
            let stateDirectory = global.stateDirectory
            return Downloads(
                session: try shared ?? network.makeSession(anonymity), blobs: blobs, folder: folder, json: global.json
            ) { descriptor in
                // Held now: recorded, and announced at once when the node announces.
                do { try BlobHolding.record(descriptor, in: stateDirectory) } catch {
                    warn("fetched \(descriptor.hex) but could not record it as held: \(error)")
                }
                announcerBox.announcer?.announce(descriptor)
                announcerBox.dhtAnnouncer?.announce(descriptor)
            }
        }
        // Gossip: what the engine accepts from any source goes to peers that follow the channel, and back.
        var gossip: (node: GossipNode, connector: Task<Void, Never>, relay: Task<Void, Never>)?
        var i2pSession: SAMSession?
        if peerNetwork.isEnabled {
            var configuration = GossipConfiguration()
            configuration.proxy = try anonymity.proxy
            let node = GossipNode(
                staticKey: try PeerNetworkOptions.nodeKey(global.stateDirectory), backend: EngineGossipBackend(engine: engine),
                configuration: configuration, blobs: try peerNetwork.blobServer(global.stateDirectory))
            let relay = await node.relayUpdates(of: engine)
            if peerNetwork.needsI2P { i2pSession = try await anonymity.i2p.makeSession(global.stateDirectory) }
            let (peerPort, connector, i2pAddress) = try await peerNetwork.start(node, i2p: i2pSession)
            if let i2pAddress { warn("peers on \(i2pAddress) key \(Hex.encode(node.staticPublicKey))") }
            if let peerPort, peerNetwork.blobs, !announceURLs.isEmpty {
                announcerBox.announcer = try BlobHolding.startAnnouncer(
                    announceURLs, client: announceClient, port: peerPort, staticKey: node.staticPublicKey,
                    stateDirectory: global.stateDirectory, store: try BlobStores.open(global.stateDirectory), json: global.json)
            }
            if let peerPort, peerNetwork.blobs, let dhtNode = self.node(of: service) {
                announcerBox.dhtAnnouncer = try BlobHolding.startDHTAnnouncer(
                    DHTHolders(dht: dhtNode), port: peerPort, staticKey: node.staticPublicKey,
                    stateDirectory: global.stateDirectory, store: try BlobStores.open(global.stateDirectory), json: global.json)
            }
            gossip = (node, connector, relay)
        }
        let started = ContinuousClock.now
        let (signals, continuation) = AsyncStream<Signal>.makeStream()
        let events = await engine.events()

        let tasks: [Task<Void, Never>] = [
            Task { for await event in events { continuation.yield(.event(event)) } },
            Task {
                if let seconds = timeout ?? (once ? 30 : nil) {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    continuation.yield(.stop)
                }
            },
            Task {
                await Signals.waitForTermination()
                continuation.yield(.stop)
            },
        ] + (service.map { service in
            [Task {
                // The engine's event reports an accepted manifest; `received` lets --once look at what is held.
                if once {
                    await Self.resolveUntilFound(channel, service)
                } else {
                    await service.start()
                }
                continuation.yield(.received)
            }]
        } ?? []) + (try clients.map { url, client in
            let stream = try client.subscribe(to: channel.hex)
            return Task {
                for await manifest in stream {
                    _ = try? await engine.offer(manifest, from: .tracker(url))
                    continuation.yield(.received)
                }
            }
        })

        var failure: CLIFailure?
        loop: for await signal in signals {
            switch signal {
            case let .event(.updated(manifest, _, source)) where !once && manifest.channelID == channel.hex:
                report(manifest, source: source)
                await downloads?.start(manifest)
            case let .event(.equivocation(held, offered, source)):
                warn("equivocation on channel \(held.channelID) sequence \(held.sequence) from \(source): kept the first, the other is evidence (\(offered.body.collections.count) collections)")
            case let .event(.refused(_, reason, source)):
                warn("refused a manifest from \(source): \(reason)")
            case .received where once, .event(.updated(_, _, _)) where once:
                if let latest = try await engine.latest(channel) {
                    report(latest, source: nil)
                    if let downloads {
                        await downloads.start(latest)
                        let budget = Duration.milliseconds(Int((timeout ?? 30) * 1000)) - (ContinuousClock.now - started)
                        if await !downloads.waitForAll(timeout: budget) {
                            failure = CLIFailure("downloads of channel \(channel.hex) did not complete within \(Int(timeout ?? 30)) s")
                        }
                    }
                    break loop
                }
            case .stop:
                if once {
                    // Say why a tracker was never reached (a SOCKS5 refusal with its reply code, …).
                    let reasons = clients.compactMap { url, client in client.lastConnectionError.map { "\(url): \($0)" } }
                    let why = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
                    failure = CLIFailure("no manifest for channel \(channel.hex) arrived within \(Int(timeout ?? 30)) s\(why)")
                }
                break loop
            default:
                continue
            }
        }
        for task in tasks { task.cancel() }
        for (_, client) in clients { await client.close() }
        await announcerBox.announcer?.stop()
        announcerBox.dhtAnnouncer?.stop()
        await service?.stop()
        node?.saveState()
        gossip?.connector.cancel()
        gossip?.relay.cancel()
        await gossip?.node.close()
        await i2pSession?.close()
        if let failure { throw failure }
    }

    /// The holder announcer, once the peer listener is up (downloads that end earlier are announced by its first round).
    private final class AnnouncerBox: Sendable {
        private let box = Mutex<HolderAnnouncer?>(nil)
        private let dhtBox = Mutex<DHTHolderAnnouncer?>(nil)
        var announcer: HolderAnnouncer? {
            get { box.withLock { $0 } }
            set { box.withLock { $0 = newValue } }
        }
        var dhtAnnouncer: DHTHolderAnnouncer? {
            get { dhtBox.withLock { $0 } }
            set { dhtBox.withLock { $0 = newValue } }
        }
    }

    /// The DHT node of the `--dht` service, if any.
    private func node(of service: DHTService?) -> DHTNode? { service.map { DHTNode(session: $0.session) } }

    private func report(_ manifest: SignedManifest, source: ManifestSource?) {
        if global.json {
            printLine(manifest.jsonString)
            return
        }
        let items = manifest.body.collections.reduce(0) { $0 + $1.items.count }
        printLine("channel \(manifest.channelID) sequence \(manifest.sequence)\(source.map { " from \($0)" } ?? ""): \(items) items in \(manifest.body.collections.count) collections")
        for collection in manifest.body.collections {
            printLine("  \(collection.title)")
            for item in collection.items { printLine("    \(item)") }
        }
    }

    /// With --once: resolves the channel again (every 2 s) until a manifest is held or the task is cancelled.
    private static func resolveUntilFound(_ channel: Ed25519.PublicKey, _ service: DHTService) async {
        while !Task.isCancelled {
            if let resolution = try? await service.resolve(channel), case .resolved = resolution.outcome { return }
            if (try? await service.engine.latest(channel)) != nil { return }
            guard (try? await Task.sleep(for: .seconds(2))) != nil else { return }
        }
    }

    /// Says why a channel's DHT pointer or manifest torrent was refused.
    @Sendable private static func reportRefusal(_ resolution: DHTService.Resolution) {
        if case let .refused(why) = resolution.outcome {
            warn("refused the DHT record of channel \(resolution.channel.hex): \(why)")
        }
    }
}
