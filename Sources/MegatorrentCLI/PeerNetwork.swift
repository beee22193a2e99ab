import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentGossip
import MegatorrentBlobs
import MegatorrentIdentity
import MegatorrentState

/// A peer to follow a channel through: `HOST:PORT:STATICKEY` (the key: 64 hex digits, `megatorrent node-key`).
struct PeerAddress: Equatable {
    let address: HostPort
    let staticKey: [UInt8]

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let key = Hex.decode(String(text[text.index(after: colon)...])),
            key.count == 32
        else {
            throw ValidationError("--peer \(text): expected HOST:PORT:KEY with the node's 64-hex static key")
        }
        address = try HostPort(parsing: String(text[..<colon]), option: "--peer")
        staticKey = key
    }
}

/// Gossip options of `subscribe` and `serve`.
struct PeerNetworkOptions: ParsableArguments {
    @Option(name: .customLong("peer"), help: "A peer to follow channels through, HOST:PORT:KEY (repeatable).")
    var peers: [String] = []

    @Option(name: .customLong("peer-listen"), help: "Accept peers (Noise-IK secure transport) on HOST:PORT.")
    var peerListen: String?

    @Flag(help: "Serve the state folder's blob store to peers (blob requests on the same connections).")
    var blobs = false

    @Option(name: .customLong("blob-rate"), help: "With --blobs: blobs (1 MiB each) a peer may get per second.")
    var blobRate: Double = 512

    /// The blob server `--blobs` asks for, nil without it.
    func blobServer(_ stateDirectory: StateDirectory) throws -> BlobServer? {
        guard blobs else { return nil }
        var limits = BlobServerLimits()
        limits.blobsPerSecond = blobRate
        limits.burst = min(limits.burst, max(1, blobRate))
        return BlobServer(store: try BlobStores.open(stateDirectory), limits: limits)
    }

    /// The `--peer` nodes as blob sources.
    func blobPeers() throws -> [BlobPeer] {
        try peers.map(PeerAddress.init(parsing:)).map { BlobPeer(host: $0.address.host, port: $0.address.port, staticKey: $0.staticKey) }
    }

    func validate() throws {
        for peer in peers { _ = try PeerAddress(parsing: peer) }
        if let peerListen { _ = try HostPort(parsing: peerListen, option: "--peer-listen") }
        guard blobRate > 0 else { throw ValidationError("--blob-rate must be above 0") }
    }

    var isEnabled: Bool { !peers.isEmpty || peerListen != nil }

    /// Starts listening (if asked) and connects to every `--peer`, retrying in the background (every 5 s, up to the
    /// end of the returned task) those that cannot be reached yet. Returns the listening port (or nil).
    func start(_ node: GossipNode) async throws -> (port: Int?, connector: Task<Void, Never>) {
        var port: Int?
        if let peerListen {
            let address = try HostPort(parsing: peerListen, option: "--peer-listen")
            port = try await node.listen(host: address.host, port: address.port)
        }
        let targets = try peers.map(PeerAddress.init(parsing:))
        let connector = Task {
            await withTaskGroup(of: Void.self) { group in
                for target in targets {
                    group.addTask { await Self.keepConnected(node, target) }
                }
            }
        }
        return (port, connector)
    }

    /// Connects to `target` and reconnects when the connection ends, until cancelled.
    private static func keepConnected(_ node: GossipNode, _ target: PeerAddress) async {
        let id = Hex.encode(target.staticKey)
        var reported = false
        while !Task.isCancelled {
            if !node.peers.contains(where: { $0.id == id }) {
                do {
                    try await node.connect(host: target.address.host, port: target.address.port, remoteStatic: target.staticKey)
                    reported = false
                } catch {
                    if !reported { warn("cannot reach peer \(target.address.host):\(target.address.port): \(error); retrying") }
                    reported = true
                }
            }
            guard (try? await Task.sleep(for: .seconds(reported ? 5 : 1))) != nil else { return }
        }
    }

    /// This node's static key, kept in the state folder.
    static func nodeKey(_ stateDirectory: StateDirectory) throws -> X25519.PrivateKey {
        try stateDirectory.create()
        return try NodeKey.loadOrCreate(folder: stateDirectory.path)
    }
}
