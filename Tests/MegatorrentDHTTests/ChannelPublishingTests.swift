import Foundation
import XCTest
import MegatorrentCrypto
import MegatorrentManifest
import MegatorrentTestSupport
import MegatorrentTorrent
@testable import MegatorrentDHT

/// What publishing and republishing check before any network traffic, the store's layout, and the republisher's
/// holding rules and timer, on a session without a DHT.
final class ChannelPublishingTests: XCTestCase {
    func testRepublishRefusesASidecarThatDoesNotPointAtTheManifest() async throws {
        let key = try Ed25519.PrivateKey.generate()
        let manifest = try makeSignedManifest(key, 3)
        let pointer = ChannelPointer(infoHash: ManifestTorrent(manifest: manifest).infoHash)
        let good = try MutableItem(signing: pointer.bencoded, sequence: 3, with: key)
        XCTAssertNoThrow(try ChannelPublisher.check(good, matches: manifest))
        XCTAssertEqual(try MutableItem(pointerTo: manifest, signature: good.signature), good, "rebuilt from the signature")
        XCTAssertThrowsError(try MutableItem(pointerTo: try makeSignedManifest(key, 4), signature: good.signature))

        let other = try Ed25519.PrivateKey.generate()
        let otherManifest = try makeSignedManifest(other, 3)
        let mismatches: [(MutableItem, String)] = [
            (try MutableItem(signing: pointer.bencoded, sequence: 4, with: key), "sequence"),
            (try MutableItem(signing: pointer.bencoded, salt: [1], sequence: 3, with: key), "salt"),
            (try MutableItem(signing: pointer.bencoded, sequence: 3, with: other), "key"),
            (try MutableItem(
                signing: ChannelPointer(infoHash: ManifestTorrent(manifest: otherManifest).infoHash).bencoded,
                sequence: 3, with: key), "torrent"),
            (try MutableItem(signing: [UInt8]("i3e".utf8), sequence: 3, with: key), "value"),
        ]
        let session = try TorrentSession()  // no DHT: the checks come first
        for (sidecar, what) in mismatches {
            do {
                _ = try await ChannelPublisher(session: session).republish(sidecar, manifest: manifest, storeFolder: "/nonexistent")
                XCTFail("\(what): accepted")
            } catch let failure as ChannelPublisher.Failure {
                guard case .sidecarMismatch = failure else { return XCTFail("\(what): \(failure)") }
            }
        }
        do {
            _ = try await ChannelPublisher(session: session).publish(manifest, with: other, storeFolder: "/nonexistent")
            XCTFail("published with another key")
        } catch let failure as ChannelPublisher.Failure {
            XCTAssertEqual(failure, .keyMismatch(expected: key.publicKey.hex, got: other.publicKey.hex))
        }
    }

    func testStoreLayoutAndEntries() throws {
        let root = NSTemporaryDirectory() + "megatorrent-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let key = try Ed25519.PrivateKey.generate()
        let store = ChannelStore(root: root)
        let manifests = try [2, 10, 1].map { try makeSignedManifest(key, $0) }
        for manifest in manifests {
            let folder = try store.write(ManifestTorrent(manifest: manifest), channel: key.publicKey, sequence: manifest.sequence)
            XCTAssertEqual(
                folder, root + "/" + key.publicKey.hex + "/\(manifest.sequence)-" + ManifestTorrent(manifest: manifest).infoHashHex)
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/manifest.json").map { [UInt8]($0) }, manifest.jsonBytes)
        }
        try FileManager.default.createDirectory(atPath: store.folder(channel: key.publicKey) + "/01-junk", withIntermediateDirectories: true)
        XCTAssertEqual(store.entries(channel: key.publicKey).map(\.sequence), [1, 2, 10])
        XCTAssertEqual(store.entries(channel: try Ed25519.PrivateKey.generate().publicKey), [])
    }

    func testRepublisherHoldsTheHighestSequencePerKeyWithinCapacity() throws {
        let session = try TorrentSession()
        let republisher = Republisher(session: session, capacity: 2)
        let a = try Ed25519.PrivateKey.generate()
        let b = try Ed25519.PrivateKey.generate()
        let c = try Ed25519.PrivateKey.generate()
        func item(_ key: Ed25519.PrivateKey, _ sequence: Int64, _ value: String = "1:x") throws -> MutableItem {
            try MutableItem(signing: Array(value.utf8), sequence: sequence, with: key)
        }
        XCTAssertTrue(republisher.hold(try item(a, 2)))
        XCTAssertFalse(republisher.hold(try item(a, 1)), "lower sequence")
        XCTAssertTrue(republisher.hold(try item(a, 2)), "the same item again")
        XCTAssertFalse(republisher.hold(try item(a, 2, "1:y")), "an equal sequence with another value")
        XCTAssertTrue(republisher.hold(try item(a, 3)))
        XCTAssertTrue(republisher.hold(try item(b, 1)))
        XCTAssertFalse(republisher.hold(try item(c, 1)), "over capacity")
        XCTAssertEqual(Set(republisher.held.map(\.sequence)), [3, 1])
        XCTAssertTrue(republisher.release(a.publicKey))
        XCTAssertTrue(republisher.hold(try item(c, 1)))
        XCTAssertEqual(republisher.held.count, 2)
    }

    func testRepublisherDelayIsJitteredWithinBounds() {
        func delay(_ jitter: Double, _ unit: Double) -> Double {
            let delay = Republisher.delay(interval: .seconds(3600), jitter: jitter, unit: unit)
            return Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        }
        XCTAssertEqual(delay(0.1, 0), 3240, accuracy: 1e-6)
        XCTAssertEqual(delay(0.1, 0.5), 3600, accuracy: 1e-6)
        XCTAssertEqual(delay(0.1, 1), 3960, accuracy: 1e-6)
        XCTAssertEqual(delay(0.1, 7), 3960, accuracy: 1e-6, "clamped")
        XCTAssertEqual(delay(0, 0.3), 3600, accuracy: 1e-6)
        let republisher = Republisher(session: try! TorrentSession(), interval: .zero, jitter: 3)
        XCTAssertEqual(republisher.interval, .milliseconds(10))
        XCTAssertEqual(republisher.jitter, 0.5)
    }

    /// Without a DHT, every put of a round fails (and says why); the timer runs rounds until stopped, and stops by
    /// itself once its session is released.
    func testRepublisherRoundsOnATimerAndStops() async throws {
        let key = try Ed25519.PrivateKey.generate()
        let item = try MutableItem(signing: Array("1:x".utf8), sequence: 1, with: key)
        let twoRounds = XCTestExpectation(description: "two rounds")
        twoRounds.expectedFulfillmentCount = 2
        twoRounds.assertForOverFulfill = false
        var session: TorrentSession? = try TorrentSession()
        let republisher = Republisher(session: session!, interval: .milliseconds(20)) { round in
            XCTAssertEqual(round.puts.count, 1)
            if case .failed = round.puts.first?.outcome {} else { XCTFail("\(round)") }
            twoRounds.fulfill()
        }
        republisher.hold(item)
        republisher.start()
        XCTAssertTrue(republisher.isRunning)
        let result = await XCTWaiter().fulfillment(of: [twoRounds], timeout: 10)
        XCTAssertEqual(result, .completed)
        await republisher.stop()
        XCTAssertFalse(republisher.isRunning)

        weak let released = session
        session = nil
        XCTAssertNil(released, "the republisher does not keep its session")
        let round = await republisher.republishNow()
        XCTAssertNil(round, "no session, no round")
    }
}
