import ArgumentParser
import MegatorrentCrypto
import MegatorrentGossip
import MegatorrentI2P
import MegatorrentNode
import MegatorrentState
import MegatorrentTracker

/// `megatorrent serve --listen HOST:PORT --db PATH [--tls-cert PEM --tls-key PEM]`: the tracker.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a tracker: WebSocket publish/subscribe and HTTP announce/scrape (docs/tracker.md).",
        discussion: """
            Prints `listening on HOST:PORT` once it accepts connections; stops cleanly on SIGINT or SIGTERM. With \
            --tls-cert and --tls-key every connection is TLS: clients use wss://HOST:PORT/ and https:// for announce, \
            scrape, health and metrics. With \
            --peer-listen it also accepts peers over the Noise-IK secure transport (docs/wire.md): every manifest \
            the tracker stores is pushed to the peers that follow its channel, and manifests peers push are \
            published to the tracker under the same rules. --peer connects to other nodes the same way. With --blobs \
            the peers may also fetch the blobs of the state folder's store (`megatorrent fetch --peer`); with \
            --tracker (repeatable) as well, the node announces itself to those trackers as a holder of every file \
            it ingested or fetched, with its peer port and static key, so that `fetch --tracker` finds it.
            """)

    @Option(help: "Address to listen on (port 0 picks a free one).")
    var listen = "127.0.0.1:8080"

    @Option(help: "The tracker's SQLite database (default: tracker.sqlite in the state folder).")
    var db: String?

    @Option(name: .customLong("tls-cert"), help: "Serve TLS (wss://, https://) with this PEM certificate chain, the tracker's own first.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(
        name: .customLong("tracker"),
        help: "With --peer-listen HOST:PORT and --blobs: announce the held files to this tracker, http[s]://HOST:PORT/announce or ws[s]://HOST:PORT/ (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("tracker-ca"), help: "A PEM file of CA certificates trusted for https:// trackers besides the system's.")
    var trackerCA: String?

    @OptionGroup var peerNetwork: PeerNetworkOptions
    @OptionGroup var anonymity: AnonymityOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        _ = try BlobHolding.announceURLs(trackers)
        if !trackers.isEmpty {
            guard peerNetwork.blobs, peerNetwork.peerListen != nil, !peerNetwork.listensOnI2P else {
                throw ValidationError("--tracker announces held files: it needs --blobs and --peer-listen HOST:PORT")
            }
        }
    }

    func run() async throws {
        let address = try HostPort(parsing: listen, option: "--listen")
        let (host, port) = (address.host, address.port)
        let path: String
        if let db {
            path = db
        } else {
            try global.stateDirectory.create()
            path = global.stateDirectory.path + "/tracker.sqlite"
        }
        var configuration = TrackerConfiguration()
        if let tlsCert, let tlsKey {
            configuration.tls = TrackerTLSFiles(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
        }
        let server = TrackerServer(configuration: configuration)
        try await server.start(host: host, port: port, databasePath: path)
        let bound = server.port ?? port
        let scheme = configuration.tls == nil ? "ws" : "wss"
        if global.json {
            printJSON(["listening": "\(host):\(bound)", "db": path, "tls": configuration.tls != nil])
        } else {
            printLine("listening on \(host):\(bound) (\(scheme)://, database \(path))")
        }
        var gossip: (node: GossipNode, connector: Task<Void, Never>)?
        var i2pSession: SAMSession?
        var announcer: HolderAnnouncer?
        if peerNetwork.isEnabled {
            var configuration = GossipConfiguration()
            configuration.isRelay = true
            configuration.proxy = try anonymity.proxy
            let node = GossipNode(
                staticKey: try PeerNetworkOptions.nodeKey(global.stateDirectory), backend: TrackerGossipBackend(server: server),
                configuration: configuration, blobs: try peerNetwork.blobServer(global.stateDirectory))
            node.relayStored(by: server)
            if peerNetwork.needsI2P { i2pSession = try await anonymity.i2p.makeSession(global.stateDirectory) }
            let (peerPort, connector, i2pAddress) = try await peerNetwork.start(node, i2p: i2pSession)
            gossip = (node, connector)
            if let i2pAddress {
                let key = Hex.encode(node.staticPublicKey)
                if global.json {
                    printJSON(["peers": i2pAddress, "staticKey": key])
                } else {
                    printLine("peers on \(i2pAddress) key \(key)")
                }
            }
            if let peerPort {
                let key = Hex.encode(node.staticPublicKey)
                if global.json {
                    printJSON(["peers": "\(host):\(peerPort)", "staticKey": key])
                } else {
                    printLine("peers on \(host):\(peerPort) key \(key)")
                }
                if !trackers.isEmpty {
                    var trackerConfiguration = try anonymity.trackerConfiguration()
                    trackerConfiguration.trustRootsFile = trackerCA
                    announcer = try BlobHolding.startAnnouncer(
                        try BlobHolding.announceURLs(trackers), client: AnnounceClient(configuration: trackerConfiguration),
                        port: peerPort, staticKey: node.staticPublicKey, stateDirectory: global.stateDirectory,
                        store: try BlobStores.open(global.stateDirectory), json: global.json)
                }
            }
        }
        await Signals.waitForTermination()
        await announcer?.stop()
        gossip?.connector.cancel()
        await gossip?.node.close()
        await i2pSession?.close()
        try await server.shutdown()
    }
}
