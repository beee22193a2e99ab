// Test support shared by the test targets that need a loopback DHT swarm (a library target, not a test target).
import Foundation
import MegatorrentTorrent
import XCTest

/// Settings for one node of a loopback DHT swarm: ``TorrentSessionSettings/loopbackDHT``.
public func loopbackDHTSettings() -> TorrentSessionSettings {
    .loopbackDHT
}

/// Waits until `condition` holds, checking every 10 ms, for at most `seconds`; returns whether it held. For test
/// set-up only (DHT start, routing tables), never for alerts.
public func eventually(within seconds: Double, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
}

/// Seconds since `start`, for the timings the tests print.
public func seconds(since start: ContinuousClock.Instant) -> String {
    let elapsed = ContinuousClock.now - start
    return String(format: "%.3f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// `count` loopback DHT sessions joined in a full mesh with add_dht_node once every DHT runs (``LoopbackSwarm``),
/// and their orderly release.
public final class DHTSwarm: @unchecked Sendable {
    /// The nodes; an entry is `nil` once that node has left.
    public private(set) var sessions: [TorrentSession?]
    /// Each node's port (UDP for the DHT, TCP for peers).
    public let ports: [Int]

    /// Starts `count` nodes with `settings` (default ``loopbackDHTSettings()``) and meshes them.
    public init(count: Int, settings: TorrentSessionSettings = loopbackDHTSettings()) async throws {
        let start = ContinuousClock.now
        let sessions = try await LoopbackSwarm.start(count: count, settings: settings)
        ports = try sessions.map { try $0.listenPort }
        try LoopbackSwarm.mesh(sessions)
        let joined = try await LoopbackSwarm.waitForRoutingTables(sessions, holding: count - 1)
        XCTAssertTrue(joined, "every routing table holds the other \(count - 1) nodes")
        self.sessions = sessions
        print("swarm of \(count) running and meshed in \(seconds(since: start))")
    }

    /// Node `index`'s DHT.
    public func dht(_ index: Int) throws -> DHTNode {
        try session(index).dht
    }

    /// Node `index`'s session.
    public func session(_ index: Int) throws -> TorrentSession {
        try XCTUnwrap(sessions[index], "node \(index) has left")
    }

    /// Frees node `index` on another thread; fails the test unless that ends within `timeout` seconds and the session
    /// is really gone (no reference left).
    public func leave(_ index: Int, timeout: TimeInterval = 30) async {
        await free([index], timeout: timeout)
    }

    /// Frees every node still there, as ``leave(_:timeout:)``.
    public func shutDown(timeout: TimeInterval = 30) async {
        await free(Array(sessions.indices), timeout: timeout)
    }

    private func free(_ indices: [Int], timeout: TimeInterval) async {
        final class Holder: @unchecked Sendable {
            var sessions: [TorrentSession]
            init(_ sessions: [TorrentSession]) { self.sessions = sessions }
        }
        let holder = Holder(indices.compactMap { sessions[$0] })
        struct Probe { weak let session: TorrentSession? }
        let probes = holder.sessions.map { Probe(session: $0) }
        for index in indices { sessions[index] = nil }
        let freed = XCTestExpectation(description: "\(holder.sessions.count) sessions freed")
        let start = ContinuousClock.now
        let count = holder.sessions.count
        // A hang fails the wait instead of blocking the test run (the stuck thread is left behind).
        Thread {
            holder.sessions.removeAll()
            freed.fulfill()
        }.start()
        let result = await XCTWaiter().fulfillment(of: [freed], timeout: timeout)
        XCTAssertEqual(result, .completed, "freeing \(count) sessions did not end within \(timeout) s")
        XCTAssertTrue(probes.allSatisfy { $0.session == nil }, "a session outlived its release: something holds it")
        print("\(count) sessions freed in \(seconds(since: start))")
    }
}
