import Foundation
import MegatorrentTestSupport
import XCTest

/// `serve`, `publish --tracker` and `subscribe --tracker` as processes, as a user runs them.
final class TrackerCLITests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-cli-tracker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// Starts `megatorrent serve` on a free port with `db`; returns the process and its port.
    func startServer(db: String, extra: [String] = []) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--db", db] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens (bounded: the pipe closes if the process dies).
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        let port = try XCTUnwrap(text.split(separator: " ").dropFirst(2).first?.split(separator: ":").last.flatMap { Int($0) }, text)
        return (process, port)
    }

    func testPublishAndSubscribeOnce() throws {
        let (server, port) = try startServer(db: folder + "/tracker.sqlite")
        defer { server.terminate(); server.waitUntilExit() }
        let author = CLIRunner(stateDirectory: folder + "/author"), reader = CLIRunner(stateDirectory: folder + "/reader")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let input = folder + "/in.json"
        _ = FileManager.default.createFile(atPath: input, contents: Data(#"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"]}]}"#.utf8))
        let url = "ws://127.0.0.1:\(port)/"
        let published = try author.run(["publish", "--tracker", url, "--key", folder + "/k", input])
        XCTAssertEqual(published.status, 0, published.stderr)
        XCTAssertTrue(published.stdout.contains("sequence 1"), published.stdout)

        let once = try reader.run(["subscribe", channel, "--tracker", url, "--once", "--json", "--timeout", "20"])
        XCTAssertEqual(once.status, 0, once.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(once.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(manifest?["sequence"] as? Int, 1)
        XCTAssertEqual(manifest?["publicKey"] as? String, channel)

        // A replay refused by the tracker is one clear line and a non-zero exit.
        let replay = try author.run(["publish", "--tracker", url, folder + "/none.json"])
        assertCleanFailure(replay, contains: "no such file")
        let signedAgain = try author.run(["manifest", "sign", "--key", folder + "/k", "--sequence", "1", input])
        let stale = try author.run(["publish", "--tracker", url, "-"], stdin: signedAgain.stdout)
        assertCleanFailure(stale, contains: "17")

        let missing = try reader.run(["subscribe", String(repeating: "ab", count: 32), "--tracker", url, "--once", "--timeout", "1"])
        assertCleanFailure(missing, contains: "arrived within")
    }

    /// `serve --tls-cert/--tls-key` serves wss://; `publish` and `subscribe` reach it with
    /// `--tracker-ca`, and refuse it with one clear line without.
    func testPublishAndSubscribeOverWSS() throws {
        let pki = try TestCertificates(folder: folder + "/pki")
        let (server, port) = try startServer(
            db: folder + "/tracker.sqlite", extra: ["--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey])
        defer { server.terminate(); server.waitUntilExit() }
        let author = CLIRunner(stateDirectory: folder + "/author"), reader = CLIRunner(stateDirectory: folder + "/reader")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let input = folder + "/in.json"
        _ = FileManager.default.createFile(atPath: input, contents: Data(#"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"]}]}"#.utf8))
        let url = "wss://localhost:\(port)/"
        let published = try author.run(["publish", "--tracker", url, "--tracker-ca", pki.caFile, "--key", folder + "/k", input])
        XCTAssertEqual(published.status, 0, published.stderr)
        XCTAssertTrue(published.stdout.contains("sequence 1"), published.stdout)

        let once = try reader.run(
            ["subscribe", channel, "--tracker", url, "--tracker-ca", pki.caFile, "--once", "--json", "--timeout", "20"])
        XCTAssertEqual(once.status, 0, once.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(once.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(manifest?["sequence"] as? Int, 1)

        // Without the CA the certificate does not verify: one line that says so, at once.
        let refused = try author.run(["publish", "--tracker", url, "--key", folder + "/k", input])
        assertCleanFailure(refused, contains: "failed verification")
        let missing = try author.run(["publish", "--tracker", url, "--tracker-ca", folder + "/none.pem", "--key", folder + "/k", input])
        assertCleanFailure(missing, contains: "cannot read the trust roots file")
        let badServer = try author.run(["serve", "--listen", "127.0.0.1:0", "--db", folder + "/x.sqlite", "--tls-cert", pki.serverCertificate, "--tls-key", folder + "/none.key"])
        assertCleanFailure(badServer, contains: "cannot read the private key")
    }

    /// The whole flow: a file seeded (announced to our tracker over HTTP), its magnet published in a
    /// manifest, a subscriber downloads it through libtorrent with peers from the tracker, byte for
    /// byte the same.
    func testSeedPublishSubscribeAndDownload() throws {
        let (server, port) = try startServer(db: folder + "/tracker.sqlite")
        defer { server.terminate(); server.waitUntilExit() }
        let share = folder + "/share", downloads = folder + "/downloads"
        try FileManager.default.createDirectory(atPath: share, withIntermediateDirectories: true)
        let content = Data((0..<3_000_000).map { _ in UInt8.random(in: 0...255) })
        try content.write(to: URL(fileURLWithPath: share + "/sample.bin"))

        let seeder = Process()
        seeder.executableURL = CLIRunner.binary
        seeder.arguments = ["seed", share + "/sample.bin", "--announce", "http://127.0.0.1:\(port)/announce", "--torrent-listen", "127.0.0.1:0"]
        let out = Pipe()
        seeder.standardOutput = out
        seeder.standardError = FileHandle.nullDevice
        try seeder.run()
        defer { seeder.terminate(); seeder.waitUntilExit() }
        var lines: [String] = []
        var line = Data()
        while lines.count < 2, let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty {
            if byte == Data("\n".utf8) {
                lines.append(String(decoding: line, as: UTF8.self))
                line = Data()
            } else {
                line += byte
            }
        }
        let magnet = try XCTUnwrap(lines.last, "seed printed \(lines)")
        XCTAssertTrue(magnet.hasPrefix("magnet:?xt=urn:btih:"), magnet)

        let author = CLIRunner(stateDirectory: folder + "/author"), reader = CLIRunner(stateDirectory: folder + "/reader")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let published = try author.run(
            ["publish", "--tracker", "ws://127.0.0.1:\(port)/", "--key", folder + "/k", "-"],
            stdin: #"{"collections":[{"title":"Files","items":["\#(magnet)"]}]}"#)
        XCTAssertEqual(published.status, 0, published.stderr)

        let subscribed = try reader.run([
            "subscribe", channel, "--tracker", "ws://127.0.0.1:\(port)/", "--once", "--download", downloads,
            "--torrent-listen", "127.0.0.1:0", "--timeout", "60",
        ])
        XCTAssertEqual(subscribed.status, 0, subscribed.stderr)
        XCTAssertTrue(subscribed.stdout.contains("downloaded sample.bin (3000000 bytes)"), subscribed.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: downloads + "/sample.bin")), content)
    }

    /// kill -9 of the server during a stream of publishes: every acknowledged manifest is there
    /// after a restart on the same database.
    func testKillDashNineLosesNothingAcknowledged() throws {
        let db = folder + "/tracker.sqlite"
        var (server, port) = try startServer(db: db)
        let author = CLIRunner(stateDirectory: folder + "/author")
        let channel = try author.run(["keygen", "--out", folder + "/k"]).lastLine
        let input = folder + "/in.json"
        _ = FileManager.default.createFile(atPath: input, contents: Data(#"{"collections":[{"title":"A","items":["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a"]}]}"#.utf8))

        // Publish in the background while the server is killed; record what was acknowledged.
        let acknowledged = LockedCounter()
        let url = "ws://127.0.0.1:\(port)/", keyFile = folder + "/k"
        let publisher = Thread {
            for sequence in 1...40 {
                guard let result = try? author.run(["publish", "--tracker", url, "--key", keyFile, "--sequence", "\(sequence)", "--timeout", "5", input]),
                    result.status == 0 else { break }
                acknowledged.set(sequence)
            }
            acknowledged.finish()
        }
        publisher.start()
        while acknowledged.value < 5 { Thread.sleep(forTimeInterval: 0.02) }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        acknowledged.waitUntilFinished()
        let last = acknowledged.value
        XCTAssertGreaterThanOrEqual(last, 5)

        (server, port) = try startServer(db: db)
        defer { server.terminate(); server.waitUntilExit() }
        let reader = CLIRunner(stateDirectory: folder + "/reader")
        let once = try reader.run(["subscribe", channel, "--tracker", "ws://127.0.0.1:\(port)/", "--once", "--json", "--timeout", "20"])
        XCTAssertEqual(once.status, 0, once.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(once.stdout.utf8)) as? [String: Any]
        let held = try XCTUnwrap(manifest?["sequence"] as? Int)
        XCTAssertGreaterThanOrEqual(held, last, "an acknowledged manifest was lost")
    }
}

/// The highest acknowledged sequence, shared with the publishing thread.
final class LockedCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var current = 0
    private var finished = false

    var value: Int {
        condition.lock()
        defer { condition.unlock() }
        return current
    }

    func set(_ value: Int) {
        condition.lock()
        current = value
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilFinished() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
