import Foundation
import XCTest
import MegatorrentTestSupport

/// `serve --peer-listen`, `subscribe --peer` and `node-key` as processes: a manifest published to the tracker reaches
/// a subscriber that follows the channel through peers only, also through a second subscriber.
final class GossipCLITests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-cli-gossip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testPublishedToTheTrackerReachesPeersThroughAPeer() throws {
        let hub = try LongRunning(
            CLIRunner(stateDirectory: folder + "/hub"),
            ["serve", "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--db", folder + "/hub.sqlite", "--json"])
        defer { hub.stop() }
        let listening = try XCTUnwrap(hub.nextJSON(timeout: 30)["listening"] as? String)
        let peers = try hub.nextJSON(timeout: 30)
        let hubPeer = try XCTUnwrap(peers["peers"] as? String) + ":" + (try XCTUnwrap(peers["staticKey"] as? String))

        // node-key prints the key a node was started with (and keeps it).
        let relayState = CLIRunner(stateDirectory: folder + "/relay")
        let relayKey = try relayState.run(["node-key"]).lastLine
        XCTAssertEqual(relayKey.count, 64)
        XCTAssertEqual(try relayState.run(["node-key"]).lastLine, relayKey, "the key is kept in the state folder")

        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let relayPort = try freeLoopbackPort()
        let relay = try LongRunning(
            relayState, ["subscribe", channel, "--peer", hubPeer, "--peer-listen", "127.0.0.1:\(relayPort)", "--json"])
        defer { relay.stop() }
        let leaf = try LongRunning(
            CLIRunner(stateDirectory: folder + "/leaf"), ["subscribe", channel, "--peer", "127.0.0.1:\(relayPort):\(relayKey)", "--json"])
        defer { leaf.stop() }
        Thread.sleep(forTimeInterval: 2)  // both connected (they retry every second until they are)

        let input = folder + "/in.json"
        for (sequence, hash) in [(1, "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"), (2, "d22fe1c06bba254a9dc9f519b335aa7c1367a88b")] {
            _ = FileManager.default.createFile(
                atPath: input, contents: Data(#"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:\#(hash)"]}]}"#.utf8))
            let published = try author.run(["publish", "--tracker", "ws://\(listening)/", "--key", folder + "/k", input])
            XCTAssertEqual(published.status, 0, published.stderr)
            XCTAssertEqual(try relay.nextJSON(timeout: 30)["sequence"] as? Int, sequence, "the relay got it from the hub")
            XCTAssertEqual(try leaf.nextJSON(timeout: 30)["sequence"] as? Int, sequence, "the leaf got it through the relay")
        }

        let late = try CLIRunner(stateDirectory: folder + "/late").run(["subscribe", channel, "--peer", hubPeer, "--once", "--json", "--timeout", "20"])
        XCTAssertEqual(late.status, 0, late.stderr)
        XCTAssertTrue(late.stdout.contains(#""sequence":2"#), late.stdout)

        let wrongKey = try CLIRunner(stateDirectory: folder + "/wrong").run(
            ["subscribe", channel, "--peer", "127.0.0.1:\(relayPort):" + String(repeating: "ab", count: 32), "--once", "--timeout", "3"])
        XCTAssertNotEqual(wrongKey.status, 0)
        XCTAssertTrue(wrongKey.stderr.contains("cannot reach peer"), wrongKey.stderr)
        let badPeer = try CLIRunner(stateDirectory: folder + "/bad").run(["subscribe", channel, "--peer", "127.0.0.1:1"])
        XCTAssertTrue(badPeer.stderr.contains("expected HOST:PORT:KEY"), badPeer.stderr)
    }
}
