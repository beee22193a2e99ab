import Foundation
import XCTest
import MegatorrentTestSupport
import MegatorrentCrypto
import MegatorrentManifest
@testable import MegatorrentState

final class ManifestStoreTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = NSTemporaryDirectory() + "/mt-manifests-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }


    func testNewestWinsAndSurvivesReopen() throws {
        let key = try Ed25519.PrivateKey.generate()
        let directory = StateDirectory(explicit: folder)
        do {
            let store = ManifestStore(database: try StateDatabase(directory: directory))
            XCTAssertTrue(try store.store(makeSignedManifest(key, 2, title: "v2"), at: 10))
            XCTAssertFalse(try store.store(makeSignedManifest(key, 1, title: "v1"), at: 11), "an older manifest does not replace a newer one")
            XCTAssertTrue(try store.store(makeSignedManifest(key, 3, title: "v3"), at: 12))
            XCTAssertFalse(try store.store(makeSignedManifest(key, 3, title: "v3"), at: 13), "the same sequence again changes nothing")
            XCTAssertTrue(try store.store(makeSignedManifest(key, 3, title: "v3"), itemSignature: [UInt8](repeating: 5, count: 64), at: 14), "a missing sidecar is added")
        }
        let reopened = ManifestStore(database: try StateDatabase(directory: directory))
        let record = try XCTUnwrap(try reopened.latest(channel: key.publicKey.hex))
        XCTAssertEqual(record.manifest.sequence, 3)
        XCTAssertEqual(record.storedAt, 12)
        XCTAssertEqual(record.itemSignature, [UInt8](repeating: 5, count: 64))
        XCTAssertEqual(try reopened.channels(), [key.publicKey.hex])
        XCTAssertNil(try reopened.latest(channel: "00"))
    }

    /// A database file changed behind our back is not trusted: the manifest is verified on read.
    func testTamperedRowIsRefusedOnRead() throws {
        let key = try Ed25519.PrivateKey.generate()
        let database = try StateDatabase(directory: StateDirectory(explicit: folder))
        let store = ManifestStore(database: database)
        try store.store(makeSignedManifest(key, 1, title: "v1"), at: 1)
        let forged = String(decoding: try makeSignedManifest(key, 1, title: "v1").jsonBytes, as: UTF8.self).replacingOccurrences(of: "\"v1\"", with: "\"v9\"")
        try database.queue.write { db in
            try db.execute(sql: "UPDATE manifest SET json = ?", arguments: [Data(forged.utf8)])
        }
        XCTAssertThrowsError(try store.latest(channel: key.publicKey.hex)) { XCTAssertEqual($0 as? ManifestError, .badSignature) }
    }

    /// Sequences and manifests share one database file and one connection.
    func testStoresShareOneDatabase() throws {
        let database = try StateDatabase(directory: StateDirectory(explicit: folder))
        let sequences = SequenceStore(database: database), manifests = ManifestStore(database: database)
        let key = try Ed25519.PrivateKey.generate()
        try manifests.store(makeSignedManifest(key, 4, title: "v4"), at: 1)
        XCTAssertEqual(try sequences.accept(channel: key.publicKey.hex, sequence: 4), .accepted(previous: nil))
        XCTAssertEqual(try manifests.latest(channel: key.publicKey.hex)?.manifest.sequence, 4)
    }
}
