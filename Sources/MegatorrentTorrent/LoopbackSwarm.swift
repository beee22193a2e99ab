extension TorrentSessionSettings {
    /// Settings for one node of a DHT swarm on 127.0.0.1 (tests, benchmarks, local demos; DESIGN.md, "DHT"): an
    /// explicit 127.0.0.1 listen address, DHT on, no bootstrap routers, no per-IP restrictions, rate limits raised
    /// (libtorrent's defaults, 5 packets/s per source address and 8000 B/s, starve a loopback swarm), and several peer
    /// connections per IP (every node is 127.0.0.1: without it a downloader that learns its own address and the
    /// seeder's from the DHT keeps one of the two, and may never connect to the seeder). Never for a real network.
    public static var loopbackDHT: TorrentSessionSettings {
        var settings = TorrentSessionSettings()
        settings.listenInterfaces = "127.0.0.1:0"
        settings.enableDHT = true
        settings.dhtBootstrapNodes = ""
        settings.dhtRestrictRoutingIPs = false
        settings.dhtRestrictSearchIPs = false
        settings.dhtPreferVerifiedNodeIDs = false
        settings.dhtBlockRateLimit = 100_000
        settings.dhtUploadRateLimit = 10_000_000
        settings.allowMultipleConnectionsPerIP = true
        return settings
    }
}

/// Builds a DHT swarm of sessions on 127.0.0.1 the way that works (DESIGN.md, "DHT"): start every session, wait
/// until every DHT runs, then join them in a full mesh with add_dht_node (routing tables fill in tens of
/// milliseconds; a hub or bootstrap routers take 30 s and more). The caller owns the sessions.
public enum LoopbackSwarm {
    /// Starts `count` sessions with `settings` and returns once every DHT runs (not yet joined: see ``mesh(_:with:)``).
    /// Throws ``TorrentError/Code/dhtNotRunning`` when one does not run within `timeout`, and what
    /// ``TorrentSession/init(settings:)`` throws.
    public static func start(
        count: Int, settings: TorrentSessionSettings = .loopbackDHT, timeout: Duration = .seconds(10)
    ) async throws(TorrentError) -> [TorrentSession] {
        let sessions = try (0..<count).map { _ throws(TorrentError) in try TorrentSession(settings: settings) }
        let running = try await poll(timeout: timeout) { () throws(TorrentError) in
            for session in sessions where try !session.isDHTRunning { return false }
            return true
        }
        guard running else {
            throw TorrentError(code: .dhtNotRunning, message: "not every DHT of \(count) sessions ran within \(timeout)")
        }
        return sessions
    }

    /// Adds every session's port to every other session (a full mesh), and `otherPorts` (nodes outside these
    /// sessions, on 127.0.0.1) to every session. Returns at once; see ``waitForRoutingTables(_:holding:timeout:)``.
    public static func mesh(_ sessions: [TorrentSession], with otherPorts: [Int] = []) throws(TorrentError) {
        let ports = try sessions.map { (session) throws(TorrentError) in try session.listenPort }
        for (index, session) in sessions.enumerated() {
            for (other, port) in ports.enumerated() where other != index {
                try session.dht.addNode(host: "127.0.0.1", port: port)
            }
            for port in otherPorts {
                try session.dht.addNode(host: "127.0.0.1", port: port)
            }
        }
    }

    /// Waits until every session's routing table holds at least `nodes` nodes; returns whether that happened within
    /// `timeout` (checked every 10 ms).
    public static func waitForRoutingTables(
        _ sessions: [TorrentSession], holding nodes: Int, timeout: Duration = .seconds(10)
    ) async throws(TorrentError) -> Bool {
        try await poll(timeout: timeout) { () throws(TorrentError) in
            for session in sessions where try session.dht.nodeCount < nodes { return false }
            return true
        }
    }

    /// Checks `condition` every 10 ms until it holds or `timeout` has passed; returns whether it held.
    static func poll(timeout: Duration, _ condition: () throws(TorrentError) -> Bool) async throws(TorrentError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
