import Foundation
import XCTest
import MegatorrentTestSupport
import MegatorrentCrypto
import MegatorrentManifest
@testable import MegatorrentState

final class SequenceStoreTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = NSTemporaryDirectory() + "/mt-state-\(UUID().uuidString)" }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }


    /// An older or equal manifest is refused, also after the store is closed and reopened.
    func testReplayRefusedAcrossRestart() throws {
        let key = try Ed25519.PrivateKey.generate()
        let directory = StateDirectory(explicit: folder)
        do {
            let store = try SequenceStore(directory: directory)
            XCTAssertNil(try store.accept(makeSignedManifest(key, 5)))
            XCTAssertEqual(try store.accept(makeSignedManifest(key, 6)), 5)
        }
        let reopened = try SequenceStore(directory: directory)
        XCTAssertEqual(try reopened.lastAccepted(channel: key.publicKey.hex), 6)
        for stale in [UInt64(6), 5, 0] {
            XCTAssertThrowsError(try reopened.accept(makeSignedManifest(key, stale))) {
                XCTAssertEqual($0 as? ManifestError, .staleSequence(last: 6, got: stale))
            }
        }
        XCTAssertEqual(try reopened.accept(makeSignedManifest(key, 7)), 6)
        // Another key has its own sequence.
        let other = try Ed25519.PrivateKey.generate()
        XCTAssertNil(try reopened.accept(makeSignedManifest(other, 1)))
    }

    func testSignedSequenceKeepsTheHighest() throws {
        let store = try SequenceStore(directory: StateDirectory(explicit: folder))
        XCTAssertNil(try store.lastSigned(channel: "c"))
        try store.recordSigned(channel: "c", sequence: 3)
        try store.recordSigned(channel: "c", sequence: 2)
        XCTAssertEqual(try store.lastSigned(channel: "c"), 3)
        XCTAssertNil(try store.lastAccepted(channel: "c"), "signed and accepted are separate records")
    }

    func testStateDirectoryResolution() {
        XCTAssertEqual(StateDirectory(explicit: "/x", environment: ["MEGATORRENT_HOME": "/y"]).path, "/x")
        XCTAssertEqual(StateDirectory(explicit: nil, environment: ["MEGATORRENT_HOME": "/y", "XDG_DATA_HOME": "/z"]).path, "/y")
        XCTAssertEqual(StateDirectory(explicit: nil, environment: ["XDG_DATA_HOME": "/z", "HOME": "/h"]).path, "/z/megatorrent")
        XCTAssertEqual(StateDirectory(explicit: nil, environment: ["HOME": "/h"]).path, "/h/.local/share/megatorrent")
        XCTAssertEqual(StateDirectory(explicit: nil, environment: ["XDG_DATA_HOME": "relative", "HOME": "/h"]).path, "/h/.local/share/megatorrent")
    }

    func testUnwritableFolderIsAClearError() {
        XCTAssertThrowsError(try SequenceStore(directory: StateDirectory(explicit: "/proc/megatorrent-cannot"))) {
            XCTAssertTrue("\($0)".contains("cannot create state folder"), "\($0)")
        }
    }

    func testCorruptDatabaseIsAClearError() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/state.sqlite", contents: Data(repeating: 0x41, count: 4096))
        XCTAssertThrowsError(try SequenceStore(directory: StateDirectory(explicit: folder))) {
            XCTAssertTrue("\($0)".hasPrefix("state database"), "\($0)")
        }
    }
}
