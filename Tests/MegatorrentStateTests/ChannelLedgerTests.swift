import Foundation
import XCTest
import MegatorrentTestSupport
import MegatorrentCrypto
import MegatorrentManifest
@testable import MegatorrentState

final class ChannelLedgerTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = NSTemporaryDirectory() + "/mt-ledger-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }


    func testHighestWinsDuplicatesAndStaleAcrossRestart() throws {
        let key = try Ed25519.PrivateKey.generate()
        let directory = StateDirectory(explicit: folder)
        do {
            let ledger = ChannelLedger(database: try StateDatabase(directory: directory))
            XCTAssertEqual(try ledger.accept(makeSignedManifest(key, 3), at: 1), .accepted(previous: nil))
            XCTAssertEqual(try ledger.accept(makeSignedManifest(key, 3), at: 2), .duplicate)
            XCTAssertEqual(try ledger.accept(makeSignedManifest(key, 5), at: 3), .accepted(previous: 3))
        }
        let database = try StateDatabase(directory: directory)
        let ledger = ChannelLedger(database: database)
        XCTAssertEqual(try ledger.accept(makeSignedManifest(key, 4), at: 4), .stale(last: 5))
        XCTAssertEqual(try ManifestStore(database: database).latest(channel: key.publicKey.hex)?.manifest.sequence, 5)
        XCTAssertEqual(try SequenceStore(database: database).lastAccepted(channel: key.publicKey.hex), 5)
    }

    func testEquivocationIsKeptAsEvidenceAndTheHeldManifestStays() throws {
        let key = try Ed25519.PrivateKey.generate()
        let ledger = ChannelLedger(database: try StateDatabase(directory: StateDirectory(explicit: folder)))
        let first = try makeSignedManifest(key, 7, title: "a"), second = try makeSignedManifest(key, 7, title: "b")
        XCTAssertEqual(try ledger.accept(first, at: 1), .accepted(previous: nil))
        XCTAssertEqual(try ledger.accept(second, at: 2), .equivocation(held: first))
        XCTAssertEqual(try ledger.accept(second, at: 3), .equivocation(held: first), "reported again, recorded once")
        let evidence = try ledger.evidence(channel: key.publicKey.hex)
        XCTAssertEqual(evidence.count, 1)
        XCTAssertEqual(evidence.first?.sequence, 7)
        XCTAssertEqual(evidence.first?.held, first.jsonBytes)
        XCTAssertEqual(evidence.first?.offered, second.jsonBytes)
        // Both halves of the evidence verify: it proves the key signed two versions.
        XCTAssertNoThrow(try ManifestVerifier.verify(evidence[0].held))
        XCTAssertNoThrow(try ManifestVerifier.verify(evidence[0].offered))
    }

    func testSubscriptions() throws {
        let store = SubscriptionStore(database: try StateDatabase(directory: StateDirectory(explicit: folder)))
        XCTAssertTrue(try store.add(channel: "bb", at: 1))
        XCTAssertFalse(try store.add(channel: "bb", at: 2))
        XCTAssertTrue(try store.add(channel: "aa", at: 3))
        XCTAssertEqual(try store.channels(), ["aa", "bb"])
        XCTAssertTrue(try store.contains(channel: "aa"))
        XCTAssertTrue(try store.remove(channel: "aa"))
        XCTAssertFalse(try store.remove(channel: "aa"))
        XCTAssertFalse(try store.contains(channel: "aa"))
    }
}
