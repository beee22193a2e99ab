import ArgumentParser
import Foundation
import MegatorrentState
import MegatorrentTorrent

/// DHT options shared by `publish --dht` and `subscribe --dht`: where the node listens and which nodes it joins.
struct DHTNetworkOptions: ParsableArguments {
    @Option(name: .customLong("dht-listen"), help: "Where the DHT node (and its torrents) listens, HOST:PORT (port 0: any free one).")
    var dhtListen = "0.0.0.0:6881"

    @Option(
        name: .customLong("dht-node"),
        help: "A DHT node to join, HOST:PORT (repeatable). Without one, the public bootstrap routers are used.")
    var dhtNodes: [String] = []

    @Option(name: .customLong("dht-interval"), help: "Seconds between two resolutions of each followed channel (jittered by 20 %).")
    var dhtInterval: Double = 600

    /// The public routers libtorrent uses by default, joined when no `--dht-node` is given.
    static let publicRouters = "dht.libtorrent.org:25401,router.bittorrent.com:6881,router.utorrent.com:6881,dht.transmissionbt.com:6881"

    func validate() throws {
        _ = try HostPort(parsing: dhtListen, option: "--dht-listen")
        for node in dhtNodes { _ = try HostPort(parsing: node, option: "--dht-node") }
        guard dhtInterval >= 1 else { throw ValidationError("--dht-interval must be at least 1 second") }
    }

    /// The settings of the node's session: DHT on, LSD/UPnP/NAT-PMP off; a node on a loopback address gets the
    /// relaxations a local swarm needs (DESIGN.md, "DHT").
    var settings: TorrentSessionSettings {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = dhtListen
        settings.enableDHT = true
        settings.dhtBootstrapNodes = dhtNodes.isEmpty ? Self.publicRouters : ""
        settings.allowMultipleConnectionsPerIP = true
        if let listen = try? HostPort(parsing: dhtListen, option: ""), listen.isLoopback {
            settings.dhtRestrictRoutingIPs = false
            settings.dhtRestrictSearchIPs = false
            settings.dhtPreferVerifiedNodeIDs = false
            settings.dhtBlockRateLimit = 100_000
            settings.dhtUploadRateLimit = 10_000_000
        }
        return settings
    }

    /// How long the node waits quietly for the DHT to run, and how long at most.
    static let startPatience: Duration = .seconds(10)
    static let startLimit: Duration = .seconds(60)

    /// Starts the node: restores the DHT state kept in the state folder, waits (at most `startLimit`) until the DHT runs, joins
    /// every `--dht-node` and waits (at most `joinTimeout`) until the routing table holds one of them.
    func start(stateDirectory: StateDirectory, joinTimeout: Duration = .seconds(10)) async throws -> DHTNodeSession {
        if let listen = try? HostPort(parsing: dhtListen, option: ""), !listen.isLoopback,
            dhtNodes.contains(where: { (try? HostPort(parsing: $0, option: ""))?.isLoopback == true })
        {
            warn("a loopback swarm needs --dht-listen on a loopback address (127.0.0.1:PORT), not \(dhtListen)")
        }
        try stateDirectory.create()
        let statePath = stateDirectory.path + "/dht-state.bencode"
        let saved = FileManager.default.contents(atPath: statePath).map { [UInt8]($0) }
        let session = try TorrentSession(settings: settings, dhtState: saved)
        // libtorrent starts the DHT only once the bootstrap routers' names are resolved, so a slow or
        // unanswered DNS holds it back: after `startPatience` the node says so and waits up to `startLimit`.
        let isRunning = { (try? session.isDHTRunning) == true }
        if !(await poll(within: Self.startPatience, isRunning)) {
            warn("the DHT node has not started yet on \(dhtListen) (libtorrent waits for the router names to resolve); waiting")
            guard await poll(within: Self.startLimit - Self.startPatience, isRunning) else {
                throw CLIFailure("the DHT node did not start on \(dhtListen) within \(Self.startLimit)")
            }
        }
        for node in dhtNodes {
            let address = try HostPort(parsing: node, option: "--dht-node")
            try session.dht.addNode(host: address.host, port: address.port)
        }
        if !dhtNodes.isEmpty, !(await poll(within: joinTimeout, { ((try? session.dht.nodeCount) ?? 0) > 0 })) {
            warn("no DHT node answered yet (\(dhtNodes.joined(separator: ", "))); going on")
        }
        return DHTNodeSession(session: session, statePath: statePath)
    }
}

/// A running DHT node's session and where its state is kept.
struct DHTNodeSession {
    let session: TorrentSession
    let statePath: String

    /// Where manifest torrents are kept in the state folder.
    static func storeFolder(_ stateDirectory: StateDirectory) -> String { stateDirectory.path + "/channels" }

    /// Saves the routing table, so the next start joins at once (errors are ignored: the state is a cache).
    func saveState() {
        guard let state = try? session.dht.saveState() else { return }
        try? Data(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
    }
}

/// Checks `condition` every 20 ms until it holds or `timeout` passes; returns whether it held. For start-up only.
func poll(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline, (try? await Task.sleep(for: .milliseconds(20))) != nil else { return false }
    }
    return true
}

/// One line on standard error, prefixed with the program's name.
func warn(_ text: String) {
    FileHandle.standardError.write(Data("megatorrent: \(text)\n".utf8))
}
