import Foundation
import MegatorrentTestSupport
import XCTest

/// `publish --dht` and `subscribe --dht` as processes, joined to a loopback swarm of 8 libtorrent sessions.
final class DHTCLITests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-cli-dht-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// The author publishes and stays as the channel's node; a live subscriber and a `--once` reader get the
    /// manifest; a second version reaches the live subscriber; once the author has left, a new reader still resolves
    /// the channel from the subscriber's seed; a channel nobody published ends `--once` with a clear failure.
    func testPublishResolveUpdateAndAuthorLeaving() async throws {
        let swarm = try await DHTSwarm(count: 8)
        let join = swarm.ports.prefix(3).flatMap { ["--dht-node", "127.0.0.1:\($0)"] }
        let dhtArguments = ["--dht", "--dht-listen", "127.0.0.1:0"] + join
        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let input = folder + "/in.json"
        func writeInput(_ hash: String) {
            _ = FileManager.default.createFile(
                atPath: input, contents: Data(#"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:\#(hash)"]}]}"#.utf8))
        }

        writeInput("c12fe1c06bba254a9dc9f519b335aa7c1367a88a")
        var publisher = try LongRunning(author, ["publish", "--key", folder + "/k", "--json", input] + dhtArguments)
        defer { publisher.stop() }
        let published = try publisher.nextJSON(timeout: 60)
        XCTAssertEqual(published["published"] as? Bool, true)
        XCTAssertEqual(published["channel"] as? String, channel)
        XCTAssertEqual(published["sequence"] as? Int, 1)
        XCTAssertGreaterThan(published["putAnswers"] as? Int ?? 0, 0, "the pointer reached nodes of the swarm")

        let follower = try LongRunning(
            CLIRunner(stateDirectory: folder + "/follower"),
            ["subscribe", channel, "--json", "--dht-interval", "1"] + dhtArguments)
        defer { follower.stop() }
        let first = try follower.nextJSON(timeout: 60)
        XCTAssertEqual(first["sequence"] as? Int, 1)
        XCTAssertEqual(first["publicKey"] as? String, channel)

        let reader = CLIRunner(stateDirectory: folder + "/reader")
        let once = try reader.run(["subscribe", channel, "--once", "--json", "--timeout", "60"] + dhtArguments)
        XCTAssertEqual(once.status, 0, once.stderr)
        XCTAssertEqual(try json(once.lastLine)["sequence"] as? Int, 1)

        // Version 2, put by a new run of the author's node: the live subscriber gets it by itself.
        XCTAssertEqual(publisher.stop(), 0, "the author's node stops cleanly on SIGTERM")
        writeInput("d22fe1c06bba254a9dc9f519b335aa7c1367a88b")
        publisher = try LongRunning(author, ["publish", "--key", folder + "/k", "--json", input] + dhtArguments)
        XCTAssertEqual(try publisher.nextJSON(timeout: 60)["sequence"] as? Int, 2)
        let second = try follower.nextJSON(timeout: 60)
        XCTAssertEqual(second["sequence"] as? Int, 2)
        XCTAssertTrue((second["collections"] as? [[String: Any]])?.description.contains("d22fe1c0") == true)

        // The author leaves: the channel stays reachable through the follower's seed of the manifest torrent.
        XCTAssertEqual(publisher.stop(), 0)
        let late = try CLIRunner(stateDirectory: folder + "/late").run(
            ["subscribe", channel, "--once", "--json", "--timeout", "90"] + dhtArguments)
        XCTAssertEqual(late.status, 0, late.stderr)
        XCTAssertEqual(try json(late.lastLine)["sequence"] as? Int, 2)

        let nobody = try reader.run(
            ["subscribe", String(repeating: "ab", count: 32), "--once", "--timeout", "3"] + dhtArguments)
        assertCleanFailure(nobody, contains: "arrived within")
        for index in 0..<8 { await swarm.leave(index) }
    }

    func testDHTOptionsAreChecked() throws {
        let runner = CLIRunner(stateDirectory: folder + "/state")
        let bad = try runner.run(["subscribe", String(repeating: "ab", count: 32), "--dht", "--dht-node", "nowhere"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("expected HOST:PORT"), bad.stderr)
        let keyless = try runner.run(["publish", "--dht", folder + "/none.json"])
        XCTAssertNotEqual(keyless.status, 0)
        XCTAssertTrue(keyless.stderr.contains("--dht needs --key"), keyless.stderr)
    }

    private func json(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }
}

/// A long-running `megatorrent` process (with the runner's state folder) whose output is read line by line.
struct LongRunning {
    let process: LineProcess

    init(_ runner: CLIRunner, _ arguments: [String]) throws {
        process = try LineProcess(
            name: "megatorrent \(arguments.first ?? "")", executable: CLIRunner.binary.path, arguments: arguments,
            environment: ["MEGATORRENT_HOME": runner.stateDirectory])
    }

    /// The next line of output as a JSON object; fails when none comes within `timeout` seconds.
    func nextJSON(timeout: Double) throws -> [String: Any] {
        let line = try process.readLine(timeout: timeout)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status.
    @discardableResult
    func stop() -> Int32 { process.terminate() }
}
