import ArgumentParser
import Foundation
import MegatorrentCrypto
import MegatorrentGossip
import MegatorrentBlobs
import MegatorrentI2P
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
    @Option(
        name: .customLong("peer"),
        help: "A peer to follow channels through, HOST:PORT:KEY, or NAME.b32.i2p:KEY or DESTINATION:KEY over I2P (needs --i2p-sam) (repeatable).")
    var peers: [String] = []

    @Option(
        name: .customLong("peer-listen"),
        help: "Accept peers (Noise-IK secure transport) on HOST:PORT, or on this node's I2P destination with `i2p` (needs --i2p-sam; prints its .b32.i2p address).")
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
        for peer in peers { _ = try PeerTarget(parsing: peer) }
        if let peerListen, !listensOnI2P { _ = try HostPort(parsing: peerListen, option: "--peer-listen") }
        guard blobRate > 0 else { throw ValidationError("--blob-rate must be above 0") }
    }

    var isEnabled: Bool { !peers.isEmpty || peerListen != nil }

    /// `--peer-listen i2p`.
    var listensOnI2P: Bool { peerListen?.lowercased() == "i2p" }

    /// Whether any peer or the listener is on I2P (a SAM session is needed).
    var needsI2P: Bool { listensOnI2P || peers.contains { (try? PeerTarget(parsing: $0))?.isI2P == true } }

    /// Starts listening (if asked) and connects to every `--peer`, retrying in the background (every 5 s, up to the
    /// end of the returned task) those that cannot be reached yet. Returns the listening port (or nil) and, with
    /// `--peer-listen i2p`, the node's `.b32.i2p` address. `i2p` is the SAM session for I2P peers and listening.
    func start(_ node: GossipNode, i2p: SAMSession? = nil) async throws -> (port: Int?, connector: Task<Void, Never>, i2pAddress: String?) {
        var port: Int?
        var i2pAddress: String?
        if listensOnI2P {
            guard let i2p else { throw ValidationError("--peer-listen i2p needs --i2p-sam HOST:PORT") }
            i2pAddress = node.listen(over: i2p)
        } else if let peerListen {
            let address = try HostPort(parsing: peerListen, option: "--peer-listen")
            port = try await node.listen(host: address.host, port: address.port)
        }
        let targets = try peers.map(PeerTarget.init(parsing:))
        if targets.contains(where: \.isI2P), i2p == nil { throw ValidationError("I2P peers need --i2p-sam HOST:PORT") }
        let connector = Task {
            await withTaskGroup(of: Void.self) { group in
                for target in targets {
                    group.addTask { await Self.keepConnected(node, target, i2p: i2p) }
                }
            }
        }
        return (port, connector, i2pAddress)
    }

    /// Connects to `target` and reconnects when the connection ends, until cancelled.
    private static func keepConnected(_ node: GossipNode, _ target: PeerTarget, i2p: SAMSession?) async {
        let id = Hex.encode(target.staticKey)
        var reported = false
        while !Task.isCancelled {
            if !node.peers.contains(where: { $0.id == id }) {
                do {
                    switch target {
                    case let .tcp(peer):
                        try await node.connect(host: peer.address.host, port: peer.address.port, remoteStatic: peer.staticKey)
                    case let .i2p(address, key):
                        guard let i2p else { return }
                        try await node.connect(over: i2p, to: address, remoteStatic: key)
                    }
                    reported = false
                } catch {
                    if !reported { warn("cannot reach peer \(target.label): \(error); retrying") }
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
