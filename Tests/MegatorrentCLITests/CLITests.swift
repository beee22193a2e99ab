import Foundation
import XCTest

final class CLITests: XCTestCase {
    var folder: String!
    var cli: CLIRunner!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "/mt-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        cli = CLIRunner(stateDirectory: folder + "/state")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: CLIRunner.binary.path), "build the megatorrent product first")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    let input = #"{"collections":[{"title":"Films","items":["magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=One"]}]}"#

    func write(_ text: String, _ name: String) -> String {
        let path = folder + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func keygen() throws -> (path: String, channel: String) {
        let path = folder + "/author.key"
        let result = try cli.run(["keygen", "--out", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return (path, result.lastLine)
    }

    func testKeygenSignVerifyRoundTrip() throws {
        let (key, channel) = try keygen()
        XCTAssertEqual(channel.count, 64)
        XCTAssertTrue(channel.allSatisfy { "0123456789abcdef".contains($0) })
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let signed = try cli.run(["manifest", "sign", "--key", key, write(input, "in.json")])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["publicKey"] as? String, channel)
        XCTAssertEqual(object["sequence"] as? Int, 1)

        let verified = try cli.run(["manifest", "verify", write(signed.stdout, "m1.json")])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains("sequence 1"))
        let json = try cli.run(["manifest", "verify", "--json", "--key", "magnet:?xs=urn:btpk:\(channel)", folder + "/m1.json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["valid"] as? Bool, true)
        XCTAssertEqual(report["items"] as? Int, 1)
    }

    func testSequenceFollowsTheStateFolder() throws {
        let (key, _) = try keygen()
        let path = write(input, "in.json")
        func sequence(_ extra: [String] = []) throws -> Int? {
            let result = try cli.run(["manifest", "sign", "--key", key] + extra + [path])
            XCTAssertEqual(result.status, 0, result.stderr)
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["sequence"] as? Int
        }
        XCTAssertEqual(try sequence(), 1)
        XCTAssertEqual(try sequence(), 2)
        XCTAssertEqual(try sequence(["--sequence", "10"]), 10)
        XCTAssertEqual(try sequence(), 11)
        // Standard input works too.
        let piped = try cli.run(["manifest", "sign", "--key", key, "-"], stdin: input)
        XCTAssertTrue(piped.stdout.contains("\"sequence\":12"), piped.stdout + piped.stderr)
    }

    func testVerifyRefusals() throws {
        let (key, _) = try keygen()
        let signed = try cli.run(["manifest", "sign", "--key", key, "--sequence", "5", write(input, "in.json")]).stdout
        assertCleanFailure(try cli.run(["manifest", "verify", write(signed.replacingOccurrences(of: "Films", with: "Filmz"), "a.json")]), contains: "signature does not verify")
        assertCleanFailure(try cli.run(["manifest", "verify", write(signed.replacingOccurrences(of: "\"sequence\":5", with: "\"sequence\":6"), "b.json")]), contains: "signature does not verify")
        assertCleanFailure(try cli.run(["manifest", "verify", write("{\"a\":", "c.json")]), contains: "malformed JSON")
        assertCleanFailure(try cli.run(["manifest", "verify", folder + "/missing.json"]), contains: "no such file")
        let refused = try cli.run(["manifest", "verify", "--json", folder + "/a.json"])
        XCTAssertTrue(refused.stdout.contains("\"code\":15"), refused.stdout)
    }

    /// `--record` keeps the last sequence in the state folder: a replay is refused by a later
    /// process (a restart), and so is an older manifest.
    func testReplayRefusedAfterRestart() throws {
        let (key, _) = try keygen()
        let path = write(input, "in.json")
        let older = write(try cli.run(["manifest", "sign", "--key", key, "--sequence", "4", path]).stdout, "m4.json")
        let newer = write(try cli.run(["manifest", "sign", "--key", key, "--sequence", "5", path]).stdout, "m5.json")
        XCTAssertEqual(try cli.run(["manifest", "verify", "--record", newer]).status, 0)
        assertCleanFailure(try cli.run(["manifest", "verify", "--record", newer]), contains: "replay")
        assertCleanFailure(try cli.run(["manifest", "verify", "--record", older]), contains: "not above 5")
        XCTAssertEqual(try cli.run(["manifest", "verify", older]).status, 0, "without --record verification is stateless")
    }

    func testKeyFileProblemsAreOneLine() throws {
        let (key, _) = try keygen()
        assertCleanFailure(try cli.run(["keygen", "--out", key]), contains: "already exists")
        chmod(key, 0o644)
        assertCleanFailure(try cli.run(["manifest", "sign", "--key", key, write(input, "in.json")]), contains: "chmod 600")
        let short = write("short", "short.key")
        chmod(short, 0o600)
        assertCleanFailure(try cli.run(["manifest", "sign", "--key", short, folder + "/in.json"]), contains: "corrupt")
    }

    func testBadSignInputIsOneLine() throws {
        let (key, _) = try keygen()
        assertCleanFailure(try cli.run(["manifest", "sign", "--key", key, write("[]", "x.json")]), contains: "must be a JSON object")
        assertCleanFailure(try cli.run(["manifest", "sign", "--key", key, write(#"{"collections":[{"title":"t","items":["nope"]}]}"#, "y.json")]), contains: "collections[0].items[0]")
        assertCleanFailure(try cli.run(["manifest", "sign", "--key", key, write(#"{"collections":[],"a":1,"a":2}"#, "z.json")]), contains: "duplicate")
    }
}
