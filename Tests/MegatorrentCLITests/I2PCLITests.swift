import Foundation
import XCTest

/// The I2P options' refusals (a real bridge and network: MegatorrentI2PTests and scripts/i2p-network.sh).
final class I2PCLITests: XCTestCase {
    func testI2PPeersAndListeningNeedABridgeAndABridgeThatAnswers() throws {
        let folder = NSTemporaryDirectory() + "i2pcli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let runner = CLIRunner(stateDirectory: folder)
        let channel = String(repeating: "ab", count: 32)
        let key = String(repeating: "cd", count: 32)
        let b32 = String(repeating: "a", count: 52) + ".b32.i2p"

        let noBridge = try runner.run(["subscribe", channel, "--peer", "\(b32):\(key)", "--once", "--timeout", "5"])
        XCTAssertNotEqual(noBridge.status, 0)
        XCTAssertTrue(noBridge.stderr.contains("I2P peers need --i2p-sam"), noBridge.stderr)

        let badB32 = try runner.run(["subscribe", channel, "--peer", "short.b32.i2p:\(key)"])
        XCTAssertNotEqual(badB32.status, 0)
        XCTAssertTrue(badB32.stderr.contains("invalid .b32.i2p address"), badB32.stderr)

        let badOption = try runner.run(["subscribe", channel, "--peer", "\(b32):\(key)", "--i2p-sam", "127.0.0.1:1", "--i2p-option", "novalue"])
        XCTAssertNotEqual(badOption.status, 0)
        XCTAssertTrue(badOption.stderr.contains("expected KEY=VALUE"), badOption.stderr)

        // A bridge that is not there: one clear line, not a hang.
        let closed = try runner.run(["subscribe", channel, "--peer", "\(b32):\(key)", "--i2p-sam", "127.0.0.1:1", "--once", "--timeout", "5"])
        XCTAssertNotEqual(closed.status, 0)
        XCTAssertTrue(closed.stderr.contains("cannot reach the I2P SAM bridge at 127.0.0.1:1"), closed.stderr)

        // --i2p-sam turns safe mode on: --dht is refused.
        let dht = try runner.run(["subscribe", channel, "--dht", "--i2p-sam", "127.0.0.1:1"])
        XCTAssertNotEqual(dht.status, 0)
        XCTAssertTrue(dht.stderr.contains("safe mode"), dht.stderr)
    }
}
