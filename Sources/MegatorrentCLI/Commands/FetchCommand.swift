import ArgumentParser
import Foundation
import MegatorrentBlobs
import MegatorrentManifest
import MegatorrentNode
import MegatorrentTracker
import Synchronization

/// `megatorrent fetch LINK`: downloads the file a blob link names, from the local store and peers.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download the file a blob link names, from the local store and from peers (docs/blobs.md).",
        discussion: """
            Chunks already in the local blob store are used first; the rest come from every --peer at once. When \
            the --peer nodes lack the descriptor or a chunk, they are asked for the nodes they know (peer \
            exchange, one hop) and those that hold it are used too (--no-discovery: only the --peer nodes). Each \
            --tracker is asked once which nodes hold the file (an announce on the file's holders' info-hash) and \
            those are used like --peer nodes; without --peer, the trackers are the only source. With --dht, a DHT \
            node runs for the fetch and the DHT is asked as well (the holders' announces and item). Every \
            blob is checked against its id, a peer sending a bad one is dropped, and the file appears at --out only \
            once whole and matching its SHA-256 (until then OUT.mtpart and OUT.mtpart.state). Run the same command \
            again after an interruption to resume. With --proxy every connection goes through the SOCKS5 proxy. Fetched blobs stay in the store, so `serve --blobs` or \
            `subscribe --blobs` on this state folder serves them. A progress bar on a terminal; with --json, \
            {"event":"progress",…} lines then {"event":"done",…}.
            """)

    @Argument(help: "The link (magnet:?xs=urn:mtblob:…&mtk=…).")
    var link: String

    @Option(help: "Where to write the file (default: the descriptor's name in the current folder).")
    var out: String?

    @Option(name: .customLong("peer"), help: "A node serving blobs, HOST:PORT:KEY (repeatable).")
    var peers: [String] = []

    @Option(
        name: .customLong("tracker"),
        help: "A tracker to ask for the file's holders: http[s]://HOST:PORT/announce, or ws[s]://HOST:PORT/ of a megatorrent tracker (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("tracker-ca"), help: "A PEM file of CA certificates trusted for https:// trackers besides the system's.")
    var trackerCA: String?

    @Flag(help: "Ask the BitTorrent DHT for the file's holders too (a DHT node runs for the fetch; refused in safe mode).")
    var dht = false

    @OptionGroup var dhtNetwork: DHTNetworkOptions

    @Flag(help: "Replace the output file when it exists.")
    var force = false

    @Option(help: "Requests in flight per peer.")
    var window = 4

    @Flag(name: .customLong("discovery"), inversion: .prefixedNo, help: "When the --peer nodes lack a blob, ask them which nodes hold it (peer exchange, one hop).")
    var discovery = true

    @OptionGroup var anonymity: AnonymityOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        for peer in peers { _ = try PeerAddress(parsing: peer) }
        _ = try BlobHolding.announceURLs(trackers)
        try anonymity.refuseDHT(dht)
        guard (1...64).contains(window) else { throw ValidationError("--window must be 1...64") }
    }

    func run() async throws {
        let parsed = try BlobLink.parse(link)
        let store = try BlobStores.open(global.stateDirectory)
        let targets = try peers.map(PeerAddress.init(parsing:)).map {
            BlobPeer(host: $0.address.host, port: $0.address.port, staticKey: $0.staticKey)
        }
        let key = try PeerNetworkOptions.nodeKey(global.stateDirectory)
        var trackerConfiguration = try anonymity.trackerConfiguration()
        trackerConfiguration.trustRootsFile = trackerCA
        let dhtNode = dht ? try await dhtNetwork.start(stateDirectory: global.stateDirectory) : nil
        defer { dhtNode?.saveState() }
        let sources = BlobHolding.sources(
            try BlobHolding.announceURLs(trackers), client: AnnounceClient(configuration: trackerConfiguration),
            localStaticKey: key.publicKey)
            + (dhtNode.map { [DHTHolderSource(holders: DHTHolders(dht: $0.session.dht), localStaticKey: key.publicKey)] } ?? [])
        let fetcher = BlobFetcher(
            store: store, localStatic: key, peers: targets, window: window, discovery: discovery, proxy: try anonymity.proxy,
            holderSources: sources)
        let reporter = ProgressReporter(json: global.json)
        let result = try await fetcher.fetch(link: parsed, outputPath: out, overwrite: force) { reporter.report($0) }
        reporter.finish()
        // The node now holds the file: `serve --blobs --tracker` on this state folder announces it.
        do { try BlobHolding.record(parsed.descriptor, in: global.stateDirectory) } catch {
            warn("the file is fetched but not recorded as held (it will not be announced): \(error)")
        }
        if global.json {
            printJSON([
                "event": "done", "path": result.path, "size": result.size, "resumed": result.resumed, "fromStore": result.fromStore,
                "fromPeers": result.fromPeers, "droppedPeers": result.droppedPeers,
            ])
        } else {
            for peer in result.droppedPeers { warn("dropped peer \(peer): it sent a bad blob") }
            printLine("\(result.path) (\(result.size) bytes)")
        }
    }
}

/// Progress of a fetch: JSON lines on stdout (at most 5 a second, and the last), or a bar on a terminal's stderr.
final class ProgressReporter: Sendable {
    private let json: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let last = Mutex<(at: ContinuousClock.Instant?, done: Int)>((nil, -1))

    init(json: Bool) { self.json = json }

    func report(_ progress: BlobFetcher.Progress) {
        let due = last.withLock { last -> Bool in
            let now = ContinuousClock.now
            let final = progress.done == progress.total
            guard progress.done != last.done, final || last.at.map({ now - $0 >= .milliseconds(200) }) ?? true else { return false }
            last = (now, progress.done)
            return true
        }
        guard due else { return }
        if json {
            printJSON(["event": "progress", "done": progress.done, "total": progress.total, "bytes": progress.bytes, "size": progress.size])
        } else if terminal {
            let fraction = progress.total == 0 ? 1 : Double(progress.done) / Double(progress.total)
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))% \(progress.done)/\(progress.total) chunks".utf8))
        }
    }

    func finish() {
        if !json && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
